import { hubError } from '../../errors.js';
import type { CanonicalXmlWriter } from './canonical-xml-writer.js';
import type { EdocHeader, EdxmlOtherInfo, StatusHeader } from './edxml-packet.js';
import { checkDate, checkTimestamp, requireText, writeOrganization, writeResponseFor, writeStaffInfo } from './write-header-parts.js';

function writeOtherInfo(w: CanonicalXmlWriter, info: EdxmlOtherInfo): void {
  w.open('OtherInfo')
    .leaf('Priority', info.priority)
    .leaf('SphereOfPromulgation', info.sphereOfPromulgation)
    .leaf('TyperNotation', info.typerNotation)
    .leaf('PromulgationAmount', info.promulgationAmount)
    .leaf('PageAmount', info.pageAmount)
    .leaf('Direction', info.direction)
    .list('Appendixes', 'Appendix', info.appendixes)
    .list('ReplyFors', 'ReplyFor', info.replyFors)
    .list('ReferenceCodes', 'ReferenceCode', info.referenceCodes)
    .close('OtherInfo');
}

/**
 * Document `MessageHeader` in the order the VNPT reference builder emits (the vendor samples and
 * the packet the 2019 test axis re-serialised): …, DueDate, OtherInfo, ResponseFor*, SteeringType,
 * ToPlaces. (docs/domain-vn.md §1.2's table lists ToPlaces after DueDate, which only the hand-made
 * `edoc.edxml` template does.) SDK-only ResponseForTask and ApplicationType come last.
 */
export function writeEdocHeader(w: CanonicalXmlWriter, h: EdocHeader): void {
  if (h.to.length === 0) throw hubError('HUB_ERR_EDXML_INVALID', ['MessageHeader/To: at least one recipient is required']);
  w.open('MessageHeader');
  writeOrganization(w, 'From', h.from);
  for (const to of h.to) writeOrganization(w, 'To', to);
  w.leaf('DocumentId', h.documentId)
    .open('Code')
    .leaf('CodeNumber', requireText(h.code.codeNumber, 'Code/CodeNumber'))
    .leaf('CodeNotation', requireText(h.code.codeNotation, 'Code/CodeNotation'))
    .close('Code')
    .open('PromulgationInfo')
    .leaf('Place', h.promulgationInfo.place)
    .leaf('PromulgationDate', checkDate(requireText(h.promulgationInfo.promulgationDate, 'PromulgationInfo/PromulgationDate'), 'PromulgationInfo/PromulgationDate'))
    .close('PromulgationInfo');
  if (h.documentType) {
    w.open('DocumentType').leaf('Type', h.documentType.type).leaf('TypeDetail', h.documentType.typeDetail).leaf('TypeName', h.documentType.typeName).close('DocumentType');
  }
  w.leaf('Subject', requireText(h.subject, 'Subject')).leaf('Content', h.content);
  if (h.signerInfo) {
    w.open('SignerInfo').leaf('Competence', h.signerInfo.competence).leaf('Position', h.signerInfo.position).leaf('FullName', h.signerInfo.fullName).close('SignerInfo');
  }
  w.leaf('DueDate', checkDate(h.dueDate, 'DueDate'));
  if (h.otherInfo) writeOtherInfo(w, h.otherInfo);
  for (const rf of h.responseFor) writeResponseFor(w, rf);
  w.leaf('SteeringType', h.steeringType)
    .list('ToPlaces', 'Place', h.toPlaces)
    .list('ResponseForTask', 'TaskCode', h.responseForTask)
    .leaf('ApplicationType', h.applicationType)
    .close('MessageHeader');
}

/** Status `MessageHeader` (§1.6): From, ResponseFor, StaffInfo, StatusCode, Description, Timestamp. */
export function writeStatusHeader(w: CanonicalXmlWriter, h: StatusHeader): void {
  if (!/^\d{2}$/.test(h.statusCode)) throw hubError('HUB_ERR_EDXML_INVALID', [`StatusCode "${h.statusCode}" is not a two-digit code`]);
  w.open('MessageHeader');
  writeOrganization(w, 'From', h.from);
  writeResponseFor(w, h.responseFor);
  if (h.staffInfo) writeStaffInfo(w, h.staffInfo, 'status');
  w.leaf('StatusCode', h.statusCode)
    .leaf('Description', h.description)
    .leaf('Timestamp', checkTimestamp(requireText(h.timestamp, 'Timestamp'), 'Timestamp'))
    .close('MessageHeader');
}
