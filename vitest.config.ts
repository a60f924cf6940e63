import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The PostgreSQL suite needs a server: it runs when DATABASE_URL is set (.ci/run sets it).
    exclude: [...configDefaults.exclude, ...(process.env.DATABASE_URL ? [] : ['test/**/postgres*.test.ts'])],
    // Exhaustive loops and property tests are CPU-bound; two workers match the machines.
    maxWorkers: 2,
    testTimeout: 60_000,
  },
});
