/**
 * The suite, split by what it costs (README, "Tests"):
 *   unit     `npm test`: unit, property, route, storage-contract and quick integration tests
 *   fuzz     `npm run test:fuzz`: the parser and HTTP fuzzers
 *   e2e      `npm run test:e2e`: real server, witness and monitor processes, built into a temp folder
 *   browser  `npm run test:browser`: the explorer in Chromium
 * `npm run test:all` runs every project. Time limits are hang detectors, many times what a
 * test takes on a loaded 2-core machine; no test waits for a time, only for a state.
 */
import { configDefaults, defineConfig } from 'vitest/config';

// The PostgreSQL files need a server: they run when DATABASE_URL is set (.ci/run sets it).
const exclude = [...configDefaults.exclude, ...(process.env.DATABASE_URL ? [] : ['test/**/postgres*.test.ts'])];

/** What every project shares. */
const shared = {
  exclude,
  setupFiles: ['test/support/setup-file.ts'],
  testTimeout: 120_000,
  hookTimeout: 120_000,
  teardownTimeout: 120_000,
};

/** Projects that spawn the real bin, and the time limits of whole-process tests. */
const processes = { ...shared, globalSetup: ['test/support/build-setup.ts'], testTimeout: 600_000, hookTimeout: 600_000 };

export default defineConfig({
  test: {
    // Once per run: the run's temp folder and process mark, and the leak check at its end.
    globalSetup: ['test/support/global-setup.ts'],
    // The machines have two cores.
    maxWorkers: 2,
    projects: [
      // The fuzzers' fixed regressions are quick, and belong with every change.
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts', 'test/routes/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/fuzz/regressions.test.ts'] } },
      { test: { ...shared, name: 'fuzz', include: ['test/fuzz/**/*.test.ts'], exclude: [...exclude, 'test/fuzz/regressions.test.ts'] } },
      { test: { ...processes, name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
      { test: { ...processes, name: 'browser', include: ['test/browser/**/*.test.ts'] } },
    ],
  },
});
