import { Field, ObjectType } from 'type-graphql';
import { CatalogErrors } from './catalog.errors.js';

/** Page size when the client does not say; and the most a client may ask for. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/**
 * Opaque keyset cursors: base64url of a small JSON object (`{ id }`). Clients must not parse
 * them; anything that does not decode to the expected shape is BAD_USER_INPUT.
 */
export function encodeCursor(position: { id: number }): string {
  return Buffer.from(JSON.stringify({ id: position.id }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): { id: number } | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  if (cursor.length === 0 || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw CatalogErrors.invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw CatalogErrors.invalidCursor();
  }
  const id = (parsed as { id?: unknown } | null)?.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw CatalogErrors.invalidCursor();
  return { id };
}

export function checkPageSize(first: number | null | undefined): number {
  const n = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw CatalogErrors.invalidFirst(MAX_PAGE_SIZE);
  return n;
}

/** Parses a GraphQL ID that must be a positive integer. */
export function parseId(value: string | number | null | undefined, field: string): number {
  const text = String(value ?? '');
  if (!/^[1-9]\d{0,15}$/.test(text)) throw CatalogErrors.invalidId(field);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n > 2_147_483_647) throw CatalogErrors.invalidId(field);
  return n;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Builds a page from `limit + 1` rows fetched in keyset order. */
export function toPage<T extends { id: number }, N>(rows: T[], limit: number, node: (row: T) => N): Page<N> {
  const hasNextPage = rows.length > limit;
  const kept = rows.slice(0, limit);
  const edges = kept.map((row) => ({ cursor: encodeCursor(row), node: node(row) }));
  return { edges, pageInfo: { hasNextPage, endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : null } };
}

@ObjectType('PageInfo', { description: 'Relay-style page information for cursor pagination.' })
export class PageInfoType {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}
