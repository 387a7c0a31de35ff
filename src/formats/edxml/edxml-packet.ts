/**
 * A faithful, typed model of an edXML packet (QCVN 102:2016, docs/domain-vn.md §1).
 *
 * Conventions, so that parse → build → parse gives back an equal model:
 * - Values stay the strings the wire carries (numbers and flags too: `Priority` is `'0'`, not `0`);
 *   the mapping to the hub's `Message` interprets them.
 * - An optional property is `undefined` when its element is absent and `''` when the element is
 *   present but empty (`<OrganId></OrganId>`).
 * - A list property is `undefined` when its container element is absent and `[]` when it is empty.
 * - Dates are the wire strings `yyyy/MM/dd` ({@link WireDate}) and `yyyy/MM/dd HH:mm:ss`
 *   ({@link WireTimestamp}), validated by the parser and the builder (an empty string is allowed
 *   where the element is optional, as vendor packets send `<PromulgationDate></PromulgationDate>`).
 */

/** `yyyy/MM/dd`, local date in Asia/Ho_Chi_Minh. */
export type WireDate = string;
/** `yyyy/MM/dd HH:mm:ss`, local time in Asia/Ho_Chi_Minh (UTC+7). */
export type WireTimestamp = string;

/** `From`, `To`: the eight organisation fields. `OrganId` is the agency code (docs/domain-vn.md §2). */
export interface EdxmlOrganization {
  organId: string;
  organizationInCharge?: string;
  organName?: string;
  organAdd?: string;
  email?: string;
  telephone?: string;
  fax?: string;
  website?: string;
}

/** `ResponseFor`: the document this packet answers (edoc) or reports a status on (status packet). */
export interface EdxmlResponseFor {
  organId?: string;
  /** `number/notation` as one string. */
  code?: string;
  promulgationDate?: WireDate;
  documentId?: string;
}

/** `StaffInfo` (in `Bussiness` and in status packets). */
export interface EdxmlStaffInfo {
  department?: string;
  staff?: string;
  email?: string;
  mobile?: string;
}

export interface EdxmlOtherInfo {
  /** Độ khẩn `0`…`4` (docs/domain-vn.md §1.8). */
  priority?: string;
  sphereOfPromulgation?: string;
  typerNotation?: string;
  /** Số bản. */
  promulgationAmount?: string;
  /** Số trang. */
  pageAmount?: string;
  /** `true`/`false`; meaning unknown. */
  direction?: string;
  appendixes?: string[];
  /** SDK model only (`ReplyFors/ReplyFor*`), not seen in samples. */
  replyFors?: string[];
  /** SDK model only (`ReferenceCodes/ReferenceCode*`), not seen in samples. */
  referenceCodes?: string[];
}

/** `MessageHeader` of a document packet ("edoc"), fields in wire order. */
export interface EdocHeader {
  from: EdxmlOrganization;
  to: EdxmlOrganization[];
  documentId?: string;
  code: { codeNumber: string; codeNotation: string };
  promulgationInfo: { place?: string; promulgationDate: WireDate };
  documentType?: { type?: string; typeDetail?: string; typeName?: string };
  /** Trích yếu. */
  subject: string;
  content?: string;
  signerInfo?: { competence?: string; position?: string; fullName?: string };
  dueDate?: WireDate;
  toPlaces?: string[];
  otherInfo?: EdxmlOtherInfo;
  responseFor: EdxmlResponseFor[];
  /** `0` not a directive, `1` directive, `2` report on a directive. */
  steeringType?: string;
  /** SDK 0.0.3 only: `ResponseForTask/TaskCode*`. */
  responseForTask?: string[];
  /** SDK 0.0.3 only; meaning unknown. */
  applicationType?: string;
}

/** `MessageHeader` of a status packet (docs/domain-vn.md §1.6). */
export interface StatusHeader {
  from: EdxmlOrganization;
  responseFor: EdxmlResponseFor;
  staffInfo?: EdxmlStaffInfo;
  /** Two digits: 01–06, 13, 15, 16 (§1.7). */
  statusCode: string;
  description?: string;
  timestamp: WireTimestamp;
}

export interface EdxmlTraceHeader {
  /** The relaying system's agency code; vendors send `null` or leave it out. */
  organId?: string;
  timestamp?: WireTimestamp;
}

/** `BussinessDocType`: 0 new, 1 revoke, 2 update, 3 replace. */
export const BUSSINESS_DOC_TYPES = ['0', '1', '2', '3'] as const;
export type BussinessDocType = (typeof BUSSINESS_DOC_TYPES)[number];

export interface EdxmlReceiver {
  organId?: string;
  /** `0`/`1`; which of added/removed is which is not documented anywhere. */
  receiverType?: string;
}

export interface EdxmlReplacementInfo {
  /** The replaced document. */
  documentId?: string;
  organIdList?: string[];
}

/** `Bussiness` (sic: the wire spelling, kept on output). */
export interface EdxmlBussiness {
  documentId?: string;
  bussinessDocType: BussinessDocType;
  bussinessDocReason?: string;
  /** `0`/`1`: a paper copy is sent too. */
  paper?: string;
  bussinessDocumentInfo?: {
    /** `0`/`1`: the document's metadata changed. */
    documentInfo?: string;
    /** `0`/`1`: the recipient list changed. */
    documentReceiver?: string;
    receiverList?: EdxmlReceiver[];
  };
  replacementInfoList?: EdxmlReplacementInfo[];
  staffInfo: EdxmlStaffInfo[];
}

export interface EdxmlTraceHeaderList {
  traceHeaders: EdxmlTraceHeader[];
  bussiness?: EdxmlBussiness;
}

/**
 * What the packet's `Signature` block says, recorded as found. Nothing here is verified (that is
 * src/formats/xmldsig's job); the builder never writes it back (a signature covers exact bytes).
 */
export interface EdxmlSignatureSummary {
  /** Namespace the `Signature` element was found in: the edXML one (VNPT builder) or XML-DSig. */
  namespace: string;
  canonicalizationMethod?: string;
  signatureMethod?: string;
  references: { uri?: string; transforms: string[]; digestMethod?: string; digestValue?: string }[];
  signatureValue?: string;
  x509SubjectName?: string;
  x509Certificates: string[];
  /** The `SignatureValue` (or every `DigestValue`) is the hard-coded vendor placeholder. */
  vendorPlaceholder: boolean;
}

/** `edXMLManifest/Reference`. */
export interface EdxmlReference {
  contentId?: string;
  contentType?: string;
  description?: string;
  attachmentName?: string;
}

export interface EdxmlManifest {
  /** The `version` attribute (`1.0`). */
  version?: string;
  references: EdxmlReference[];
}

/** Size and lowercase hex SHA-256 of a byte sequence. */
export interface ByteFacts {
  size: number;
  sha256: string;
}

/** The attachment itself once "ZIP single entry, else raw" (§1.5) is applied. */
export interface AttachmentContent extends ByteFacts {
  /** The payload was a ZIP with exactly one file entry, and this is that entry. */
  zipped: boolean;
  /** Name of the ZIP entry when `zipped`. */
  entryName?: string;
}

/** `AttachmentEncoded/Attachment`. */
export interface EdxmlAttachment {
  contentId?: string;
  attachmentName?: string;
  description?: string;
  /** As on the wire; the VNPT SDK says `application/zip` whatever the file. */
  contentType?: string;
  /** The base64-decoded `ContentTransferEncoded` bytes as carried. The builder writes exactly these. */
  payload: ByteFacts;
  /**
   * The attachment after unzipping a single-entry ZIP payload. Absent only when a caller-provided
   * sink kept a ZIP-looking payload that has not been resolved yet (see `resolveAttachmentContent`).
   */
  content?: AttachmentContent;
}

/** A document packet. */
export interface EdocPacket {
  kind: 'edoc';
  header: EdocHeader;
  traceHeaderList?: EdxmlTraceHeaderList;
  signature?: EdxmlSignatureSummary;
  /** `edXMLBody/edXMLManifest`; absent when the packet has no body. */
  manifest?: EdxmlManifest;
  attachments: EdxmlAttachment[];
}

/** A status packet: no body, no attachments. */
export interface StatusPacket {
  kind: 'status';
  header: StatusHeader;
  traceHeaderList?: EdxmlTraceHeaderList;
  signature?: EdxmlSignatureSummary;
}

export type EdxmlPacket = EdocPacket | StatusPacket;
