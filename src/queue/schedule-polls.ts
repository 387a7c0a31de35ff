import type { JobSchedulerJson, Queue, RepeatOptions } from 'bullmq';
import type { HubConfig } from '../config/hub-config.js';
import { POLL_JOB_OPTIONS, pollSchedulerId, RECEIVE_JOB, SYNC_DIRECTORY_JOB, POLL_RESULTS_JOB, type PollJobData, type PollJobName } from './job-catalogue.js';

/** One clocked job: run `job` for `endpointId` every `everyMs`. */
export interface PollSchedule {
  endpointId: string;
  job: PollJobName;
  everyMs: number;
}

/** The clocked jobs the configuration asks for: each endpoint's `poll` (receive loop, directory sync). */
export function pollSchedulesOf(config: HubConfig): PollSchedule[] {
  const schedules: PollSchedule[] = [];
  for (const endpoint of config.endpoints.values()) {
    const { receiveEveryMs, directoryEveryMs, resultsEveryMs } = endpoint.poll ?? {};
    if (receiveEveryMs !== undefined) schedules.push({ endpointId: endpoint.id, job: RECEIVE_JOB, everyMs: receiveEveryMs });
    if (directoryEveryMs !== undefined) schedules.push({ endpointId: endpoint.id, job: SYNC_DIRECTORY_JOB, everyMs: directoryEveryMs });
    if (resultsEveryMs !== undefined) schedules.push({ endpointId: endpoint.id, job: POLL_RESULTS_JOB, everyMs: resultsEveryMs });
  }
  return schedules;
}

/**
 * Makes the queue's job schedulers match `schedules` exactly: creates or updates each one, removes
 * those no longer configured (an endpoint removed or its polling switched off). Idempotent, so every
 * worker may call it at every boot: a restart keeps the schedule Redis holds (see {@link repeatFor}).
 *
 * @param now epoch ms, for the start of a scheduler whose interval changed.
 */
export async function schedulePolls(
  queue: Queue<PollJobData>, schedules: readonly PollSchedule[], now: number = Date.now(),
): Promise<{ scheduled: string[]; removed: string[] }> {
  const wanted = new Map(schedules.map((s) => [pollSchedulerId(s.job, s.endpointId), s]));
  const existing = new Map((await queue.getJobSchedulers()).map((s) => [s.key, s]));
  for (const [id, s] of wanted) {
    await queue.upsertJobScheduler(id, repeatFor(s, existing.get(id), now), { name: s.job, data: { endpointId: s.endpointId }, opts: POLL_JOB_OPTIONS });
  }
  const removed: string[] = [];
  for (const key of existing.keys()) {
    if (!wanted.has(key)) {
      await queue.removeJobScheduler(key);
      removed.push(key);
    }
  }
  return { scheduled: [...wanted.keys()], removed };
}

/**
 * The repeat options that install `schedule` over what Redis holds, given BullMQ's (6.x)
 * `upsertJobScheduler` semantics for `every` (its Lua `addJobScheduler`):
 *
 * - no scheduler yet: the first job is due at once (`startDate` absent) — a first boot polls promptly;
 * - same `every`: the pending job is replaced at the time it already had (a past-due one, missed
 *   while no worker ran, runs at once) — a restart keeps the schedule;
 * - another `every`: BullMQ forgets the old time and would run at once (or at `startDate`), so the
 *   next run is the earlier of the one already planned and one new interval from now.
 *
 * `immediately` is not used: with `every` BullMQ ignores it (the first run is immediate anyway).
 */
export function repeatFor(schedule: PollSchedule, existing: Pick<JobSchedulerJson, 'every' | 'next'> | undefined, now: number): RepeatOptions {
  if (!existing || existing.every === schedule.everyMs || existing.next === undefined) return { every: schedule.everyMs };
  return { every: schedule.everyMs, startDate: Math.max(now, Math.min(existing.next, now + schedule.everyMs)) };
}
