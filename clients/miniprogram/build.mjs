// Bundles the kit into dist/index.js: CommonJS, ES2015 syntax, no Node built-ins, graphql-ws
// inside (the only runtime dependency; `graphql` is never needed: documents are plain strings).
// `npm run build:client` typechecks and emits dist/types first; the kit's tests run this alone.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export const outfile = here('./dist/index.js');

export async function buildKit() {
  await build({
    entryPoints: [here('./src/index.ts')],
    outfile,
    bundle: true,
    format: 'cjs',
    target: 'es2015',
    // Neutral: no Node built-ins resolved or assumed; a `node:` import fails the build.
    platform: 'neutral',
    mainFields: ['main', 'module'],
    tsconfig: here('./tsconfig.json'),
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildKit();
