import { describe, expect, it } from 'vitest';
import { dvcqgAdapter, DvcqgLookupError, lookupDossier } from '../../../adapters/dvcqg/index.js';
import { sampleDossier, syncContext, syncMessage, UNIT, unitSettings, useDvcqgSimulator } from '../../fixtures/dvcqg/sync-context.js';
import { allowLoopbackOutbound } from '../../helpers/loopback-outbound.js';

// The simulators listen on loopback, which the outbound guard refuses unless allowed.
allowLoopbackOutbound();

const NUMBER = '000.00.00.H56-261206-0001';

const sim = useDvcqgSimulator();

describe('lookupDossier (TraCuuHoSo)', () => {
  it('finds a synced dossier and maps the portal’s status string onto the hub’s state', async () => {
    await dvcqgAdapter.deliver(syncMessage(), syncContext(unitSettings(sim()), { dossier: () => sampleDossier({ status: 4 }) }));
    const found = await lookupDossier(unitSettings(sim()), NUMBER);
    expect(found).toMatchObject({ found: true, status: 4, portalStatus: 'processing', item: { MaHoSo: NUMBER, MaTTHC: '1.001193.000.00.00.H56' } });
  });

  it('answers not found for a number the portal does not have', async () => {
    expect(await lookupDossier(unitSettings(sim()), '000.00.00.H56-261206-9999')).toEqual({ found: false });
  });

  it('reads a refusal as not found, quoting it', async () => {
    sim().setBehaviour(UNIT.username, { mode: 'answer', errorCode: -4, message: 'Không tìm thấy hồ sơ' }, ['TraCuuHoSo']);
    expect(await lookupDossier(unitSettings(sim()), NUMBER)).toEqual({ found: false, message: 'Không tìm thấy hồ sơ' });
  });

  it('reads the status field and extra status strings the settings name; leaves unmapped strings without a state', async () => {
    await dvcqgAdapter.deliver(syncMessage(), syncContext(unitSettings(sim())));
    expect(await lookupDossier(unitSettings(sim(), { lookupStatusField: 'MaTTHC' }), NUMBER)).toMatchObject({ found: true, portalStatus: '1.001193.000.00.00.H56' });
    expect(await lookupDossier(unitSettings(sim(), { lookupStatusField: 'MaTTHC' }), NUMBER)).not.toHaveProperty('status');
    expect(await lookupDossier(unitSettings(sim(), { portalStatuses: { new: 1 } }), NUMBER)).toMatchObject({ status: 1, portalStatus: 'new' });
  });

  it('shares the session of an endpoint’s deliveries', async () => {
    await dvcqgAdapter.deliver(syncMessage(), syncContext(unitSettings(sim()), { endpointId: 'ep-h56' }));
    await lookupDossier(unitSettings(sim()), NUMBER, { endpointId: 'ep-h56' });
    expect(sim().logins(UNIT.username)).toHaveLength(1);
  });

  it('throws a transient error when the portal fails, a permanent one when the account is refused', async () => {
    sim().setBehaviour(UNIT.username, { mode: 'fail', status: 503 });
    const failing = await lookupDossier(unitSettings(sim()), NUMBER).catch((err: unknown) => err);
    expect(failing).toBeInstanceOf(DvcqgLookupError);
    expect(failing).toMatchObject({ transient: true, httpStatus: 503 });
    sim().setBehaviour(UNIT.username, { mode: 'ok' });
    const refused = await lookupDossier(unitSettings(sim(), { password: 'sai' }), NUMBER).catch((err: unknown) => err);
    expect(refused).toMatchObject({ transient: false, httpStatus: 401 });
  });

  it('stops at its timeout', async () => {
    sim().setBehaviour(UNIT.username, { mode: 'slow', delayMs: 2000 });
    const started = performance.now();
    await expect(lookupDossier(unitSettings(sim(), { timeoutMs: 300 }), NUMBER)).rejects.toMatchObject({ transient: true, message: expect.stringContaining('timed out') });
    expect(performance.now() - started).toBeLessThan(800);
  });
});
