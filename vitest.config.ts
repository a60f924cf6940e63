import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Exhaustive loops and property tests are CPU-bound; two workers match the machines.
    maxWorkers: 2,
    testTimeout: 60_000,
  },
});
