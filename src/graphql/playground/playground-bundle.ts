import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The HTML page of the bundle; its presence means the bundle was built. */
export const PLAYGROUND_PAGE = 'index.html';

/**
 * The project root: the nearest folder with a package.json above this module, whether it runs
 * from src/ (swc, tests) or from dist/src/ (npm start).
 */
export function projectRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/**
 * Where `npm run build` writes the playground's page, scripts, styles and Monaco workers.
 * Under dist/ (gitignored): built from src/graphql/playground/client, never committed.
 */
export function playgroundBundleDir(): string {
  return join(projectRoot(), 'dist', 'playground');
}

export function playgroundBundleBuilt(dir: string = playgroundBundleDir()): boolean {
  return existsSync(join(dir, PLAYGROUND_PAGE));
}
