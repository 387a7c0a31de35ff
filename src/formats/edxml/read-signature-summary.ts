import { compact } from './compact.js';
import { VENDOR_PLACEHOLDER_DIGEST_VALUES, VENDOR_PLACEHOLDER_SIGNATURE_VALUE } from './edxml-namespaces.js';
import type { EdxmlSignatureSummary } from './edxml-packet.js';
import { childNamed, childrenNamed, markUsed, type XmlNode } from './xml-node.js';

const ANY = { anyNamespace: true };

function attr(node: XmlNode | undefined, local: string): string | undefined {
  return node?.attributes.find((a) => a.local === local && a.ns === '')?.value;
}

/** Text with whitespace removed (base64 values may be wrapped), or undefined. */
function squeezed(node: XmlNode | undefined): string | undefined {
  return node && node.children.length === 0 ? node.text.replace(/\s+/g, '') : undefined;
}

/**
 * Summarises a `Signature` element, matched by local name in whatever namespace it was found
 * (the VNPT builder leaves it in the edXML namespace, §1.4). Records what is there; verifies nothing.
 */
export function readSignatureSummary(signature: XmlNode): EdxmlSignatureSummary {
  markUsed(signature);
  const signedInfo = childNamed(signature, 'SignedInfo', ANY);
  const x509 = childrenNamed(signature, 'KeyInfo', ANY).flatMap((k) => childrenNamed(k, 'X509Data', ANY));
  const references = signedInfo
    ? childrenNamed(signedInfo, 'Reference', ANY).map((ref) =>
        compact({
          uri: attr(ref, 'URI'),
          transforms: childrenNamed(ref, 'Transforms', ANY)
            .flatMap((t) => childrenNamed(t, 'Transform', ANY))
            .map((t) => attr(t, 'Algorithm') ?? ''),
          digestMethod: attr(childrenNamed(ref, 'DigestMethod', ANY)[0], 'Algorithm'),
          digestValue: squeezed(childrenNamed(ref, 'DigestValue', ANY)[0]),
        }),
      )
    : [];
  const signatureValue = squeezed(childrenNamed(signature, 'SignatureValue', ANY)[0]);
  const digests = references.map((r) => r.digestValue);
  const vendorPlaceholder =
    signatureValue === VENDOR_PLACEHOLDER_SIGNATURE_VALUE ||
    (digests.length > 0 && digests.every((d) => d !== undefined && VENDOR_PLACEHOLDER_DIGEST_VALUES.includes(d)));
  return compact({
    namespace: signature.ns,
    canonicalizationMethod: attr(signedInfo && childrenNamed(signedInfo, 'CanonicalizationMethod', ANY)[0], 'Algorithm'),
    signatureMethod: attr(signedInfo && childrenNamed(signedInfo, 'SignatureMethod', ANY)[0], 'Algorithm'),
    references,
    signatureValue,
    x509SubjectName: x509.flatMap((d) => childrenNamed(d, 'X509SubjectName', ANY)).map((n) => n.text.trim())[0],
    x509Certificates: x509.flatMap((d) => childrenNamed(d, 'X509Certificate', ANY)).map((n) => squeezed(n) ?? ''),
    vendorPlaceholder,
  });
}
