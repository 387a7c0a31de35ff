import { defineConfig } from 'vitest/config';

// Six suites, one command (`npm test`): unit needs no services; integration needs the real Redis
// and PostgreSQL (and runs the embedded store too); e2e runs the real server and the simulators;
// browser drives the web console in headless Chromium; hostile throws attacks at a real hub; faults
// (`npm run test:faults`, run on its own after the others: it times latencies) kills and starves
// the hub's processes and services under load.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Builds dist/ once: the suite runs the compiled CLI in child processes.
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          sequence: { concurrent: false },
        },
      },
      {
        test: {
          // The web console in headless Chromium (Debian's `chromium`, driven by playwright-core) against
          // a real hub; a missing browser fails the suite.
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // Hostile input against a real hub: every attack answered with a coded error, nothing stored.
          name: 'hostile',
          include: ['test/hostile/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // Fault injection under load against the compiled CLI's processes, private Redis and
          // PostgreSQL servers; `npm run test:faults` runs its files one at a time, after the other suites.
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          sequence: { concurrent: false },
        },
      },
    ],
  },
});
