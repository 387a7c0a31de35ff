import { hubError } from '../../errors.js';
import type { CanonicalXmlWriter } from './canonical-xml-writer.js';
import { BUSSINESS_DOC_TYPES, type EdxmlBussiness, type EdxmlTraceHeaderList } from './edxml-packet.js';
import { checkTimestamp, writeStaffInfo } from './write-header-parts.js';

function writeBussiness(w: CanonicalXmlWriter, b: EdxmlBussiness): void {
  if (!BUSSINESS_DOC_TYPES.includes(b.bussinessDocType)) {
    throw hubError('HUB_ERR_EDXML_INVALID', [`Bussiness/BussinessDocType "${String(b.bussinessDocType)}" is not 0, 1, 2 or 3`]);
  }
  w.open('Bussiness')
    .leaf('DocumentId', b.documentId)
    .leaf('BussinessDocType', b.bussinessDocType)
    .leaf('BussinessDocReason', b.bussinessDocReason)
    .leaf('Paper', b.paper);
  const info = b.bussinessDocumentInfo;
  if (info) {
    w.open('BussinessDocumentInfo').leaf('DocumentInfo', info.documentInfo).leaf('DocumentReceiver', info.documentReceiver);
    if (info.receiverList) {
      w.open('ReceiverList');
      for (const r of info.receiverList) w.open('Receiver').leaf('OrganId', r.organId).leaf('ReceiverType', r.receiverType).close('Receiver');
      w.close('ReceiverList');
    }
    w.close('BussinessDocumentInfo');
  }
  if (b.replacementInfoList) {
    w.open('ReplacementInfoList');
    for (const r of b.replacementInfoList) {
      w.open('ReplacementInfo').leaf('DocumentId', r.documentId).list('OrganIdList', 'OrganId', r.organIdList).close('ReplacementInfo');
    }
    w.close('ReplacementInfoList');
  }
  for (const staff of b.staffInfo) writeStaffInfo(w, staff, 'bussiness');
  w.close('Bussiness');
}

/** `TraceHeaderList`: `TraceHeader*` then `Bussiness` (spelled so, whatever was read). */
export function writeTraceHeaderList(w: CanonicalXmlWriter, list: EdxmlTraceHeaderList): void {
  w.open('TraceHeaderList');
  for (const t of list.traceHeaders) {
    w.open('TraceHeader').leaf('OrganId', t.organId).leaf('Timestamp', checkTimestamp(t.timestamp, 'TraceHeader/Timestamp')).close('TraceHeader');
  }
  if (list.bussiness) writeBussiness(w, list.bussiness);
  w.close('TraceHeaderList');
}
