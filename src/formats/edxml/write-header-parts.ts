import { hubError } from '../../errors.js';
import type { CanonicalXmlWriter } from './canonical-xml-writer.js';
import type { EdxmlOrganization, EdxmlResponseFor, EdxmlStaffInfo } from './edxml-packet.js';
import { isWireDate, isWireTimestamp } from './wire-date.js';

/** Throws unless `value` is absent, empty, or a valid wire date (`yyyy/MM/dd`). */
export function checkDate(value: string | undefined, where: string): string | undefined {
  if (value !== undefined && value !== '' && !isWireDate(value)) throw hubError('HUB_ERR_EDXML_INVALID', [`${where} "${value}" is not a valid date yyyy/MM/dd`]);
  return value;
}

/** Throws unless `value` is absent, empty, or a valid wire timestamp (`yyyy/MM/dd HH:mm:ss`). */
export function checkTimestamp(value: string | undefined, where: string): string | undefined {
  if (value !== undefined && value !== '' && !isWireTimestamp(value)) {
    throw hubError('HUB_ERR_EDXML_INVALID', [`${where} "${value}" is not a valid timestamp yyyy/MM/dd HH:mm:ss`]);
  }
  return value;
}

/** Throws unless `value` has non-blank text: what the parser requires, the builder requires too. */
export function requireText(value: string, where: string): string {
  if (value.trim() === '') throw hubError('HUB_ERR_EDXML_INVALID', [`${where} is empty`]);
  return value;
}

/** `From`/`To` with the eight fields in the VNPT builder's order. */
export function writeOrganization(w: CanonicalXmlWriter, local: 'From' | 'To', org: EdxmlOrganization): void {
  w.open(local)
    .leaf('OrganId', requireText(org.organId, `${local}/OrganId`))
    .leaf('OrganizationInCharge', org.organizationInCharge)
    .leaf('OrganName', org.organName)
    .leaf('OrganAdd', org.organAdd)
    .leaf('Email', org.email)
    .leaf('Telephone', org.telephone)
    .leaf('Fax', org.fax)
    .leaf('Website', org.website)
    .close(local);
}

/** `ResponseFor` in the order most samples use: OrganId, Code, PromulgationDate, DocumentId. */
export function writeResponseFor(w: CanonicalXmlWriter, rf: EdxmlResponseFor): void {
  w.open('ResponseFor')
    .leaf('OrganId', rf.organId)
    .leaf('Code', rf.code)
    .leaf('PromulgationDate', checkDate(rf.promulgationDate, 'ResponseFor/PromulgationDate'))
    .leaf('DocumentId', rf.documentId)
    .close('ResponseFor');
}

/**
 * `StaffInfo`. The samples order the last two fields differently by context: `Email, Mobile` inside
 * `Bussiness`, `Mobile, Email` in status packets; each context keeps its own order.
 */
export function writeStaffInfo(w: CanonicalXmlWriter, staff: EdxmlStaffInfo, context: 'bussiness' | 'status'): void {
  w.open('StaffInfo').leaf('Department', staff.department).leaf('Staff', staff.staff);
  if (context === 'bussiness') w.leaf('Email', staff.email).leaf('Mobile', staff.mobile);
  else w.leaf('Mobile', staff.mobile).leaf('Email', staff.email);
  w.close('StaffInfo');
}
