import { readdirSync, readFileSync } from 'node:fs';
import { buildSchema, getIntrospectionQuery, type GraphQLSchema } from 'graphql';
import { OperationGuard, type GuardVerdict, type OperationLimits } from '../../../src/graphql/guards/operation-guard.js';
import { KNOWN_OPERATION_NAMES, operationLabel } from '../../../src/graphql/known-operations.js';
import { operation } from '../../helpers/graphql-client.js';
import { aliasFlood, aliasedPlaceOrders, deepNesting, directiveFlood, fragmentCycle, fragmentExplosion, tokenFlood } from '../../helpers/hostile-documents.js';

const schema: GraphQLSchema = buildSchema(readFileSync(new URL('../../../schema/schema.graphql', import.meta.url), 'utf8'));
const OPERATIONS_DIR = new URL('../../operations/', import.meta.url);
const canonical = readdirSync(OPERATIONS_DIR).filter((f) => f.endsWith('.graphql')).map((f) => f.replace(/\.graphql$/, ''));

/** The defaults of config.ts. */
const DEFAULTS: OperationLimits = { maxDocumentBytes: 32 * 1024, maxTokens: 5000, maxDepth: 8, maxFields: 2000, maxAliases: 30, maxDirectives: 50, maxCost: 5000, introspection: true };
const guard = (limits: Partial<OperationLimits> = {}) => new OperationGuard(schema, { ...DEFAULTS, ...limits });
const reasonOf = (v: GuardVerdict) => (v.ok ? 'accepted' : `${v.errors[0]!.extensions.code}/${v.errors[0]!.extensions.reason ?? ''}`);

describe('the operation guard', () => {
  it('accepts every canonical mini-program operation and the playground introspection under the default limits', () => {
    const g = guard();
    for (const name of canonical) {
      const verdict = g.check(operation(name), undefined, undefined);
      // Variables are not given: only documents are judged here (coercion is below).
      expect([name, verdict.ok || verdict.errors[0]!.extensions.reason === 'INVALID_VARIABLES']).toEqual([name, true]);
    }
    expect(reasonOf(g.check(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }), {}, null))).toBe('accepted');
  });

  it('keeps the metrics label list in step with the canonical operations', () => {
    const names = canonical.map((f) => /^(?:query|mutation|subscription)\s+(\w+)/m.exec(readFileSync(new URL(`${f}.graphql`, OPERATIONS_DIR), 'utf8'))![1]!);
    expect([...KNOWN_OPERATION_NAMES].sort()).toEqual([...new Set(names)].sort());
    expect(operationLabel('Stores')).toBe('Stores');
    expect(operationLabel('x'.repeat(40))).toBe('other');
  });

  it('refuses each hostile document with its own guard code', () => {
    const g = guard();
    expect(reasonOf(g.check(fragmentExplosion(30), {}, null))).toBe('GRAPHQL_VALIDATION_FAILED/TOO_MANY_FIELDS');
    // Far past what doubles can count exactly: still a finite, refused number.
    expect(reasonOf(g.check(fragmentExplosion(200), {}, null))).toBe('GRAPHQL_VALIDATION_FAILED/TOO_MANY_FIELDS');
    expect(reasonOf(g.check(fragmentCycle(2), {}, null))).toBe('GRAPHQL_VALIDATION_FAILED/FRAGMENT_CYCLE');
    expect(reasonOf(g.check(fragmentCycle(1), {}, null))).toBe('GRAPHQL_VALIDATION_FAILED/FRAGMENT_CYCLE');
    expect(reasonOf(g.check(aliasFlood(2400), {}, null))).toBe('GRAPHQL_VALIDATION_FAILED/DOCUMENT_TOO_LARGE');
    expect(reasonOf(g.check(aliasFlood(1000), {}, null))).toBe('GRAPHQL_PARSE_FAILED/TOO_MANY_TOKENS');
    expect(reasonOf(g.check(aliasFlood(31), {}, null))).toBe('GRAPHQL_VALIDATION_FAILED/TOO_MANY_ALIASES');
    expect(reasonOf(g.check(directiveFlood(51), {}, null))).toBe('GRAPHQL_VALIDATION_FAILED/TOO_MANY_DIRECTIVES');
    expect(reasonOf(g.check(deepNesting(4000), {}, null))).toBe('GRAPHQL_VALIDATION_FAILED/QUERY_TOO_DEEP');
    expect(reasonOf(g.check(deepNesting(9), {}, null))).toBe('GRAPHQL_VALIDATION_FAILED/QUERY_TOO_DEEP');
    expect(reasonOf(g.check(tokenFlood(6000), {}, null))).toBe('GRAPHQL_PARSE_FAILED/TOO_MANY_TOKENS');
    expect(reasonOf(g.check(`query Big { ${'__typename '.repeat(4000)} }`, {}, null))).toBe('GRAPHQL_VALIDATION_FAILED/DOCUMENT_TOO_LARGE');
    expect(reasonOf(g.check(aliasedPlaceOrders(2, '1', '1', 1), {}, null))).toBe('BAD_USER_INPUT/TOO_MANY_STOCK_MUTATIONS');
    expect(reasonOf(g.check(aliasedPlaceOrders(1, '1', '1', 1), {}, null))).toBe('accepted');
  });

  it('charges data-store fields more than in-memory ones, and pages by their size', () => {
    const g = guard({ maxAliases: 10_000, maxTokens: 100_000, maxDocumentBytes: 1 << 20, maxFields: 100_000 });
    // 2,400 `me { id }` would pass a one-per-field model (cost 4,800 < 5,000); each reaches a store.
    const flood = g.check(aliasFlood(2400), {}, null);
    expect(reasonOf(flood)).toBe('BAD_USER_INPUT/QUERY_TOO_COSTLY');
    expect(flood.ok || flood.errors[0]!.extensions.cost).toBe(24_000);
    const page = (first: number) => g.check('query P($n: Int) { orders(first: $n) { edges { node { orderNo items { skuId } } } } }', { n: first }, null);
    const small = page(1);
    const large = page(100);
    // orders 10 (data store) + first × (edges 1 + node 1 + items 1); scalars are free.
    expect([small.ok && small.cost, large.ok && large.cost]).toEqual([13, 310]);
    expect(reasonOf(g.check('{ a: orders(first: 100) { edges { node { items { skuId } } } } b: orders(first: 100) { edges { node { items { skuId } } } } }', {}, null))).toBe('accepted');
    expect(reasonOf(guard({ maxCost: 300 }).check('{ a: orders(first: 100) { edges { node { items { skuId } } } } }', {}, null))).toBe('BAD_USER_INPUT/QUERY_TOO_COSTLY');
  });

  it('prices a cached document by the values its page sizes read, also through fragments', () => {
    const g = guard({ maxCost: 300 });
    const doc = 'query P($n: Int) { ...F me { id } } fragment F on Query { orders(first: $n) { edges { node { orderNo items { skuId } } } } }';
    const costOf = (variables: Record<string, unknown>) => {
      const v = g.check(doc, variables, null);
      return v.ok ? v.cost : `${String(v.errors[0]!.extensions.reason)} ${String(v.errors[0]!.extensions.cost)}`;
    };
    // orders 10 + n × 3, me 10; a variable no page size reads changes nothing.
    expect([costOf({ n: 1 }), costOf({ n: 100 }), costOf({ n: 1, other: 7 }), costOf({ n: 2 }), costOf({}), costOf({ n: null }), costOf({ n: 100 })]).toEqual([23, 'QUERY_TOO_COSTLY 320', 23, 26, 23, 23, 'QUERY_TOO_COSTLY 320']);
  });

  it('refuses bad variables and unknown operations as client errors', () => {
    const g = guard();
    expect(reasonOf(g.check(operation('order'), { orderNo: 42 }, null))).toBe('BAD_USER_INPUT/INVALID_VARIABLES');
    expect(reasonOf(g.check(operation('order'), [], null))).toBe('BAD_USER_INPUT/INVALID_VARIABLES');
    expect(reasonOf(g.check(operation('order'), { orderNo: 'X' }, 'Nope'))).toBe('OPERATION_RESOLUTION_FAILURE/UNKNOWN_OPERATION');
    expect(reasonOf(g.check('query {', {}, null))).toBe('GRAPHQL_PARSE_FAILED/SYNTAX_ERROR');
    expect(reasonOf(g.check('query { nope }', {}, null))).toBe('GRAPHQL_VALIDATION_FAILED/');
    expect(reasonOf(g.check(42, {}, null))).toBe('BAD_REQUEST/QUERY_MISSING');
  });

  it('refuses introspection in production only', () => {
    expect(reasonOf(guard({ introspection: false }).check('{ __schema { types { name } } }', {}, null))).toBe('GRAPHQL_VALIDATION_FAILED/INTROSPECTION_DISABLED');
    expect(reasonOf(guard({ introspection: false }).check('{ __typename }', {}, null))).toBe('accepted');
    expect(reasonOf(guard().check('{ __schema { types { name } } }', {}, null))).toBe('accepted');
  });

  it('judges a document once: the same text is answered from the cache', () => {
    const g = guard();
    const first = g.check(fragmentCycle(3), {}, null);
    const again = g.check(fragmentCycle(3), {}, null);
    expect(first.ok || again.ok || first.errors === again.errors).toBe(true);
    const a = g.check('{ me { id } }', {}, null);
    const b = g.check('{ me { id } }', {}, null);
    expect(a.ok && b.ok && a.document === b.document).toBe(true);
  });
});
