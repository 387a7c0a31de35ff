import type { Queue } from 'bullmq';
import type { HubConfig } from '../config/hub-config.js';
import { POLL_JOB_OPTIONS, pollSchedulerId, RECEIVE_JOB, SYNC_DIRECTORY_JOB, type PollJobData, type PollJobName } from './job-catalogue.js';

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
    const { receiveEveryMs, directoryEveryMs } = endpoint.poll ?? {};
    if (receiveEveryMs !== undefined) schedules.push({ endpointId: endpoint.id, job: RECEIVE_JOB, everyMs: receiveEveryMs });
    if (directoryEveryMs !== undefined) schedules.push({ endpointId: endpoint.id, job: SYNC_DIRECTORY_JOB, everyMs: directoryEveryMs });
  }
  return schedules;
}

/**
 * Makes the queue's job schedulers match `schedules` exactly: creates or updates each one, removes
 * those no longer configured (an endpoint removed or its polling switched off). Idempotent, so every
 * worker may call it at boot. A new scheduler's first run is due at once (BullMQ `every`).
 */
export async function schedulePolls(queue: Queue<PollJobData>, schedules: readonly PollSchedule[]): Promise<{ scheduled: string[]; removed: string[] }> {
  const wanted = new Map(schedules.map((s) => [pollSchedulerId(s.job, s.endpointId), s]));
  for (const [id, s] of wanted) {
    await queue.upsertJobScheduler(id, { every: s.everyMs }, { name: s.job, data: { endpointId: s.endpointId }, opts: POLL_JOB_OPTIONS });
  }
  const removed: string[] = [];
  for (const existing of await queue.getJobSchedulers()) {
    if (!wanted.has(existing.key)) {
      await queue.removeJobScheduler(existing.key);
      removed.push(existing.key);
    }
  }
  return { scheduled: [...wanted.keys()], removed };
}
