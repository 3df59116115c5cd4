/**
 * Three projects, one run:
 *  - `unit` (test/unit): pure functions, no Temporal; `npm run test:unit` selects it and finishes in seconds.
 *  - `sandbox` (test/sandbox): the Stripe/Monstock sandboxes and their contracts, no Temporal either.
 *  - `integration` (everything else): one real Temporal dev server for the whole run
 *    (test/support/globalSetup.ts); each test file gets its own task queue.
 * globalSetup/globalTeardown are set per project: Jest runs a project's hooks only when at least one
 * of its test files is selected (once per hook module), so a run of unit or sandbox tests never
 * starts Temporal. Tests are TypeScript, compiled by SWC (type-checking is `npm run typecheck`).
 */
const TEST_TIMEOUT = 60_000;

/** Settings every project shares; `roots` picks the project's files. */
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  setupFiles: ['<rootDir>/test/support/quietRuntime.ts'],
  testTimeout: TEST_TIMEOUT,
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    { ...common, displayName: 'sandbox', roots: ['<rootDir>/test/sandbox'] },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/', '<rootDir>/test/sandbox/'],
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
    },
  ],
  testTimeout: TEST_TIMEOUT,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summaryReporter.js'],
};
