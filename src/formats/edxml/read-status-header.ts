import { hubError } from '../../errors.js';
import { compact } from './compact.js';
import type { StatusHeader } from './edxml-packet.js';
import { readOrganization, readResponseFor, readStaffInfo } from './read-header-parts.js';
import { isWireTimestamp } from './wire-date.js';
import { checkedText, childNamed, optionalText, pathOf, requiredChild, requiredText, type XmlNode } from './xml-node.js';

/**
 * `MessageHeader` of a status packet (§1.6). Required: `From/OrganId`, `ResponseFor`, a two-digit
 * `StatusCode` and a `Timestamp` `yyyy/MM/dd HH:mm:ss`. Whether the code is one the hub knows is
 * the mapping's business, so a new code does not make the packet unreadable.
 */
export function readStatusHeader(header: XmlNode): StatusHeader {
  const staff = childNamed(header, 'StaffInfo');
  const statusCode = requiredText(header, 'StatusCode');
  if (!/^\d{2}$/.test(statusCode)) {
    throw hubError('HUB_ERR_EDXML_INVALID', [`${pathOf(header)}/StatusCode "${statusCode}" is not a two-digit code`]);
  }
  requiredText(header, 'Timestamp');
  return compact({
    from: readOrganization(requiredChild(header, 'From')),
    responseFor: readResponseFor(requiredChild(header, 'ResponseFor')),
    staffInfo: staff && readStaffInfo(staff),
    statusCode,
    description: optionalText(header, 'Description'),
    timestamp: checkedText(header, 'Timestamp', isWireTimestamp, 'timestamp yyyy/MM/dd HH:mm:ss')!,
  });
}
