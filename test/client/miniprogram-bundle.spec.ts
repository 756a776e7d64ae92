import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse, type Node } from 'acorn';
import { buildKit, KIT_DIR } from '../helpers/miniprogram-kit.js';

/**
 * A budget, not a speed: the kit is graphql-ws, the typed documents and ~300 lines of its own.
 * Growing past this means something else got bundled (the `graphql` package alone is ~150 KB).
 */
const MAX_BUNDLE_BYTES = 40_000;

type AnyNode = Node & Record<string, unknown>;
function* walk(node: unknown): Generator<AnyNode> {
  if (Array.isArray(node)) for (const n of node) yield* walk(n);
  else if (node && typeof node === 'object' && typeof (node as AnyNode).type === 'string') {
    yield node as AnyNode;
    for (const [key, value] of Object.entries(node)) if (key !== 'type' && value && typeof value === 'object') yield* walk(value);
  }
}

describe('clients/miniprogram/dist/index.js (the built kit)', () => {
  let source: string;
  beforeAll(async () => {
    source = readFileSync(await buildKit(), 'utf8');
  });

  it('parses as ES2015 script (CommonJS), the syntax every mini-program base library runs', () => {
    expect(() => parse(source, { ecmaVersion: 2015, sourceType: 'script' })).not.toThrow();
  });

  it('requires nothing: no Node built-in, no package (graphql-ws is inside, graphql is not needed)', () => {
    const ast = parse(source, { ecmaVersion: 2015, sourceType: 'script' });
    const requires = [...walk(ast)].filter((n) => n.type === 'CallExpression' && (n.callee as AnyNode).type === 'Identifier' && (n.callee as AnyNode).name === 'require');
    expect(requires).toEqual([]);
    const strings = [...walk(ast)].filter((n) => n.type === 'Literal' && typeof n.value === 'string').map((n) => n.value as string);
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect(strings.filter((s) => s.startsWith('node:') || builtins.has(s))).toEqual([]);
    // graphql's parser and schema code would carry these.
    expect(source).not.toMatch(/GraphQLSchema|Syntax Error: Unexpected/);
    expect(source).toContain('graphql-transport-ws');
  });

  it('runs in a bare context with only module/exports and timers (no require, process, Buffer or global)', () => {
    const module = { exports: {} as Record<string, unknown> };
    runInNewContext(source, { module, exports: module.exports, setTimeout, clearTimeout });
    const kit = module.exports as Record<string, any>;
    expect(typeof kit.createClient).toBe('function');
    expect(typeof kit.ClientError).toBe('function');
    expect(String(kit.PlaceOrderDocument)).toMatch(/^\s*mutation PlaceOrder\(\$input: PlaceOrderInput!\)/);
    expect(String(kit.PlaceOrderDocument)).toContain('fragment OrderFields on Order');
    expect(kit.closeActionFor(4403)).toBe('relogin');
    expect(kit.webSocketUrl('https://shop.example.com/graphql')).toBe('wss://shop.example.com/graphql');
    // Outside a mini-program and without options.wx: a clear error, not a crash later.
    expect(() => kit.createClient({ endpoint: 'https://shop.example.com/graphql' })).toThrow(/no wx object/);
  });

  it('typechecks against the ES2015 library alone (no DOM, no Node types), as `npm run build:client` does', async () => {
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    await expect(promisify(execFile)(process.execPath, [tsc, '-p', `${KIT_DIR}tsconfig.json`, '--noEmit'])).resolves.toBeDefined();
  });

  it('the example page parses as ES2015 and uses only documents the kit exports', () => {
    const module = { exports: {} as Record<string, unknown> };
    runInNewContext(source, { module, exports: module.exports, setTimeout, clearTimeout });
    const used = new Set<string>();
    for (const file of ['example/app.js', 'example/pages/order/index.js']) {
      const text = readFileSync(`${KIT_DIR}${file}`, 'utf8');
      expect(() => parse(text, { ecmaVersion: 2015, sourceType: 'script' })).not.toThrow();
      for (const [, name] of text.matchAll(/kit\.(\w+Document)\b/g)) {
        used.add(name!);
        expect({ name, exported: typeof module.exports[name!] }).toEqual({ name, exported: 'object' });
      }
    }
    expect([...used].sort()).toEqual(['OrderDocument', 'OrderStatusChangedDocument', 'PayOrderDocument', 'PlaceOrderDocument', 'ProductsDocument', 'SimulatePaymentDocument', 'StoresDocument']);
  });

  it(`stays within its size budget (${MAX_BUNDLE_BYTES} bytes)`, () => {
    const bytes = Buffer.byteLength(source);
    const gzip = gzipSync(source).length;
    expect(bytes).toBeLessThan(MAX_BUNDLE_BYTES);
    expect(gzip).toBeLessThan(bytes);
  });
});
