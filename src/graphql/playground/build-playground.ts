import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { Kind, parse, print, type TypeNode } from 'graphql';
import { PLAYGROUND_PAGE, playgroundBundleDir, projectRoot } from './playground-bundle.js';

export interface PlaygroundBuild {
  dir: string;
  /** Bytes of every file written, by name. */
  files: Record<string, number>;
  totalBytes: number;
  ms: number;
}

/** A placeholder value per variable type, so an example's variables only need filling in. */
function placeholder(type: TypeNode): unknown {
  if (type.kind === Kind.NON_NULL_TYPE) return placeholder(type.type);
  if (type.kind === Kind.LIST_TYPE) return [];
  const scalars: Record<string, unknown> = { String: '', ID: '', Int: 0, Float: 0, Boolean: false };
  return type.name.value in scalars ? scalars[type.name.value] : {};
}

/**
 * The canonical operations of test/operations with every fragment they spread (transitively)
 * appended from test/operations/fragments/<Name>.graphql, as test/helpers/graphql-client does.
 */
export function loadExamples(operationsDir: string): PlaygroundExampleData[] {
  const fragmentText = (name: string) => readFileSync(join(operationsDir, 'fragments', `${name}.graphql`), 'utf8');
  const spreads = (text: string) => [...text.matchAll(/\.\.\.\s*([A-Za-z_]\w*)/g)].map((m) => m[1]!).filter((n) => n !== 'on');
  return readdirSync(operationsDir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => {
      const own = readFileSync(join(operationsDir, file), 'utf8');
      const needed: string[] = [];
      const queue = spreads(own);
      while (queue.length > 0) {
        const name = queue.shift()!;
        if (needed.includes(name)) continue;
        needed.push(name);
        queue.push(...spreads(fragmentText(name)));
      }
      const query = [own.trim(), ...needed.map((n) => fragmentText(n).trim())].join('\n\n') + '\n';
      const operation = parse(query).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
      if (!operation?.name) throw new Error(`${file}: expected one named operation`);
      const variables = Object.fromEntries((operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, placeholder(v.type)]));
      return { name: basename(file, '.graphql'), operationName: operation.name.value, query: print(parse(query)) + '\n', variables: JSON.stringify(variables, null, 2) };
    });
}

interface PlaygroundExampleData {
  name: string;
  operationName: string;
  query: string;
  variables: string;
}

/**
 * Bundles the GraphiQL playground (src/graphql/playground/client) into `dir`: the page, one
 * script, one stylesheet and Monaco's three workers, with every asset inlined or local, so the
 * page makes no request outside the BFF.
 */
export async function buildPlayground(dir: string = playgroundBundleDir()): Promise<PlaygroundBuild> {
  const started = performance.now();
  const root = projectRoot();
  const client = join(root, 'src', 'graphql', 'playground', 'client');
  const examples = loadExamples(join(root, 'test', 'operations'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const common: BuildOptions = {
    absWorkingDir: root,
    bundle: true,
    minify: true,
    target: 'es2022',
    platform: 'browser',
    outdir: dir,
    logLevel: 'warning',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    // Fonts and icons referenced from CSS travel inside it: no font request at all.
    loader: { '.ttf': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
  };
  await Promise.all([
    build({
      ...common,
      entryPoints: { playground: join(client, 'playground.tsx') },
      format: 'esm',
      define: { ...common.define, __PLAYGROUND_EXAMPLES__: JSON.stringify(examples) },
    }),
    // Workers are classic scripts of their own: esbuild does not follow `new Worker(new URL(...))`.
    build({
      ...common,
      entryPoints: {
        'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
        'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
        'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
      },
      format: 'iife',
    }),
  ]);
  writeFileSync(join(dir, PLAYGROUND_PAGE), readFileSync(join(client, 'index.html')));

  const files = Object.fromEntries(readdirSync(dir).map((name) => [name, statSync(join(dir, name)).size]));
  return { dir, files, totalBytes: Object.values(files).reduce((a, b) => a + b, 0), ms: Math.round(performance.now() - started) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await buildPlayground();
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(`playground bundle: ${result.dir} (${kib(result.totalBytes)} in ${result.ms} ms)`);
  for (const [name, size] of Object.entries(result.files)) console.log(`  ${name.padEnd(20)} ${kib(size)}`);
}
