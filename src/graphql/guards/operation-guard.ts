import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { braceNesting, measureDocument, type OperationShape } from './document-shape.js';
import { operationCost } from './operation-cost.js';
import { subscriptionRootDirective } from './subscription-root.js';

/** The limits every operation passes, on HTTP and WebSocket alike (defaults in config.ts). */
export interface OperationLimits {
  maxDocumentBytes: number;
  maxTokens: number;
  maxDepth: number;
  maxFields: number;
  maxAliases: number;
  maxDirectives: number;
  maxCost: number;
  /** Refuse introspection (production). */
  introspection: boolean;
}

/** Mutation fields that reserve or release stock: at most one per request. */
export const STOCK_MUTATIONS: ReadonlySet<string> = new Set(['placeOrder', 'cancelOrder']);
/** graphql-js stops validating after this many errors (its `maxErrors`). */
const MAX_VALIDATION_ERRORS = 25;
/** Distinct documents whose verdict is remembered, and the text they may hold in all. */
const CACHE_ENTRIES = 1_000;
const CACHE_TEXT_BYTES = 2 * 1024 * 1024;
/** Costs remembered per operation, one per distinct value of the variables the cost reads. */
const COSTS_PER_OPERATION = 64;
/** `{` nesting allowed before parsing, beyond the depth limit (inline fragments, input objects). */
const NESTING_SLACK = 16;

export interface AcceptedOperation {
  ok: true;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  shape: OperationShape;
  cost: number;
  /** Mutation fields the request runs (aliases included); what per-user mutation limits count. */
  mutationFields: number;
}
export interface RefusedOperation {
  ok: false;
  errors: GraphQLError[];
}
export type GuardVerdict = AcceptedOperation | RefusedOperation;

type DocumentVerdict = { ok: true; document: DocumentNode; shapes: Map<OperationDefinitionNode, OperationShape> } | RefusedOperation;

function refusal(message: string, code: string, reason: string, extra: Record<string, unknown> = {}): RefusedOperation {
  return { ok: false, errors: [new GraphQLError(message, { extensions: { code, reason, ...extra } })] };
}

/**
 * The cost of an operation depends on the document and on the values of the variables its `first`
 * arguments read, nothing else: those variables' names, and the costs already computed by their
 * values.
 */
interface CostMemo {
  variables: readonly string[];
  byValues: Map<string, number>;
}

/** Names of the variables used in any `first` argument of the document (fragments included). */
function pageSizeVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (value: ValueNode): void => {
    if (value.kind === Kind.VARIABLE) names.add(value.name.value);
    else if (value.kind === Kind.LIST) value.values.forEach(collect);
    else if (value.kind === Kind.OBJECT) value.fields.forEach((f) => collect(f.value));
  };
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const n = node as { kind?: string; name?: { value: string }; value?: ValueNode };
    if (n.kind === Kind.ARGUMENT && n.name?.value === 'first' && n.value) collect(n.value);
    for (const [key, child] of Object.entries(node)) if (key !== 'loc') walk(child);
  };
  walk(document);
  return [...names];
}

/**
 * parse → cheap structural guards (all linear in the document) → graphql-js validation → cost.
 * Everything up to validation depends on the text alone, so its verdict is cached per distinct
 * document (LRU): a client repeating an operation pays a map lookup and variables coercion; its
 * cost is computed once per distinct value of the variables it reads.
 */
export class OperationGuard {
  readonly #cache = new Map<string, DocumentVerdict>();
  /** Per operation node of a cached document; dropped with it. */
  readonly #costs = new WeakMap<OperationDefinitionNode, CostMemo>();
  #cachedBytes = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    readonly limits: OperationLimits,
  ) {}

  check(query: unknown, variables: unknown, operationName: unknown): GuardVerdict {
    if (typeof query !== 'string' || query.trim() === '') return refusal('the request has no GraphQL document (`query`)', 'BAD_REQUEST', 'QUERY_MISSING');
    if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
      return refusal('`variables` must be an object', 'BAD_USER_INPUT', 'INVALID_VARIABLES');
    }
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
      return refusal('`operationName` must be a string', 'BAD_REQUEST', 'INVALID_OPERATION_NAME');
    }
    const verdict = this.#documentVerdict(query);
    if (!verdict.ok) return verdict;

    const operation = getOperationAST(verdict.document, operationName ?? undefined);
    if (!operation) {
      return refusal(operationName ? `no operation named "${operationName}" in the document` : 'the document has several operations: name one in `operationName`', 'OPERATION_RESOLUTION_FAILURE', 'UNKNOWN_OPERATION');
    }
    const shape = verdict.shapes.get(operation)!;
    const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], (variables ?? {}) as Record<string, unknown>, { maxErrors: MAX_VALIDATION_ERRORS });
    if (coerced.errors) {
      return { ok: false, errors: coerced.errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_VARIABLES' } })) };
    }
    const cost = this.#cost(verdict.document, operation, coerced.coerced);
    if (cost > this.limits.maxCost) {
      return refusal(`query cost ${cost} exceeds the limit of ${this.limits.maxCost}`, 'BAD_USER_INPUT', 'QUERY_TOO_COSTLY', { cost, maxCost: this.limits.maxCost });
    }
    let mutationFields = 0;
    if (operation.operation === 'mutation') {
      let stock = 0;
      for (const [name, n] of shape.rootFields) {
        if (name === '__typename') continue;
        mutationFields += n;
        if (STOCK_MUTATIONS.has(name)) stock += n;
      }
      if (stock > 1) {
        return refusal(`a request may carry at most one of ${[...STOCK_MUTATIONS].join(', ')} (this one has ${stock})`, 'BAD_USER_INPUT', 'TOO_MANY_STOCK_MUTATIONS', { limit: 1 });
      }
    }
    return { ok: true, document: verdict.document, operation, shape, cost, mutationFields };
  }

  #cost(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number {
    let memo = this.#costs.get(operation);
    if (!memo) {
      memo = { variables: pageSizeVariables(document), byValues: new Map() };
      this.#costs.set(operation, memo);
    }
    // undefined (absent) and null stay distinct in the key.
    const key = JSON.stringify(memo.variables.map((name) => (variables[name] === undefined ? { absent: true } : variables[name])));
    let cost = memo.byValues.get(key);
    if (cost === undefined) {
      cost = operationCost(this.schema, document, operation, variables);
      if (memo.byValues.size >= COSTS_PER_OPERATION) memo.byValues.clear();
      memo.byValues.set(key, cost);
    }
    return cost;
  }

  #documentVerdict(query: string): DocumentVerdict {
    const cached = this.#cache.get(query);
    if (cached) {
      // LRU: most recently used last.
      this.#cache.delete(query);
      this.#cache.set(query, cached);
      return cached;
    }
    const verdict = this.#judge(query);
    const bytes = query.length;
    if (bytes <= CACHE_TEXT_BYTES / 8) {
      this.#cache.set(query, verdict);
      this.#cachedBytes += bytes;
      for (const [key] of this.#cache) {
        if (this.#cache.size <= CACHE_ENTRIES && this.#cachedBytes <= CACHE_TEXT_BYTES) break;
        this.#cache.delete(key);
        this.#cachedBytes -= key.length;
      }
    }
    return verdict;
  }

  #judge(query: string): DocumentVerdict {
    const limits = this.limits;
    const bytes = Buffer.byteLength(query);
    if (bytes > limits.maxDocumentBytes) {
      return refusal(`the document is ${bytes} bytes (limit ${limits.maxDocumentBytes})`, 'GRAPHQL_VALIDATION_FAILED', 'DOCUMENT_TOO_LARGE', { limit: limits.maxDocumentBytes });
    }
    const nesting = braceNesting(query);
    if (nesting > limits.maxDepth + NESTING_SLACK) {
      return refusal(`the document nests ${nesting} levels deep, which exceeds maximum operation depth of ${limits.maxDepth}`, 'GRAPHQL_VALIDATION_FAILED', 'QUERY_TOO_DEEP', { limit: limits.maxDepth });
    }
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: limits.maxTokens, noLocation: false });
    } catch (err) {
      const message = (err as Error).message;
      // graphql-js spells it "more that N tokens".
      const tooManyTokens = /more th(?:an|at) \d+ tokens/.test(message);
      return refusal(message, 'GRAPHQL_PARSE_FAILED', tooManyTokens ? 'TOO_MANY_TOKENS' : 'SYNTAX_ERROR', tooManyTokens ? { limit: limits.maxTokens } : {});
    }
    const measured = measureDocument(document);
    if (!measured.ok) {
      return refusal(`fragments spread each other in a cycle: ${measured.cycle.join(' → ')}`, 'GRAPHQL_VALIDATION_FAILED', 'FRAGMENT_CYCLE');
    }
    for (const [op, shape] of measured.operations) {
      const name = op.name?.value ?? 'anonymous';
      if (shape.depth > limits.maxDepth) return refusal(`'${name}' exceeds maximum operation depth of ${limits.maxDepth}`, 'GRAPHQL_VALIDATION_FAILED', 'QUERY_TOO_DEEP', { limit: limits.maxDepth });
      if (shape.aliases > limits.maxAliases) return refusal(`'${name}' has ${fmt(shape.aliases)} aliases (limit ${limits.maxAliases})`, 'GRAPHQL_VALIDATION_FAILED', 'TOO_MANY_ALIASES', { limit: limits.maxAliases });
      if (shape.directives > limits.maxDirectives) return refusal(`'${name}' has ${fmt(shape.directives)} directives (limit ${limits.maxDirectives})`, 'GRAPHQL_VALIDATION_FAILED', 'TOO_MANY_DIRECTIVES', { limit: limits.maxDirectives });
      if (shape.fields > limits.maxFields) return refusal(`'${name}' expands to ${fmt(shape.fields)} fields (limit ${limits.maxFields})`, 'GRAPHQL_VALIDATION_FAILED', 'TOO_MANY_FIELDS', { limit: limits.maxFields });
    }
    // Before validate: graphql-js 16's SingleFieldSubscriptionsRule itself throws on `@include(if: $var)` there.
    for (const op of measured.operations.keys()) {
      const rootDirective = subscriptionRootDirective(document, op);
      if (rootDirective) return refusal(`a subscription's root field cannot carry @${rootDirective}: it must select exactly one field`, 'GRAPHQL_VALIDATION_FAILED', 'SUBSCRIPTION_ROOT_DIRECTIVE');
    }
    const rules = limits.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
    const errors = validate(this.schema, document, rules, { maxErrors: MAX_VALIDATION_ERRORS });
    if (errors.length > 0) {
      const introspection = errors.some((e) => /introspection/i.test(e.message));
      return {
        ok: false,
        errors: errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...(introspection ? { reason: 'INTROSPECTION_DISABLED' } : {}) } })),
      };
    }
    return { ok: true, document, shapes: measured.operations };
  }
}

const fmt = (n: number) => (n >= 1e15 ? 'more than 10^15' : String(n));
