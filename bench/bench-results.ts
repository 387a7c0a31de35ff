import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';

/** What a result was measured on: recorded with every figure, since this VM's speed varies ±25 %. */
export interface MachineFacts {
  cpus: number;
  cpu: string | undefined;
  memoryGiB: number;
  node: string;
  /** 1-, 5- and 15-minute load averages when the run began: other work on the machine shows here. */
  loadAverageAtStart: number[];
}

export function machineFacts(): MachineFacts {
  return {
    cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version,
    loadAverageAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

/** Writes a result as indented JSON (bench/results/*.json are not committed; the README quotes them). */
export async function writeResult(path: string, summary: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(summary, null, 2)}\n`);
}

/** Prints one line to stdout. */
export const log = (line: string): void => void process.stdout.write(`${line}\n`);
