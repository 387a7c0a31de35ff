import { spawnSync } from 'node:child_process';

/**
 * The e2e suite runs the compiled CLI, so it builds first — always: `tsc` takes a few seconds and a
 * stale `dist/` would test yesterday's code. A failed build fails the suite.
 */
export default function buildOnce(): void {
  const started = Date.now();
  const result = spawnSync('npm', ['run', 'build', '--silent'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error || result.status !== 0) {
    throw new Error(`npm run build failed (exit ${String(result.status)}), the e2e suite needs dist/:\n${result.stdout}\n${result.stderr}\n${result.error?.message ?? ''}`);
  }
  console.log(`e2e: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
