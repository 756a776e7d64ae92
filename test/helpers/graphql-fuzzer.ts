import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { aliasFlood, deepNesting, directiveFlood, fragmentCycle, fragmentExplosion, tokenFlood } from './hostile-documents.js';

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzCase {
  kind: 'random' | 'malformed' | 'hostile';
  query: string;
  variables: Record<string, unknown>;
  /** For hostile documents: the guard reason that must refuse it. */
  expectedReason?: string;
}

/** Root fields left out: they would end the fuzzing client's own session or mint new ones. */
const SKIPPED_ROOT_FIELDS = new Set(['logout', 'login', 'adminLogin']);

/**
 * Random GraphQL documents from the schema (fields, arguments with right and wrong literals,
 * variables, aliases, fragments, directives, depth), malformed variants of them, and the hostile
 * shapes the guards exist for, with the guard reason each must get.
 */
export class GraphqlFuzzer {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly random: () => number,
  ) {}

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }
  private chance(p: number): boolean {
    return this.random() < p;
  }

  next(): FuzzCase {
    const roll = this.random();
    if (roll < 0.15) return this.hostile();
    const valid = this.randomDocument();
    if (roll < 0.35) return { kind: 'malformed', query: this.mangle(valid.query), variables: valid.variables };
    return valid;
  }

  hostile(): FuzzCase {
    const kinds: (() => FuzzCase)[] = [
      () => ({ kind: 'hostile', query: fragmentExplosion(this.int(12, 400)), variables: {}, expectedReason: 'TOO_MANY_FIELDS' }),
      () => ({ kind: 'hostile', query: fragmentCycle(this.int(1, 50)), variables: {}, expectedReason: 'FRAGMENT_CYCLE' }),
      () => ({ kind: 'hostile', query: aliasFlood(this.int(31, 700)), variables: {}, expectedReason: 'TOO_MANY_ALIASES' }),
      () => ({ kind: 'hostile', query: deepNesting(this.int(9, 4000)), variables: {}, expectedReason: 'QUERY_TOO_DEEP' }),
      () => ({ kind: 'hostile', query: directiveFlood(this.int(51, 600)), variables: {}, expectedReason: 'TOO_MANY_DIRECTIVES' }),
      () => ({ kind: 'hostile', query: tokenFlood(this.int(5100, 14000)), variables: {}, expectedReason: 'TOO_MANY_TOKENS' }),
      () => ({ kind: 'hostile', query: `query Huge { ${'__typename '.repeat(this.int(3100, 20000))} }`, variables: {}, expectedReason: 'DOCUMENT_TOO_LARGE' }),
    ];
    return this.pick(kinds)();
  }

  randomDocument(): FuzzCase {
    const roll = this.random();
    const kind = roll < 0.6 ? 'query' : roll < 0.9 ? 'mutation' : 'subscription';
    const root = kind === 'query' ? this.schema.getQueryType() : kind === 'mutation' ? this.schema.getMutationType() : this.schema.getSubscriptionType();
    const variables: Record<string, unknown> = {};
    const definitions: string[] = [];
    const fragments: string[] = [];
    const fields = Object.values(root!.getFields()).filter((f) => !SKIPPED_ROOT_FIELDS.has(f.name));
    const count = kind === 'query' ? this.int(1, 3) : 1;
    const selections: string[] = [];
    for (let i = 0; i < count; i++) {
      const field = this.pick(fields);
      selections.push(this.fieldSelection(field, 0, variables, definitions, fragments, i));
    }
    const varDefs = definitions.length > 0 ? `(${definitions.join(', ')})` : '';
    const name = this.chance(0.5) ? `Fuzz${this.int(0, 1e6)}` : '';
    return { kind: 'random', query: [`${kind} ${name}${varDefs} { ${selections.join(' ')} }`, ...fragments].join('\n'), variables };
  }

  private fieldSelection(field: { name: string; args: readonly { name: string; type: GraphQLInputType }[]; type: unknown }, depth: number, variables: Record<string, unknown>, definitions: string[], fragments: string[], index: number): string {
    const args: string[] = [];
    for (const arg of field.args) {
      if (!isNonNullType(arg.type) && this.chance(0.5)) continue;
      if (this.chance(0.2)) {
        const v = `v${Object.keys(variables).length}`;
        definitions.push(`$${v}: ${String(arg.type)}`);
        variables[v] = this.chance(0.7) ? this.jsonValue(arg.type, 0) : this.pick([42, 'x', null, [], {}, true]);
        args.push(`${arg.name}: $${v}`);
      } else {
        args.push(`${arg.name}: ${this.literal(arg.type, 0)}`);
      }
    }
    const alias = this.chance(0.2) ? `a${index}_${this.int(0, 999)}: ` : '';
    const directive = this.chance(0.1) ? ` @${this.pick(['include', 'skip'])}(if: ${this.pick(['true', 'false'])})` : '';
    const head = `${alias}${field.name}${args.length > 0 ? `(${args.join(', ')})` : ''}${directive}`;
    const type = getNamedType(field.type as GraphQLInputType);
    if (isLeafType(type) || !isObjectType(type)) return head;
    return `${head} { ${this.selectionSet(type, depth + 1, variables, definitions, fragments)} }`;
  }

  private selectionSet(type: GraphQLObjectType, depth: number, variables: Record<string, unknown>, definitions: string[], fragments: string[]): string {
    const fields = Object.values(type.getFields());
    // Past the depth limit now and then, so the depth guard is fuzzed too.
    const leavesOnly = depth > this.int(2, 10);
    const candidates = leavesOnly ? fields.filter((f) => isLeafType(getNamedType(f.type))) : fields;
    const chosen = candidates.length > 0 ? candidates : fields;
    const parts: string[] = [];
    for (let i = 0, n = this.int(1, 4); i < n; i++) parts.push(this.fieldSelection(this.pick(chosen), depth, variables, definitions, fragments, i));
    if (this.chance(0.1)) parts.push('__typename');
    if (this.chance(0.1)) {
      const name = `Frag${fragments.length}_${this.int(0, 999)}`;
      fragments.push(`fragment ${name} on ${type.name} { ${this.fieldSelection(this.pick(chosen), depth, variables, definitions, fragments, 99)} }`);
      parts.push(`...${name}`);
    }
    if (this.chance(0.05)) parts.push(`... on ${type.name} { __typename }`);
    return parts.join(' ');
  }

  private literal(type: GraphQLInputType, depth: number): string {
    if (this.chance(0.08)) return this.pick(['null', '"wrong"', '12', '[1, 2]', '{ nope: 1 }', 'true', 'NOPE']);
    if (isNonNullType(type)) return this.literal(type.ofType, depth);
    if (isListType(type)) return `[${Array.from({ length: this.int(0, 3) }, () => this.literal(type.ofType, depth + 1)).join(', ')}]`;
    if (isEnumType(type)) return this.pick(type.getValues()).name;
    if (isInputObjectType(type)) {
      if (depth > 3) return '{}';
      const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || this.chance(0.4));
      return `{ ${fields.map((f) => `${f.name}: ${this.literal(f.type, depth + 1)}`).join(', ')} }`;
    }
    return JSON.stringify(this.scalar(isScalarType(type) ? type.name : 'String'));
  }

  private jsonValue(type: GraphQLInputType, depth: number): unknown {
    if (isNonNullType(type)) return this.jsonValue(type.ofType, depth);
    if (isListType(type)) return Array.from({ length: this.int(0, 3) }, () => this.jsonValue(type.ofType, depth + 1));
    if (isEnumType(type)) return this.pick(type.getValues()).name;
    if (isInputObjectType(type)) {
      if (depth > 3) return {};
      return Object.fromEntries(Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || this.chance(0.4)).map((f) => [f.name, this.jsonValue(f.type, depth + 1)]));
    }
    return this.scalar(isScalarType(type) ? type.name : 'String');
  }

  private scalar(name: string): unknown {
    switch (name) {
      case 'Int':
        return this.pick([0, 1, -1, 2, 20, 99, 100, 101, 2147483647, -2147483648]);
      case 'Float':
        return this.pick([0, 1.5, -90, 31.23, 121.47, 1e308, -1e-308]);
      case 'Boolean':
        return this.chance(0.5);
      case 'DateTime':
        return this.pick(['2026-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z', 'yesterday', '9999-12-31T23:59:59Z']);
      case 'ID':
        return this.pick(['1', '2', '0', '-1', '999999999999', 'abc', '1e3', ' 1', '']);
      default:
        return this.pick(['', 'x', 'NO-SUCH-ORDER', 'a'.repeat(300), '订单', 'clientReq-12345678', "'; drop table orders; --", '\u0000']);
    }
  }

  /** Cuts, duplicates or sprinkles punctuation into a document. */
  private mangle(text: string): string {
    let out = text;
    for (let i = 0, n = this.int(1, 4); i < n; i++) {
      const at = this.int(0, out.length);
      const op = this.int(0, 3);
      if (op === 0) out = out.slice(0, at);
      else if (op === 1) out = out.slice(0, at) + this.pick(['{', '}', '(', ')', '[', ']', ':', '$', '@', '!', '...', '"', '"""', '#', '\\', ',', '=', '|', '&']) + out.slice(at);
      else if (op === 2) out = out.slice(0, at) + out.slice(at + this.int(1, 20));
      else out = out.slice(0, at) + out.slice(Math.max(0, at - 30), at) + out.slice(at);
    }
    return out;
  }
}
