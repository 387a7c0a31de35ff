import { compact } from './compact.js';
import type { EdocPacket, EdxmlStaffInfo } from './edxml-packet.js';

/** Business actions, indexed by `BussinessDocType` (0 new, 1 revoke, 2 update, 3 replace). */
export const BUSINESS_KINDS = ['new', 'revoke', 'update', 'replace'] as const;
export type BusinessKind = (typeof BUSINESS_KINDS)[number];

/** Who did it, in the hub's words (edXML `StaffInfo`). */
export interface BusinessStaff {
  department?: string;
  name?: string;
  email?: string;
  mobile?: string;
}

/**
 * What a document packet does to earlier documents, so the hub can link it to their messages.
 * `relatedDocumentIds` are edXML `DocumentId`s: for revoke and update the `Bussiness/DocumentId`
 * (else the `ResponseFor` documents, as the vendor revoke sample has no `Bussiness/DocumentId`),
 * for replace every `ReplacementInfo/DocumentId` (plus `Bussiness/DocumentId` if given).
 */
export interface BusinessInfo {
  kind: BusinessKind;
  /** The packet carried a `Bussiness` block; without one it reads as a new document. */
  declared: boolean;
  relatedDocumentIds: string[];
  reason?: string;
  /** A paper copy is sent too (`Paper` = 1). */
  paper?: boolean;
  /** Update packets: what changed (`BussinessDocumentInfo`). */
  changes?: { metadata?: boolean; receivers?: boolean; receiverList: { organId: string; receiverType?: string }[] };
  /** Replace packets: each replaced document and the recipients concerned. */
  replacements?: { documentId: string; organIds: string[] }[];
  staff: BusinessStaff[];
}

/** A value that names something: not absent, blank, or the literal `null` vendors send. */
export function presentText(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '' && value.trim().toLowerCase() !== 'null';
}

function flag(value: string | undefined): boolean | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim() === '1' || value.trim().toLowerCase() === 'true';
}

export function staffFromEdxml(s: EdxmlStaffInfo): BusinessStaff {
  return compact({ department: s.department, name: s.staff, email: s.email, mobile: s.mobile });
}

/** Reads the business action of a document packet (docs/domain-vn.md §1.3). */
export function readBusinessInfo(packet: EdocPacket): BusinessInfo {
  const b = packet.traceHeaderList?.bussiness;
  const responseForIds = packet.header.responseFor.map((r) => r.documentId).filter(presentText);
  if (!b) return { kind: 'new', declared: false, relatedDocumentIds: [], staff: [] };
  const kind = BUSINESS_KINDS[Number(b.bussinessDocType)]!;
  const own = presentText(b.documentId) ? [b.documentId.trim()] : [];
  const replacements = (b.replacementInfoList ?? [])
    .filter((r): r is typeof r & { documentId: string } => presentText(r.documentId))
    .map((r) => ({ documentId: r.documentId.trim(), organIds: (r.organIdList ?? []).filter(presentText) }));
  const named = kind === 'replace' ? [...replacements.map((r) => r.documentId), ...own] : own;
  const related = kind === 'new' ? [] : named.length > 0 ? named : responseForIds;
  const info = b.bussinessDocumentInfo;
  return compact({
    kind,
    declared: true,
    relatedDocumentIds: [...new Set(related)],
    reason: b.bussinessDocReason,
    paper: flag(b.paper),
    changes: info && compact({
      metadata: flag(info.documentInfo),
      receivers: flag(info.documentReceiver),
      receiverList: (info.receiverList ?? [])
        .filter((r): r is typeof r & { organId: string } => presentText(r.organId))
        .map((r) => compact({ organId: r.organId, receiverType: r.receiverType })),
    }),
    replacements: b.replacementInfoList && replacements,
    staff: b.staffInfo.map(staffFromEdxml),
  });
}
