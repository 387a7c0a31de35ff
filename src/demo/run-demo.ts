import { rm, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { adapters } from '../../adapters/index.js';
import { startHttpEndpointSimulator } from '../../adapters/http-endpoint/simulator.js';
import { createApiKey } from '../auth/api-keys.js';
import { loadEnv } from '../config/load-env.js';
import { createDevPki, writeDevPki } from '../crypto/dev-pki.js';
import { verifyReceipt } from '../crypto/verify-receipt.js';
import { openHub } from '../hub.js';
import { createLogger } from '../logger.js';
import { LOOPBACK_ALLOWANCE } from '../net/outbound-allowance.js';
import { createSchemaCatalogue } from '../schema-catalogue.js';
import { demoApi } from './demo-api.js';
import { DEMO_AXIS, startDemoAxis } from './demo-axis.js';
import { readAuthoredConfig, writeDemoConfig } from './demo-config.js';
import { DEMO_DOCUMENTS, samplePdf } from './demo-documents.js';
import { DEMO_DOSSIERS, startDemoDossierSystems } from './demo-dossier-systems.js';
import { ensureRedis } from './ensure-redis.js';
import { runAxisExchange } from './run-axis-exchange.js';
import { runDossiers } from './run-dossiers.js';
import { waitFor } from './wait-for.js';

const print = (line = ''): void => void process.stdout.write(`${line}\n`);

/**
 * The one-command demo: the hub on the embedded store with the agency-endpoint simulator, a set of
 * real-looking documents (one recipient flaky, one down, one in pull mode), statuses flowing back,
 * edXML exchanged both ways through a simulated national document axis (receive loop and directory
 * sync as scheduled jobs), two dossiers of Thanh Hóa's one-stop system through the simulated civil
 * registry and judicial-records systems with the national portal kept in sync (result polls as
 * scheduled jobs), live progress, and a summary with every receipt verified against the development CA.
 */
export async function runDemo(): Promise<void> {
  const dataDir = resolve(process.env.LIENTHONG_DATA_DIR ?? './var', 'demo');
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  print(`lienthong demo — data in ${dataDir}`);

  // What was started, stopped in reverse order at the end or on any failure (the hub before the
  // simulators it calls, Redis last).
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const redis = await ensureRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', dataDir);
    stops.push(() => redis.stop());
    print(redis.private ? `  redis: started a private redis-server at ${redis.url}` : `  redis: using ${redis.url}`);
    const pki = await createDevPki({ alg: 'ES256' });
    const paths = await writeDevPki(join(dataDir, 'keys'), pki);
    const sim = await startHttpEndpointSimulator({ hubCertificatePem: pki.chainPem });
    stops.push(() => sim.close());
    sim.setBehaviour('h14', { mode: 'fail', status: 503, count: 2 }); // Cao Bằng: flaky, recovers
    sim.setBehaviour('h30', { mode: 'down' }); // Hậu Giang: down for the whole demo
    print(`  agency endpoints simulated at ${sim.url} (Cao Bằng flaky, Hậu Giang down, Thanh Hóa pulls its inbox)`);

    const catalogue = createSchemaCatalogue();
    // The demo's configuration: config/default.json (or LIENTHONG_CONFIG) plus the simulated axis and dossier systems.
    const baseConfigPath = process.env.LIENTHONG_CONFIG ?? 'config/default.json';
    const configPath = join(dataDir, 'hub-config.json');
    const env = loadEnv({
      ...process.env, LIENTHONG_DATA_DIR: dataDir, REDIS_URL: redis.url, PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
      LIENTHONG_QUEUE_PREFIX: `lienthong-demo-${process.pid}`, LIENTHONG_HUB_CERT: paths.chainPath, LIENTHONG_HUB_KEY: paths.hubKeyPath,
      LIENTHONG_CONFIG: configPath, DATABASE_URL: undefined,
      // Every simulated system listens on loopback, which the outbound guard refuses unless allowed.
      LIENTHONG_OUTBOUND_ALLOW: LOOPBACK_ALLOWANCE,
    }, catalogue);
    const log = createLogger(env.logLevel);
    const base = await readAuthoredConfig(baseConfigPath);
    const axis = await startDemoAxis({ base, log });
    stops.push(() => axis.sim.close());
    print(`  national document axis simulated at ${axis.sim.url} (systems ${DEMO_AXIS.hubSystemId} = the hub, ${DEMO_AXIS.peerSystemId} = ${DEMO_AXIS.peerAgency.name})`);
    const systems = await startDemoDossierSystems();
    stops.push(() => systems.close());
    print(`  dossier systems simulated: Cổng DVCQG at ${systems.portal.url}, LLTP (LGSP) at ${systems.lltp.url}, hộ tịch (BTP) at ${systems.hotich.url}, Thanh Hóa registered with each`);
    await writeDemoConfig(configPath, base, [axis.config, systems.config]);
    const dossierEndpoints = [DEMO_DOSSIERS.portal.endpointId, DEMO_DOSSIERS.judicial.endpointId, DEMO_DOSSIERS.civil.endpointId].join(', ');
    print(`  hub configuration: ${configPath} (${baseConfigPath} + a vdxp endpoint "${DEMO_AXIS.endpointId}" polled every ${DEMO_AXIS.receiveEvery}; dossier endpoints ${dossierEndpoints} and the dossiers section)`);
    const hub = await openHub({
      env, adapters, log, roles: { api: true, worker: true }, configEnv: { ...process.env, LIENTHONG_SIM_URL: sim.url, ...axis.configEnv, ...systems.configEnv }, sweepGraceMs: 5_000,
    });
    stops.push(async () => {
      await hub.queue.obliterate({ force: true }).catch(() => undefined);
      await hub.polls?.queue.obliterate({ force: true }).catch(() => undefined);
      await hub.close();
    });
    const url = (await hub.listen())!;
    print(`  hub listening at ${url} (store: ${hub.db.kind}, OpenAPI at ${url}/docs)\n`);
    const key = async (owner: { agency: string } | { role: 'admin' }) => (await createApiKey(hub.db, owner, 'demo')).key;
    const vpcp = await key({ agency: '000.00.00.G22' });
    const nghean = await key({ agency: '000.00.00.H41' });
    const thanhhoa = await key({ agency: DEMO_DOSSIERS.oneStop });
    const asVpcp = demoApi(url, vpcp);
    const asNghean = demoApi(url, nghean);
    const asThanhhoa = demoApi(url, thanhhoa);

    // 1. documents from Văn phòng Chính phủ
    print('1. Văn phòng Chính phủ sends documents');
    const ids: string[] = [];
    for (const [i, doc] of DEMO_DOCUMENTS.entries()) {
      const number = String(1000 + i);
      const accepted = await asVpcp('POST', '/v1/messages', {
        sender: doc.sender, recipients: doc.recipients,
        document: {
          number, notation: doc.notation, promulgation: { place: 'Hà Nội', date: new Date().toISOString().slice(0, 10) },
          documentType: { name: doc.typeName }, subject: doc.subject, urgency: doc.urgency,
          signer: { fullName: 'Trần Văn Sơn', position: 'Bộ trưởng, Chủ nhiệm', competence: 'KT.' },
        },
        attachments: [{ name: `${number}-${doc.notation}.pdf`, contentType: 'application/pdf', content: samplePdf(doc.subject).toString('base64') }],
      });
      ids.push(String(accepted.id));
      print(`   ${number}/${doc.notation.padEnd(10)} → ${doc.recipients.join(', ')}  accepted ${String(accepted.id).slice(0, 8)}…`);
    }

    // 2. Nghệ An reports business statuses; Thanh Hóa pulls its inbox
    await waitFor('the first document\'s deliveries', async () => {
      const { deliveries } = (await asVpcp('GET', `/v1/messages/${ids[0]}`)) as { deliveries: { state: string }[] };
      return deliveries.every((d) => d.state === 'delivered') ? true : undefined;
    }, 15_000);
    print('\n2. Nghệ An reports statuses 03 (accepted) and 06 (completed) on the first document');
    await asNghean('POST', `/v1/messages/${ids[0]}/status`, { code: '03', description: 'Đã tiếp nhận, vào sổ văn bản đến', staff: { department: 'Văn phòng', name: 'Nguyễn Thị Lan' } });
    await asNghean('POST', `/v1/messages/${ids[0]}/status`, { code: '06', description: 'Đã xử lý xong' });
    print('3. Thanh Hóa (no endpoint) pulls its inbox and acknowledges');
    const inbox = (await asThanhhoa('GET', '/v1/inbox')).items as { id: string; subject?: string }[];
    for (const item of inbox) {
      await asThanhhoa('GET', `/v1/inbox/${item.id}`);
      await asThanhhoa('POST', `/v1/inbox/${item.id}/ack`);
      print(`   fetched and acknowledged: ${item.subject ?? item.id}`);
    }

    // 4. edXML both ways through the simulated national axis
    print();
    await runAxisExchange({ hub, url, senderKey: vpcp, axis, caCertPem: pki.caCertPem, print });

    // 5. dossiers: Thanh Hóa's one-stop → the civil registry and LLTP → back, the portal in sync
    const dossiers = await runDossiers({ hub, oneStop: asThanhhoa, systems, print });

    // 6. progress until every delivery is delivered or failed
    print('6. Delivering (Cao Bằng fails twice then recovers; Hậu Giang is down and will be given up)');
    const started = Date.now();
    let last = '';
    for (;;) {
      const { rows } = await hub.db.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM deliveries GROUP BY state ORDER BY state');
      const counts = Object.fromEntries(rows.map((r) => [r.state, r.n]));
      const line = rows.map((r) => `${r.state} ${r.n}`).join('  ');
      // On a terminal the line updates in place; in a log, a line is printed only when it changes.
      if (process.stdout.isTTY) process.stdout.write(`\r   ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${line}        `);
      else if (line !== last) print(`   ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${line}`);
      last = line;
      if (!counts.queued && !counts.sending && !counts.retrying) break;
      if (Date.now() - started > 90_000) throw new Error('demo deliveries did not settle within 90 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    print('\n');

    // 7. summary: per recipient, with every receipt verified against the development CA
    const { rows } = await hub.db.query<{ recipient: string; endpoint_id: string | null; state: string; attempts: number; business_status: string | null }>(
      `SELECT d.recipient, d.endpoint_id, d.state, d.attempts, d.business_status FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE m.kind = 'document'`);
    const receipts = await hub.db.query<{ jws: string }>('SELECT jws FROM receipts');
    let verified = 0;
    for (const r of receipts.rows) {
      verifyReceipt(r.jws, { trustAnchorsPem: pki.caCertPem, now: new Date() });
      verified += 1;
    }
    const table = new Map<string, { mode: string; total: number; delivered: number; retried: number; failed: number }>();
    for (const r of rows) {
      const name = hub.config.agencies.get(r.recipient)?.name ?? r.recipient;
      const entry = table.get(name) ?? { mode: r.endpoint_id ? `push (${r.endpoint_id})` : 'pull (inbox)', total: 0, delivered: 0, retried: 0, failed: 0 };
      entry.total += 1;
      if (r.state === 'delivered') entry.delivered += 1;
      if (r.state === 'failed') entry.failed += 1;
      if (r.attempts > 1) entry.retried += 1;
      table.set(name, entry);
    }
    const width = Math.max(34, ...[...table.keys()].map((name) => name.length + 2));
    print('Summary (documents)');
    print(`  ${'recipient'.padEnd(width)} ${'mode'.padEnd(28)} ${'sent'.padStart(4)} ${'delivered'.padStart(9)} ${'retried'.padStart(7)} ${'failed'.padStart(6)}`);
    for (const [name, e] of table) {
      print(`  ${name.padEnd(width)} ${e.mode.padEnd(28)} ${String(e.total).padStart(4)} ${String(e.delivered).padStart(9)} ${String(e.retried).padStart(7)} ${String(e.failed).padStart(6)}`);
    }
    const totals = [...table.values()].reduce((a, e) => ({ total: a.total + e.total, delivered: a.delivered + e.delivered, retried: a.retried + e.retried, failed: a.failed + e.failed }), { total: 0, delivered: 0, retried: 0, failed: 0 });
    print(`  ${'total'.padEnd(width)} ${''.padEnd(28)} ${String(totals.total).padStart(4)} ${String(totals.delivered).padStart(9)} ${String(totals.retried).padStart(7)} ${String(totals.failed).padStart(6)}`);
    print(`\n  statuses received by Văn phòng Chính phủ's endpoint: ${sim.requests('g22').length} (Nghệ An's two, and one that came through the axis)`);
    print(`  dossiers of Thanh Hóa: ${dossiers.filed} filed, ${dossiers.returned} returned (state 10 on the hub and the portal), ${dossiers.documents} certificates delivered to its inbox`);
    print(`  receipts verified against the development CA: ${verified}/${receipts.rows.length}`);
    print(`  verify one yourself: scripts/verify-receipt.sh <receipt.jws> ${paths.chainPath} ${paths.caCertPath}`);
    print(`  failed deliveries can be replayed: POST /v1/admin/deliveries/<id>/replay (admin key)`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => process.stderr.write(`demo: while stopping: ${String(err)}\n`));
  }
}
