/**
 * The edXML codec (QCVN 102:2016, docs/domain-vn.md §1): a streaming, hardened parser, a builder
 * that writes packets already in exclusive canonical form split at the signature slot, and the
 * mapping to and from the hub's canonical `Message`.
 */
export type * from './edxml-packet.js';
export { BUSSINESS_DOC_TYPES } from './edxml-packet.js';
export { EDXML_NS, XMLDSIG_NS, VENDOR_PLACEHOLDER_SIGNATURE_VALUE } from './edxml-namespaces.js';
export { DEFAULT_XML_LIMITS, resolveXmlLimits, type XmlLimits } from './xml-limits.js';
export { memorySink, type AttachmentSink, type AttachmentSinkFactory, type AttachmentSinkMeta } from './attachment-sink.js';
export { parseEdxml, type AttachmentBytes, type EdxmlSource, type ParseEdxmlOptions, type ParsedEdxml } from './parse-edxml.js';
export { resolveAttachmentContent, type ResolvedAttachment } from './resolve-attachment-content.js';
export { unwrapSingleEntryZip, startsWithZipLocalHeader, type UnwrapResult } from './unwrap-single-entry-zip.js';
export { buildEdxml, XML_DECLARATION, type BuildEdxmlOptions, type BuiltEdxml, type OpenAttachment, type PayloadSource } from './build-edxml.js';
export { buildEdxmlBuffer, type BuildEdxmlBufferOptions } from './build-edxml-buffer.js';
export { BUSINESS_KINDS, readBusinessInfo, type BusinessInfo, type BusinessKind, type BusinessStaff } from './business-info.js';
export { edxmlToMessage, type EdxmlMessageFields } from './edxml-to-message.js';
export { messageToEdxml, type BusinessInput, type MessageToEdxmlOptions, type OrganInfo } from './message-to-edxml.js';
export { appendTraceHeader } from './append-trace-header.js';
export { isWireDate, isWireTimestamp, wireDateToIso, isoDateToWire, wireTimestampToIso, toWireTimestamp } from './wire-date.js';
