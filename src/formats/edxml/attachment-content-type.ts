import type { EdxmlAttachment, EdxmlReference } from './edxml-packet.js';

const BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  txt: 'text/plain',
  xml: 'application/xml',
  edxml: 'application/xml',
  zip: 'application/zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  tif: 'image/tiff',
  tiff: 'image/tiff',
};

const ZIP_TYPES = new Set(['application/zip', 'application/x-zip-compressed']);

/** Content type of a file name by its extension, or `application/octet-stream`. */
export function contentTypeByName(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return (ext && BY_EXTENSION[ext]) ?? 'application/octet-stream';
}

/**
 * The content type of the attachment itself. The VNPT SDK labels every zipped payload
 * `application/zip`, so for an unwrapped ZIP a zip type says nothing about the file: then the
 * manifest reference's or the attachment's other type is used, else the file name's extension.
 */
export function attachmentContentType(attachment: EdxmlAttachment, reference: EdxmlReference | undefined, name: string): string {
  const zipped = attachment.content?.zipped === true;
  const candidates = zipped ? [reference?.contentType, attachment.contentType] : [attachment.contentType, reference?.contentType];
  for (const candidate of candidates) {
    const type = candidate?.trim();
    if (type && !(zipped && ZIP_TYPES.has(type.toLowerCase()))) return type;
  }
  return contentTypeByName(name);
}
