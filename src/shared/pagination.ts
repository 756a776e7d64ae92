/**
 * Keyset (cursor) pagination shared by every listing: page-size and cursor checks, the opaque
 * cursor codec, `Page<T>` and the GraphQL `PageInfo` type. Cursors are base64url of a small JSON
 * object; clients must not parse them, and anything that does not decode to the shape the listing
 * expects is BAD_USER_INPUT (INVALID_CURSOR).
 */
// PageInfo's decorators need the metadata polyfill even where only the pure helpers are wanted
// (store.model.ts is loaded without the schema).
import 'reflect-metadata';
import { Field, ObjectType } from 'type-graphql';
import { AppError } from './errors.js';

/** Page size when the client does not say; and the most a client may ask for. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export const PageErrors = {
  invalidCursor: () => AppError.badInput('after is not a cursor this list issued', 'INVALID_CURSOR', 'after'),
  invalidFirst: (max: number) => AppError.badInput(`first must be between 1 and ${max}`, 'INVALID_PAGE_SIZE', 'first'),
  invalidId: (field: string) => AppError.badInput(`${field} is not a valid id`, 'INVALID_ID', field),
};

export function checkPageSize(first: number | null | undefined): number {
  const n = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw PageErrors.invalidFirst(MAX_PAGE_SIZE);
  return n;
}

/** Parses a GraphQL ID that must be a positive integer. */
export function parseId(value: string | number | null | undefined, field: string): number {
  const text = String(value ?? '');
  if (!/^[1-9]\d{0,15}$/.test(text)) throw PageErrors.invalidId(field);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n > 2_147_483_647) throw PageErrors.invalidId(field);
  return n;
}

/** The opaque cursor of a position (its fields in the order given). */
export function encodeOpaqueCursor(position: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The object inside a cursor (undefined when there is none); the listing checks its fields. */
export function decodeOpaqueCursor(cursor: string | null | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  if (cursor.length === 0 || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw PageErrors.invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw PageErrors.invalidCursor();
  }
  if (parsed === null || typeof parsed !== 'object') throw PageErrors.invalidCursor();
  return parsed as Record<string, unknown>;
}

/** A cursor field that must be a safe integer of at least `min` (ids: 1, distances: 0). */
export function cursorInteger(position: Record<string, unknown>, field: string, min = 1): number {
  const value = position[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw PageErrors.invalidCursor();
  return value;
}

/** The cursor of a listing in id order: `{ id }`. */
export function encodeCursor(position: { id: number }): string {
  return encodeOpaqueCursor({ id: position.id });
}

export function decodeCursor(cursor: string | null | undefined): { id: number } | undefined {
  const position = decodeOpaqueCursor(cursor);
  return position === undefined ? undefined : { id: cursorInteger(position, 'id') };
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
