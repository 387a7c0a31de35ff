import type { Queue } from 'bullmq';
import { POLL_JOB_OPTIONS, pollSchedulerId, type PollJobData, type PollJobName } from './job-catalogue.js';

/** One clocked job: run `job` for `endpointId` every `everyMs`. */
export interface PollSchedule {
  endpointId: string;
  job: PollJobName;
  everyMs: number;
}

/**
 * Makes the queue's job schedulers match `schedules` exactly: creates or updates each one, removes
 * those no longer configured (an endpoint removed or its polling switched off). Idempotent, so every
 * worker may call it at boot.
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
