import { Session } from 'node:inspector/promises';

/** Resident size before and after, in bytes. */
export interface ReleasedMemory {
  rssBefore: number;
  rssAfter: number;
}

/**
 * One memory-reducing garbage collection once the process is up. Booting (schema compilation,
 * migrations, the config import, TLS contexts) leaves garbage and a grown young generation that V8
 * keeps until memory pressure, and they count in the process's resident size (the API idled at
 * ~210 MiB instead of ~105 MiB). The inspector's `HeapProfiler.collectGarbage` is V8's low-memory
 * collection (a plain `gc()` frees the objects but keeps the pages); the session is in-process, no
 * inspector port is opened. Called once, at start, never on the request path.
 *
 * @returns undefined when this Node has no inspector (built without it): nothing is released.
 */
export async function releaseBootMemory(): Promise<ReleasedMemory | undefined> {
  const session = new Session();
  try {
    session.connect();
  } catch {
    return undefined;
  }
  try {
    const rssBefore = process.memoryUsage.rss();
    await session.post('HeapProfiler.collectGarbage');
    return { rssBefore, rssAfter: process.memoryUsage.rss() };
  } finally {
    session.disconnect();
  }
}
