import { hubError } from '../../errors.js';
import { compact } from './compact.js';
import type { EdxmlAttachment, EdxmlManifest } from './edxml-packet.js';
import { childNamed, childrenNamed, optionalText, pathOf, type XmlNode } from './xml-node.js';

const ANY = { anyNamespace: true };

/** `edXMLBody/edXMLManifest`: its `version` and `Reference*`. */
export function readManifest(body: XmlNode): EdxmlManifest | undefined {
  const manifest = childNamed(body, 'edXMLManifest');
  if (!manifest) return undefined;
  return compact({
    version: manifest.attributes.find((a) => a.local === 'version' && a.ns === '')?.value,
    references: childrenNamed(manifest, 'Reference').map((ref) =>
      compact({
        contentId: optionalText(ref, 'ContentId'),
        contentType: optionalText(ref, 'ContentType'),
        description: optionalText(ref, 'Description'),
        attachmentName: optionalText(ref, 'AttachmentName'),
      }),
    ),
  });
}

/**
 * `AttachmentEncoded/Attachment*`, matched by local name in any namespace (§1.9). The payload facts
 * come from the stream; `content` (after "ZIP single entry, else raw") is settled by the caller.
 */
export function readAttachments(encoded: XmlNode | undefined): EdxmlAttachment[] {
  if (!encoded) return [];
  return childrenNamed(encoded, 'Attachment', ANY).map((node) => {
    const payload = childNamed(node, 'ContentTransferEncoded', ANY)?.payload;
    if (!payload) throw hubError('HUB_ERR_EDXML_INVALID', [`missing required element ${pathOf(node)}/ContentTransferEncoded`]);
    return compact({
      contentId: optionalText(node, 'ContentId', ANY),
      attachmentName: optionalText(node, 'AttachmentName', ANY),
      description: optionalText(node, 'Description', ANY),
      contentType: optionalText(node, 'ContentType', ANY),
      payload: { size: payload.size, sha256: payload.sha256 },
      // Raw unless it may be a ZIP; a ZIP-looking payload is settled once its bytes can be read.
      content: payload.zipHeader ? undefined : { size: payload.size, sha256: payload.sha256, zipped: false },
    });
  });
}
