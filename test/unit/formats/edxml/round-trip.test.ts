import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEdxmlBuffer } from '../../../../src/formats/edxml/build-edxml-buffer.js';
import { parseEdxml } from '../../../../src/formats/edxml/parse-edxml.js';
import { BUILT_DIR, builtFixtureNames, vendorSample, WELL_FORMED_VENDOR_SAMPLES, withoutSignature } from './edxml-test-support.js';
import { ownFixtures } from './own-packets.js';

// `UPDATE_EDXML_FIXTURES=1 npx vitest run test/unit/formats/edxml/round-trip.test.ts` rewrites the built fixtures.
const update = process.env.UPDATE_EDXML_FIXTURES === '1';

async function rebuild(bytes: Buffer) {
  const parsed = await parseEdxml(bytes);
  const built = await buildEdxmlBuffer(parsed.packet, parsed.attachmentResults.map((a) => a.payload));
  return { parsed, built };
}

describe('own fixtures: packets built by the codec (test/fixtures/edxml/built)', () => {
  const fixtures = ownFixtures();

  it('cover new, update, revoke, replace, a zipped attachment and every status code', () => {
    if (update) {
      mkdirSync(BUILT_DIR, { recursive: true });
      for (const f of fixtures) writeFileSync(BUILT_DIR + f.name, '');
    }
    expect(builtFixtureNames()).toEqual(fixtures.map((f) => f.name).sort());
    expect(fixtures.map((f) => f.name)).toEqual(expect.arrayContaining(['edoc-new.edxml', 'edoc-update.edxml', 'edoc-revoke.edxml', 'edoc-replace.edxml', 'status-01.edxml', 'status-16.edxml']));
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: the builder still writes exactly the committed bytes', async (name, fixture) => {
    const built = await buildEdxmlBuffer(fixture.packet, fixture.payloads);
    if (update) writeFileSync(BUILT_DIR + name, built);
    expect(built.equals(readFileSync(BUILT_DIR + name))).toBe(true);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: parses back to the model it was built from', async (name, fixture) => {
    const { packet, attachmentResults, warnings } = await parseEdxml(readFileSync(BUILT_DIR + name));
    expect(packet).toEqual(fixture.packet);
    expect(attachmentResults.map((a) => a.payload)).toEqual(fixture.payloads);
    expect(warnings).toEqual([]);
  });
});

describe('round trips over every well-formed vendor sample and every own fixture', () => {
  const cases = [
    ...WELL_FORMED_VENDOR_SAMPLES.map((name) => [`vendor/${name}`, () => vendorSample(name)] as const),
    ...ownFixtures().map((f) => [`built/${f.name}`, () => readFileSync(BUILT_DIR + f.name)] as const),
  ];

  it.each(cases)('%s: parse → build → parse gives an equal model (the signature summary is never rebuilt)', async (_name, read) => {
    const { parsed, built } = await rebuild(read());
    const again = await parseEdxml(built);
    expect(again.packet).toEqual(withoutSignature(parsed.packet));
    expect(again.attachmentResults).toEqual(parsed.attachmentResults);
  });

  it.each(cases)('%s: build → parse → build is byte-identical', async (_name, read) => {
    const first = (await rebuild(read())).built;
    const second = (await rebuild(first)).built;
    expect(second.equals(first)).toBe(true);
  });

  it('a built fixture re-parsed and rebuilt is its own bytes (the codec is a fixed point)', async () => {
    for (const f of ownFixtures()) {
      const bytes = readFileSync(BUILT_DIR + f.name);
      expect((await rebuild(bytes)).built.equals(bytes), f.name).toBe(true);
    }
  });
});
