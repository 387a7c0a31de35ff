import { hubError } from '../../errors.js';
import { compact } from './compact.js';
import { BUSSINESS_DOC_TYPES, type BussinessDocType, type EdxmlBussiness, type EdxmlTraceHeaderList } from './edxml-packet.js';
import { readStaffInfo } from './read-header-parts.js';
import { isWireTimestamp } from './wire-date.js';
import {
  checkedText,
  childNamed,
  childrenNamed,
  optionalText,
  optionalTextList,
  pathOf,
  requiredText,
  type XmlNode,
} from './xml-node.js';

function readBussiness(node: XmlNode): EdxmlBussiness {
  const docType = requiredText(node, 'BussinessDocType');
  if (!(BUSSINESS_DOC_TYPES as readonly string[]).includes(docType)) {
    throw hubError('HUB_ERR_EDXML_INVALID', [`${pathOf(node)}/BussinessDocType "${docType}" is not 0, 1, 2 or 3`]);
  }
  const info = childNamed(node, 'BussinessDocumentInfo');
  const receivers = info && childNamed(info, 'ReceiverList');
  const replacements = childNamed(node, 'ReplacementInfoList');
  return compact({
    documentId: optionalText(node, 'DocumentId'),
    bussinessDocType: docType as BussinessDocType,
    bussinessDocReason: optionalText(node, 'BussinessDocReason'),
    paper: optionalText(node, 'Paper'),
    bussinessDocumentInfo: info && compact({
      documentInfo: optionalText(info, 'DocumentInfo'),
      documentReceiver: optionalText(info, 'DocumentReceiver'),
      receiverList: receivers && childrenNamed(receivers, 'Receiver').map((r) =>
        compact({ organId: optionalText(r, 'OrganId'), receiverType: optionalText(r, 'ReceiverType') }),
      ),
    }),
    replacementInfoList: replacements && childrenNamed(replacements, 'ReplacementInfo').map((r) =>
      compact({ documentId: optionalText(r, 'DocumentId'), organIdList: optionalTextList(r, 'OrganIdList', 'OrganId') }),
    ),
    staffInfo: childrenNamed(node, 'StaffInfo').map(readStaffInfo),
  });
}

/** `TraceHeaderList`: `TraceHeader*` (OrganId and Timestamp both optional, as relays send) and at most one `Bussiness`. */
export function readTraceHeaderList(node: XmlNode): EdxmlTraceHeaderList {
  const bussiness = childNamed(node, 'Bussiness');
  return compact({
    traceHeaders: childrenNamed(node, 'TraceHeader').map((t) =>
      compact({
        organId: optionalText(t, 'OrganId'),
        timestamp: checkedText(t, 'Timestamp', isWireTimestamp, 'timestamp yyyy/MM/dd HH:mm:ss'),
      }),
    ),
    bussiness: bussiness && readBussiness(bussiness),
  });
}
