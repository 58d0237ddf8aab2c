import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build.ts'],
    // The machine has two cores; more workers only contend.
    maxWorkers: 2,
    testTimeout: 20_000,
    // Specs wait for state (a page updated, a row written), never for a time: on a loaded 2-core machine a
    // browser page's first live update may take seconds, so polls wait up to 10 s (vitest's default is 1 s).
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 60_000,
  },
});
