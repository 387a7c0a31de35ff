import { hubError } from '../../errors.js';
import { compact } from './compact.js';
import { EDXML_NS } from './edxml-namespaces.js';
import type { EdocPacket, EdxmlPacket } from './edxml-packet.js';
import { readAttachments, readManifest } from './read-attachments.js';
import { readEdocHeader } from './read-edoc-header.js';
import { readSignatureSummary } from './read-signature-summary.js';
import { readStatusHeader } from './read-status-header.js';
import { readTraceHeaderList } from './read-trace-header-list.js';
import { childNamed, pathOf, requiredChild, unreadPaths, type XmlNode } from './xml-node.js';

const ANY = { anyNamespace: true };

function joinWarnings(packet: EdocPacket): string[] {
  const referenced = new Set(packet.manifest?.references.map((r) => r.contentId) ?? []);
  const carried = new Set(packet.attachments.map((a) => a.contentId));
  return [
    ...packet.attachments.filter((a) => !referenced.has(a.contentId)).map((a) => `attachment ${a.contentId ?? '(no ContentId)'} is not listed in the manifest`),
    ...[...referenced].filter((id) => !carried.has(id)).map((id) => `manifest reference ${id ?? '(no ContentId)'} has no attachment`),
  ];
}

/**
 * Reads the element tree of a packet into the model. The root must be `edXML` in the edXML
 * namespace; a `MessageHeader` with a `StatusCode` makes a status packet, otherwise a document.
 * Elements the model does not know are skipped and reported in `ignored`.
 */
export function readPacketTree(root: XmlNode): { packet: EdxmlPacket; ignored: string[] } {
  if (root.local !== 'edXML' || root.ns !== EDXML_NS) {
    throw hubError('HUB_ERR_EDXML_INVALID', [`root element is {${root.ns}}${root.local}, expected edXML in namespace ${EDXML_NS}`]);
  }
  root.used = true;
  const envelope = requiredChild(root, 'edXMLEnvelope');
  const header = requiredChild(envelope, 'edXMLHeader');
  const messageHeader = requiredChild(header, 'MessageHeader');
  const traceList = childNamed(header, 'TraceHeaderList');
  const signature = childNamed(header, 'Signature', ANY);
  const encoded = childNamed(root, 'AttachmentEncoded', ANY);
  const common = {
    traceHeaderList: traceList && readTraceHeaderList(traceList),
    signature: signature && readSignatureSummary(signature),
  };
  let packet: EdxmlPacket;
  if (messageHeader.children.some((c) => c.local === 'StatusCode' && c.ns === EDXML_NS)) {
    if (encoded) throw hubError('HUB_ERR_EDXML_INVALID', [`${pathOf(encoded)}: a status packet carries no attachments`]);
    packet = compact({ kind: 'status', header: readStatusHeader(messageHeader), ...common });
  } else {
    const body = childNamed(envelope, 'edXMLBody');
    packet = compact({
      kind: 'edoc',
      header: readEdocHeader(messageHeader),
      ...common,
      manifest: body && readManifest(body),
      attachments: readAttachments(encoded),
    });
  }
  const ignored = unreadPaths(root).map((p) => `element ${p} is not part of the model: ignored`);
  return { packet, ignored: packet.kind === 'edoc' ? [...ignored, ...joinWarnings(packet)] : ignored };
}
