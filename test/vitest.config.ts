// vitest's configuration lives in test/ (the repository's top level holds only
// what DEVELOPERS.md lists); `npm test` points vitest here.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    environment: 'node',
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // ink decides at import time whether it runs in CI (is-in-ci) and then
    // renders only a final frame; the component tests drive it as a terminal.
    // Tests that spawn the real binary set CI for the child themselves.
    env: { CI: 'false' },
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/count-reporter.ts'],
  },
});
