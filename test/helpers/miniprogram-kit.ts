import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export type Kit = typeof import('../../clients/miniprogram/src/index.js');

export const KIT_DIR = fileURLToPath(new URL('../../clients/miniprogram/', import.meta.url));
export const KIT_BUNDLE = `${KIT_DIR}dist/index.js`;

/**
 * Builds clients/miniprogram/dist/index.js (dist is not committed, so a clean clone's `npm test`
 * builds it here) with the same script `npm run build:client` runs after its typecheck.
 */
export async function buildKit(): Promise<string> {
  await promisify(execFile)(process.execPath, [`${KIT_DIR}build.mjs`], { cwd: KIT_DIR });
  return KIT_BUNDLE;
}

/** The BUILT bundle, loaded the way a mini-program loads it: CommonJS `require`. */
export async function loadBuiltKit(): Promise<Kit> {
  await buildKit();
  return createRequire(import.meta.url)(KIT_BUNDLE) as Kit;
}
