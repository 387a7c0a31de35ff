import { hubError } from '../../errors.js';
import { compact } from './compact.js';
import type { EdocHeader, EdxmlOtherInfo } from './edxml-packet.js';
import { readOrganization, readResponseFor } from './read-header-parts.js';
import { isWireDate } from './wire-date.js';
import {
  checkedText,
  childNamed,
  childrenNamed,
  optionalText,
  optionalTextList,
  pathOf,
  requiredChild,
  requiredText,
  type XmlNode,
} from './xml-node.js';

const DATE = 'date yyyy/MM/dd';

/** `ReplyFors`/`ReferenceCodes` (SDK model only): item children, or the container's own text. */
function sdkList(parent: XmlNode, container: string, item: string): string[] | undefined {
  const node = childNamed(parent, container);
  if (!node) return undefined;
  if (node.children.length === 0) return node.text.trim() === '' ? [] : [node.text];
  return optionalTextList(parent, container, item);
}

function readOtherInfo(node: XmlNode): EdxmlOtherInfo {
  return compact({
    priority: optionalText(node, 'Priority'),
    sphereOfPromulgation: optionalText(node, 'SphereOfPromulgation'),
    typerNotation: optionalText(node, 'TyperNotation'),
    promulgationAmount: optionalText(node, 'PromulgationAmount'),
    pageAmount: optionalText(node, 'PageAmount'),
    direction: optionalText(node, 'Direction'),
    appendixes: optionalTextList(node, 'Appendixes', 'Appendix'),
    replyFors: sdkList(node, 'ReplyFors', 'ReplyFor'),
    referenceCodes: sdkList(node, 'ReferenceCodes', 'ReferenceCode'),
  });
}

/**
 * `MessageHeader` of a document packet, in any child order. Required: `From/OrganId`, at least one
 * `To` with `OrganId`, `Code/CodeNumber`, `Code/CodeNotation`, `PromulgationInfo/PromulgationDate`
 * and `Subject`; everything else is optional, as vendor packets leave much out.
 */
export function readEdocHeader(header: XmlNode): EdocHeader {
  const to = childrenNamed(header, 'To');
  if (to.length === 0) throw hubError('HUB_ERR_EDXML_INVALID', [`missing required element ${pathOf(header)}/To`]);
  const code = requiredChild(header, 'Code');
  const promulgation = requiredChild(header, 'PromulgationInfo');
  const documentType = childNamed(header, 'DocumentType');
  const signer = childNamed(header, 'SignerInfo');
  const otherInfo = childNamed(header, 'OtherInfo');
  const task = childNamed(header, 'ResponseForTask');
  return compact({
    from: readOrganization(requiredChild(header, 'From')),
    to: to.map(readOrganization),
    documentId: optionalText(header, 'DocumentId'),
    code: { codeNumber: requiredText(code, 'CodeNumber'), codeNotation: requiredText(code, 'CodeNotation') },
    promulgationInfo: compact({
      place: optionalText(promulgation, 'Place'),
      promulgationDate: requiredDate(promulgation, 'PromulgationDate'),
    }),
    documentType: documentType && compact({
      type: optionalText(documentType, 'Type'),
      typeDetail: optionalText(documentType, 'TypeDetail'),
      typeName: optionalText(documentType, 'TypeName'),
    }),
    subject: requiredText(header, 'Subject'),
    content: optionalText(header, 'Content'),
    signerInfo: signer && compact({
      competence: optionalText(signer, 'Competence'),
      position: optionalText(signer, 'Position'),
      fullName: optionalText(signer, 'FullName'),
    }),
    dueDate: checkedText(header, 'DueDate', isWireDate, DATE),
    toPlaces: optionalTextList(header, 'ToPlaces', 'Place'),
    otherInfo: otherInfo && readOtherInfo(otherInfo),
    responseFor: childrenNamed(header, 'ResponseFor').map(readResponseFor),
    steeringType: optionalText(header, 'SteeringType'),
    responseForTask: task && optionalTextList(header, 'ResponseForTask', 'TaskCode'),
    applicationType: optionalText(header, 'ApplicationType'),
  });
}

function requiredDate(parent: XmlNode, local: string): string {
  requiredText(parent, local);
  return checkedText(parent, local, isWireDate, DATE)!;
}
