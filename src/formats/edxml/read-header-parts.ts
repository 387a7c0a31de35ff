import { compact } from './compact.js';
import type { EdxmlOrganization, EdxmlResponseFor, EdxmlStaffInfo } from './edxml-packet.js';
import { isWireDate } from './wire-date.js';
import { checkedText, optionalText, requiredText, type XmlNode } from './xml-node.js';

/** `From` / `To`: `OrganId` is required, the other seven fields are optional. */
export function readOrganization(node: XmlNode): EdxmlOrganization {
  return compact({
    organId: requiredText(node, 'OrganId'),
    organizationInCharge: optionalText(node, 'OrganizationInCharge'),
    organName: optionalText(node, 'OrganName'),
    organAdd: optionalText(node, 'OrganAdd'),
    email: optionalText(node, 'Email'),
    telephone: optionalText(node, 'Telephone'),
    fax: optionalText(node, 'Fax'),
    website: optionalText(node, 'Website'),
  });
}

/** `ResponseFor`: every field optional, empty elements and an empty `ResponseFor` tolerated (§1.9). */
export function readResponseFor(node: XmlNode): EdxmlResponseFor {
  node.used = true;
  return compact({
    organId: optionalText(node, 'OrganId'),
    code: optionalText(node, 'Code'),
    promulgationDate: checkedText(node, 'PromulgationDate', isWireDate, 'date yyyy/MM/dd'),
    documentId: optionalText(node, 'DocumentId'),
  });
}

export function readStaffInfo(node: XmlNode): EdxmlStaffInfo {
  node.used = true;
  return compact({
    department: optionalText(node, 'Department'),
    staff: optionalText(node, 'Staff'),
    email: optionalText(node, 'Email'),
    mobile: optionalText(node, 'Mobile'),
  });
}
