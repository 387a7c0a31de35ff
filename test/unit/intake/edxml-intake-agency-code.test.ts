import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../../adapters/index.js';
import { parseHubConfig } from '../../../src/config/load-hub-config.js';
import { buildEdxmlBuffer, parseEdxml, type EdocPacket } from '../../../src/formats/edxml/index.js';
import { createTrustStore } from '../../../src/formats/xmldsig/index.js';
import { createEdxmlIntake } from '../../../src/intake/edxml-intake.js';
import type { IntakeService } from '../../../src/intake/intake-service.js';
import { createSchemaCatalogue, type IdentifiedSchema } from '../../../src/schema-catalogue.js';
import { createFolderBlobStore } from '../../../src/store/blob-store.js';
import { createDevPki } from '../../../src/crypto/dev-pki.js';

const catalogue = createSchemaCatalogue(Object.values(adapters).map((a) => a.settingsSchema as IdentifiedSchema));
const H41 = '000.00.00.H41';

/** The fixture edoc as if relayed by the axis from an agency the hub does not configure. */
async function fromStranger(code: string): Promise<Buffer> {
  const { packet, attachmentResults } = await parseEdxml(await readFile('test/fixtures/edxml/built/edoc-new.edxml'));
  const edoc = packet as EdocPacket;
  return buildEdxmlBuffer({ ...edoc, header: { ...edoc.header, from: { ...edoc.header.from, organId: code }, to: [{ ...edoc.header.to[0]!, organId: H41 }] } },
    attachmentResults.map((a) => a.payload));
}

describe('edXML intake: the agency code of a sender the hub does not configure', () => {
  let dir: string;
  let trustStore: ReturnType<typeof createTrustStore>;
  const accepted: { warnings: string[] }[] = [];
  // Only what this path calls: acceptance records the provenance warnings it was given.
  const intake = {
    async acceptEdxmlDocument(_submitter: unknown, submission: { provenance: { warnings: string[] } }) {
      accepted.push({ warnings: submission.provenance.warnings });
      return { id: 'm1', receipt: 'r' };
    },
  } as unknown as IntakeService;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lienthong-intake-'));
    trustStore = createTrustStore([(await createDevPki({ alg: 'ES256' })).caCertPem]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const take = (mode: 'strict' | 'warn') => createEdxmlIntake({
    intake, blobs: createFolderBlobStore({ dir }), trustStore, inlineMax: 65_536, attachmentLimit: 10_000_000, verifyMaxBytes: 1_000_000,
    log: pino({ level: 'silent' }), now: () => new Date(),
    config: parseHubConfig({
      agencyCodes: { mode }, agencies: [{ code: H41, name: 'Nghệ An' }], endpoints: [{ id: 'axis', adapter: 'http-endpoint', settings: { url: 'https://axis.example.vn/' } }], routes: [],
    }, { catalogue, adapters, env: {} }),
  });

  it('strict: a non-conforming code is refused with HUB_ERR_INVALID_AGENCY_CODE before anything is accepted', async () => {
    await expect(take('strict')(await fromStranger('vxp.saas.03'), { kind: 'endpoint', endpointId: 'axis' }))
      .rejects.toMatchObject({ code: 'HUB_ERR_INVALID_AGENCY_CODE' });
    expect(accepted).toHaveLength(0);
  });

  it('warn: it is accepted, the issue kept with the packet\'s warnings; a conforming code raises none', async () => {
    await take('warn')(await fromStranger('vxp.saas.03'), { kind: 'endpoint', endpointId: 'axis' });
    expect(accepted.at(-1)!.warnings.join('\n')).toMatch(/From\/OrganId "vxp\.saas\.03" does not match the QCVN 102 form/);
    await take('strict')(await fromStranger('000.00.00.G17'), { kind: 'endpoint', endpointId: 'axis' });
    expect(accepted.at(-1)!.warnings.filter((w) => w.includes('OrganId'))).toEqual([]);
  });
});
