import { Builder, parseStringPromise } from 'xml2js';

/**
 * The registration as the XML string the LGSP `dangKyHoTich` service takes in `data` (docs/domain-vn.md
 * §5.1): `<?xml …?><root><hoTich>…</hoTich></root>`, one element per field, named as the payload's
 * field, nested objects (addresses) as nested elements. The root per module and the `hoTich`
 * wrapper are inference (README.md). xml2js stays behind this module.
 */
export function registrationToXml(root: string, registration: Record<string, unknown>): string {
  const builder = new Builder({ rootName: root, xmldec: { version: '1.0', encoding: 'UTF-8' }, renderOpts: { pretty: false } });
  return builder.buildObject({ hoTich: registration });
}

/** Reads such an XML string back: the root's name and the `hoTich` element's fields, as text (for the simulator). */
export async function registrationFromXml(xml: string): Promise<{ root: string; registration: Record<string, unknown> }> {
  const parsed = (await parseStringPromise(xml, { explicitArray: false, explicitRoot: true, strict: true })) as Record<string, unknown> | null;
  const [root, content] = Object.entries(parsed ?? {})[0] ?? [];
  if (root === undefined) throw new Error('no root element');
  const hoTich = (content as Record<string, unknown> | undefined)?.hoTich;
  if (typeof hoTich !== 'object' || hoTich === null || Array.isArray(hoTich)) throw new Error(`<${root}> holds no <hoTich> element with fields`);
  return { root, registration: hoTich as Record<string, unknown> };
}
