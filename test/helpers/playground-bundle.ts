import { buildPlayground } from '../../src/graphql/playground/build-playground.js';
import { playgroundBundleBuilt } from '../../src/graphql/playground/playground-bundle.js';

/**
 * Builds the playground bundle (dist/playground) when a clean clone has not built it yet: `npm
 * test` does not run `npm run build`, and the server only serves what was built.
 */
export async function ensurePlaygroundBundle(): Promise<void> {
  if (!playgroundBundleBuilt()) await buildPlayground();
}
