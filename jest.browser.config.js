// `npm run test:browser`: the playground in a real Chromium (/usr/bin/chromium, never downloaded).
// Not part of `npm test`, since a machine may lack Chromium; .ci/run installs it and runs both.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 600_000,
};
