import { readFileSync, writeFileSync } from 'node:fs';

/** Memory of one process from /proc/<pid>/status (Linux), in bytes. */
export interface ProcessMemory {
  /** Resident set now (`VmRSS`). */
  rss: number;
  /** Peak resident set since start or the last {@link resetPeak} (`VmHWM`). */
  peak: number;
  /**
   * Private anonymous memory (`RssAnon`): what the process itself allocated. A PostgreSQL backend's
   * RSS also counts the shared buffers it has touched, which every backend shares; this does not.
   */
  anon: number;
}

/** `VmRSS`, `VmHWM` and `RssAnon` of a process (NaN fields when it is gone). */
export function memoryOf(pid: number): ProcessMemory {
  let status = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // gone: every field NaN
  }
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM'), anon: kib('RssAnon') };
}

/** Resets the process's `VmHWM` to its current RSS (Linux ≥ 4.0, same user or root). */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

export const MIB = 1024 * 1024;

/** `123.4 MiB`. */
export const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;
