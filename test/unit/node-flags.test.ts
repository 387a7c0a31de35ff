import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKER_NODE_FLAGS } from '../../bench/bench-hub.js';

// The hub's Node flags are written in four places that no compiler checks against each other: the
// CLI's shebang, the image's ENTRYPOINT, compose's worker entrypoint and the benchmark's worker
// flags. Measured figures in the README are only true of the layout that ships.
const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

const shebangFlags = (): string[] => {
  const first = read('src/cli.ts').split('\n')[0]!;
  const match = /^#!\/usr\/bin\/env -S node (.*)$/.exec(first);
  if (!match) throw new Error(`unexpected shebang: ${first}`);
  return match[1]!.split(' ');
};

const jsonArrayAfter = (text: string, pattern: RegExp): string[] => {
  const match = pattern.exec(text);
  if (!match) throw new Error(`not found: ${pattern}`);
  return JSON.parse(match[1]!) as string[];
};

describe('Node flags of the hub processes', () => {
  it('the image starts the CLI with the flags of its shebang', () => {
    const entrypoint = jsonArrayAfter(read('Dockerfile'), /^ENTRYPOINT (\[.*\])$/m);
    expect(entrypoint).toEqual(['node', ...shebangFlags(), 'dist/src/cli.js']);
  });

  it("compose's worker adds the benchmark's worker flags to the image's, and only the worker does", () => {
    const compose = read('docker-compose.yml');
    const worker = /\n {2}worker:\n((?: {4}.*\n)+)/.exec(compose)?.[1];
    if (!worker) throw new Error('no worker service in docker-compose.yml');
    const entrypoint = jsonArrayAfter(worker, /^ {4}entrypoint: (\[.*\])$/m);
    expect(entrypoint).toEqual(['node', ...shebangFlags(), ...WORKER_NODE_FLAGS, 'dist/src/cli.js']);
    expect(WORKER_NODE_FLAGS.length).toBeGreaterThan(0);
    // No other service overrides the image's flags with a node command line.
    expect(compose.match(/entrypoint: \["node"/g)).toHaveLength(1);
  });
});
