import { DOSSIER_STATUS_LABELS, type DossierStatus, type DossierStep } from '../domain/dossier.js';
import type { DossierView } from '../dossiers/dossier-service.js';
import type { Hub } from '../hub.js';
import type { DemoApi } from './demo-api.js';
import { demoDossiers, type DemoDossier } from './demo-dossier-requests.js';
import { DEMO_DOSSIERS, type DemoDossierSystems } from './demo-dossier-systems.js';
import { pullDossierResults } from './pull-dossier-results.js';
import { waitFor } from './wait-for.js';

export interface DossierStepOptions {
  hub: Hub;
  /** The API as Thanh Hóa's one-stop system (its agency key). */
  oneStop: DemoApi;
  systems: DemoDossierSystems;
  print(line?: string): void;
}

/** What the demo's summary says of the dossiers. */
export interface DossierTally {
  filed: number;
  /** In state 10 on the hub and on the portal. */
  returned: number;
  /** Result documents Thanh Hóa took from its inbox. */
  documents: number;
}

/** A filed dossier as the step follows it. */
interface Filed extends DemoDossier {
  id: string;
  number: string;
  /** Steps from the target system printed so far. */
  printed: number;
}

/** How each system names its own status code. */
const CODE_FIELD: Record<DemoDossier['system'], string> = { 'civil-registry': 'trangThai', 'judicial-records': 'DEC_STATUS_ID' };
/** How long one state change may take to reach the hub and the portal (the polls run every 2 s). */
const STEP_TIMEOUT_MS = 20_000;

const label = (status: number): string => `${status} ${DOSSIER_STATUS_LABELS[status as DossierStatus]?.vi ?? ''}`.trim();
const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/**
 * The demo's dossier step, printed as it happens: Thanh Hóa's one-stop system files a birth
 * registration (civil registry) and a criminal-record certificate request (LLTP); the hub submits
 * each and syncs the portal; the systems move them on and the hub's scheduled result polls pick the
 * changes up; the results reach Thanh Hóa's inbox (it has no endpoint); the one-stop records the
 * hand-over (10) and the portal ends there with every step. Waits use the hub's own clocks.
 */
export async function runDossiers(opts: DossierStepOptions): Promise<DossierTally> {
  const { systems, print } = opts;
  const { portal, lltp, hotich } = systems;
  print(`5. Dossiers (hồ sơ thủ tục hành chính): Thanh Hóa's one-stop system files two; the hub submits them, asks the systems for results every ${DEMO_DOSSIERS.resultsEvery} and keeps Cổng DVCQG in sync`);

  // 1. filing: numbered by the hub, submitted to the system, synced to the portal
  const filed: Filed[] = [];
  for (const dossier of demoDossiers(new Date())) {
    const accepted = await opts.oneStop('POST', '/v1/dossiers', dossier.request);
    const one: Filed = { ...dossier, id: String(accepted.id), number: String(accepted.number), printed: 0 };
    filed.push(one);
    print(`   ${one.tag} ${one.title} → POST /v1/dossiers: number ${one.number}, state ${label(Number(accepted.status))}`);
    const view = await settled(opts, one);
    // the registry may take the dossier on (and the hub's poll bring that in) before this line: the
    // portal is asked whether it was told of the filing state, not what it shows now
    const shown = await portalWasTold(opts, one, Number(accepted.status));
    const submit = view.exchanges.find((e) => e.op === 'submit')!.deliveries[0]!;
    print(`       submitted to ${submit.endpointId} (${nameOf(opts.hub, submit.recipient)}): ${submit.state} at attempt ${submit.attempts}, remote id ${submit.remoteId ?? '—'}; portal synced: TrangThaiHoSo ${shown}`);
  }

  // 2. the systems move the dossiers on; the hub's result polls bring each change in
  print(`   the systems move them on; the hub's result polls pick each change up (system code → hub state, portal):`);
  const [birth, judicial] = filed as [Filed, Filed];
  await Promise.all([
    (async () => {
      await nextTargetStep(opts, birth); // the registry took it (trangThai 1) by itself
      await nextTargetStep(opts, birth, () => hotich.advance(birth.number, '4'));
    })(),
    (async () => {
      await nextTargetStep(opts, judicial, () => lltp.advance(judicial.number, '4'));
      await nextTargetStep(opts, judicial, () => lltp.advance(judicial.number, '5'));
    })(),
  ]);

  // 3. the results reach the one-stop system: Thanh Hóa has no endpoint, it pulls them from its inbox
  const documents = await pullDossierResults({ hub: opts.hub, oneStop: opts.oneStop, dossiers: filed, print });

  // 4. the one-stop hands the results over (10); the portal ends there, with every step
  print(`   the one-stop hands the results over: POST /v1/dossiers/:id/progress 10 (${DOSSIER_STATUS_LABELS[10].vi}), synced to the portal`);
  let returned = 0;
  for (const one of filed) {
    await opts.oneStop('POST', `/v1/dossiers/${one.id}/progress`, {
      status: 10, officer: { name: 'Nguyễn Văn An', position: 'Chuyên viên', department: 'Bộ phận một cửa' }, content: 'Đã trả kết quả cho công dân',
    });
  }
  for (const one of filed) {
    const view = await settled(opts, one);
    const shown = await portalAt(opts, one, 10);
    const steps = portal.progress(one.number).map((p) => String(p.item.TrangThai));
    if (view.dossier.status === 10 && shown === '10') returned += 1;
    print(`     ${one.tag} ${one.number}: hub ${view.dossier.status}, portal TrangThaiHoSo ${shown}, progress ${steps.join(' → ')}`);
  }
  print();
  return { filed: filed.length, returned, documents };
}

/** The dossier once every message the hub sent about it is delivered (the one-stop's inbox included). */
function settled(opts: DossierStepOptions, one: Filed): Promise<DossierView> {
  return waitFor(`the messages of dossier ${one.number}`, async () => {
    const view = (await opts.oneStop('GET', `/v1/dossiers/${one.id}`)) as unknown as DossierView;
    return view.exchanges.every((e) => e.deliveries.every((d) => d.state === 'delivered' || d.endpointId === null)) ? view : undefined;
  }, STEP_TIMEOUT_MS);
}

/** Waits until the portal shows `status` for the dossier; its `TrangThaiHoSo`. */
function portalAt(opts: DossierStepOptions, one: Filed, status: number): Promise<string> {
  return waitFor(`the portal to show ${one.number} in state ${status}`, async () => {
    const shown = opts.systems.portal.dossier(one.number)?.item.TrangThaiHoSo;
    return shown === String(status) ? shown : undefined;
  }, STEP_TIMEOUT_MS);
}

/** Waits until the portal's progress of the dossier holds a step in `status`; that status. */
function portalWasTold(opts: DossierStepOptions, one: Filed, status: number): Promise<string> {
  return waitFor(`the portal to record ${one.number} in state ${status}`, async () => {
    const told = opts.systems.portal.progress(one.number).some((p) => String(p.item.TrangThai) === String(status));
    return told ? String(status) : undefined;
  }, STEP_TIMEOUT_MS);
}

/**
 * Lets the system `move` the dossier on (when given), waits for the hub to record the next step the
 * system reported (history source `target`) and for the portal to show it, and prints it.
 */
async function nextTargetStep(opts: DossierStepOptions, one: Filed, move?: () => void): Promise<DossierStep> {
  const since = Date.now();
  move?.();
  const step = await waitFor(`${one.systemLabel} to move ${one.number} on`, async () => (await targetSteps(opts, one))[one.printed], STEP_TIMEOUT_MS);
  one.printed += 1;
  const shown = await portalAt(opts, one, step.status);
  opts.print(`     ${one.tag} ${one.systemLabel} ${CODE_FIELD[one.system]} ${step.systemStatus ?? '?'} → ${label(step.status)}, portal ${shown}  (${move ? `+${seconds(since)}` : 'on receipt'})`);
  return step;
}

async function targetSteps(opts: DossierStepOptions, one: Filed): Promise<DossierStep[]> {
  const view = (await opts.oneStop('GET', `/v1/dossiers/${one.id}`)) as unknown as DossierView;
  return view.history.filter((h) => h.source === 'target');
}

function nameOf(hub: Hub, code: string): string {
  return hub.config.agencies.get(code)?.name ?? code;
}
