/**
 * Documents an attacker sends, shared by the hostile-client suite, the fuzzer and bench/edge.
 * Each is small on the wire and was (before the guards) expensive to look at or to run.
 */

/** `n` fragments, each spreading the next twice: 2^n fields once expanded, ~40 bytes per fragment. */
export function fragmentExplosion(n: number): string {
  const parts = ['query Explode { ...F0 }'];
  for (let i = 0; i < n; i++) parts.push(`fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  parts.push(`fragment F${n} on Query { __typename }`);
  return parts.join('\n');
}

/** Fragments spreading each other in a ring (graphql-depth-limit overflowed its stack on these). */
export function fragmentCycle(n = 2): string {
  const parts = ['query Cycle { ...C0 }'];
  for (let i = 0; i < n; i++) parts.push(`fragment C${i} on Query { ...C${(i + 1) % n} }`);
  return parts.join('\n');
}

/** `n` aliases of one field: `a0: me { id } a1: me { id } ...`. */
export function aliasFlood(n: number, selection = 'me { id }'): string {
  return `query Aliases { ${Array.from({ length: n }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;
}

/** `n` directives on one field. */
export function directiveFlood(n: number): string {
  return `query Directives { __typename ${Array.from({ length: n }, () => '@include(if: true)').join(' ')} }`;
}

/** A field nested `n` deep by braces alone (`{ a { a { ... } } }`), unparseable by a recursive parser at scale. */
export function deepNesting(n: number): string {
  return `query Deep ${'{ me '.repeat(n)}{ id }${' }'.repeat(n)}`;
}

/** Many tokens in few bytes and one field: a long list argument (2 bytes a token). */
export function tokenFlood(n: number): string {
  return `query Tokens { __typename(x: [${'1 '.repeat(n)}]) }`;
}

/** Several stock-changing mutations in one request (one account hoarding a store's stock). */
export function aliasedPlaceOrders(n: number, storeId: string, skuId: string, quantity: number): string {
  const orders = Array.from(
    { length: n },
    (_, i) => `o${i}: placeOrder(input: { storeId: "${storeId}", clientRequestId: "hoard-${Date.now()}-${i}", items: [{ skuId: "${skuId}", quantity: ${quantity} }] }) { orderNo }`,
  );
  return `mutation Hoard { ${orders.join(' ')} }`;
}

/** The trivial query every measurement compares against. */
export const TRIVIAL_QUERY = 'query Trivial { __typename }';
