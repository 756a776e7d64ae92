// Jest runs the TypeScript sources as native ESM (MikroORM 7 is ESM-only), transformed by SWC
// with legacy decorators and decorator metadata, which type-graphql needs.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  // Browser tests need Chromium (npm run test:browser); the chaos suite starts its own processes
  // for minutes (npm run chaos).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/browser/', '<rootDir>/test/chaos/'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          target: 'es2022',
        },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  globalSetup: '<rootDir>/test/global-setup.ts',
  testTimeout: 60_000,
  // A suite whose beforeAll fails can leave its app or broker running (afterAll has nothing to
  // close yet); the run must still end with its verdict instead of hanging until CI's limit.
  forceExit: true,
};
