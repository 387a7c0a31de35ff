import { randomBytes } from 'node:crypto';
import { startCivilRegistrySimulator, type CivilRegistrySimulatorHandle } from '../../adapters/civil-registry/index.js';
import { DVCQG_PROVIDER_DSTCODE, startDvcqgSimulator, type DvcqgSimulatorHandle } from '../../adapters/dvcqg/index.js';
import { startJudicialRecordsSimulator, type JudicialRecordsSimulatorHandle } from '../../adapters/judicial-records/index.js';
import type { ConfigAddition } from './demo-config.js';

/** The dossier systems of the demo: who files, who decides, and how often the hub asks. */
export const DEMO_DOSSIERS = {
  /** The one-stop agency (Thanh Hóa's Hệ thống thông tin một cửa điện tử): in pull mode in config/default.json. */
  oneStop: '000.00.00.H56',
  /** The one-stop system's client id at the province LGSP and the civil-registry gateway. */
  consumerKey: 'motcua-h56',
  /** The gateways' mailbox: the first path segment of every call. */
  mailbox: 'h56',
  portal: { endpointId: 'dvcqg', agency: '000.00.00.G22' },
  judicial: { endpointId: 'lltp-h56', agency: { code: '000.00.12.H56', name: 'Sở Tư pháp tỉnh Thanh Hóa' } },
  civil: { endpointId: 'hotich-h56', agency: { code: '000.00.00.G03', name: 'Bộ Tư pháp' } },
  /** `poll.resultsEvery` of both target endpoints. */
  resultsEvery: '2s',
  /** Thanh Hóa's province code in the Ministry of Justice's systems. */
  maTinh: '38',
} as const;

/** The three simulated systems of the dossier step and the configuration that reaches them. */
export interface DemoDossierSystems {
  /** The National Public Service Portal (DVCQG), Thanh Hóa's account registered. */
  portal: DvcqgSimulatorHandle;
  /** The judicial-records system (LLTP) behind Thanh Hóa's LGSP, the one-stop system registered as a consumer. */
  lltp: JudicialRecordsSimulatorHandle;
  /** The civil registry (hộ tịch, BTP API), the one-stop system registered as a client. */
  hotich: CivilRegistrySimulatorHandle;
  /** Values of the configuration's `${…}` placeholders (URLs, the registered secrets). */
  configEnv: Record<string, string>;
  /** The portal and target endpoints, the agencies running them, and the `dossiers` section. */
  config: ConfigAddition;
  close(): Promise<void>;
}

/**
 * Starts the portal, the LLTP and the civil-registry simulators on loopback with credentials
 * registered for Thanh Hóa (random secrets, reaching the hub only through `configEnv`), and returns
 * what the demo's configuration gains: endpoints `dvcqg`, `lltp-h56` (lgsp) and `hotich-h56` (btp),
 * the latter two asked for results every {@link DEMO_DOSSIERS.resultsEvery}, and a `dossiers`
 * section with the portal and both targets for Thanh Hóa (as test/fixtures/config/test-hub-dossiers.json).
 */
export async function startDemoDossierSystems(): Promise<DemoDossierSystems> {
  const { oneStop, consumerKey, mailbox, portal: p, judicial, civil, resultsEvery, maTinh } = DEMO_DOSSIERS;
  const secret = (): string => randomBytes(24).toString('base64url');
  const secrets = { portal: secret(), lltp: secret(), hotich: secret() };
  const started: { close(): Promise<void> }[] = [];
  const close = async (): Promise<void> => void await Promise.all(started.map((s) => s.close()));
  try {
    const portal = await startDvcqgSimulator({ accounts: [{ username: oneStop, password: secrets.portal }], dstcode: DVCQG_PROVIDER_DSTCODE });
    started.push(portal);
    const lltp = await startJudicialRecordsSimulator({ consumers: [{ consumerKey, consumerSecret: secrets.lltp }] });
    started.push(lltp);
    const hotich = await startCivilRegistrySimulator({ clients: [{ consumerKey, consumerSecret: secrets.hotich }], maTinh });
    started.push(hotich);
    const config: ConfigAddition = {
      agencies: [judicial.agency, civil.agency],
      endpoints: [
        { id: p.endpointId, adapter: 'dvcqg',
          settings: { baseUrl: '${LIENTHONG_DVCQG_URL}/XrdAdapter/RestService/forward/dvcqg', dstcode: DVCQG_PROVIDER_DSTCODE, username: oneStop, password: '${LIENTHONG_DVCQG_PASSWORD}' } },
        { id: judicial.endpointId, adapter: 'judicial-records',
          settings: { variant: 'lgsp', baseUrl: `\${LIENTHONG_LLTP_URL}/${mailbox}/apiLyLichTuPhap/`, tokenUrl: `\${LIENTHONG_LLTP_URL}/${mailbox}/token`, consumerKey, consumerSecret: '${LIENTHONG_LLTP_SECRET}', idMinistryJustice: maTinh },
          poll: { resultsEvery } },
        { id: civil.endpointId, adapter: 'civil-registry',
          settings: {
            variant: 'btp', tokenUrl: `\${LIENTHONG_HOTICH_URL}/${mailbox}/token`, consumerKey, consumerSecret: '${LIENTHONG_HOTICH_SECRET}',
            nhanDkhtUrl: `\${LIENTHONG_HOTICH_URL}/${mailbox}/btp/NhanDKHT`, layKetQuaUrl: `\${LIENTHONG_HOTICH_URL}/${mailbox}/btp/LayKetQua`, maTinh,
          },
          poll: { resultsEvery } },
      ],
      dossiers: {
        portal: { endpoint: p.endpointId, agency: p.agency },
        targets: [
          { system: 'judicial-records', endpoint: judicial.endpointId, agency: judicial.agency.code, submitters: [oneStop] },
          { system: 'civil-registry', endpoint: civil.endpointId, agency: civil.agency.code, submitters: [oneStop] },
        ],
      },
    };
    const configEnv = {
      LIENTHONG_DVCQG_URL: portal.url, LIENTHONG_DVCQG_PASSWORD: secrets.portal,
      LIENTHONG_LLTP_URL: lltp.url, LIENTHONG_LLTP_SECRET: secrets.lltp,
      LIENTHONG_HOTICH_URL: hotich.url, LIENTHONG_HOTICH_SECRET: secrets.hotich,
    };
    return { portal, lltp, hotich, configEnv, config, close };
  } catch (err) {
    await close();
    throw err;
  }
}
