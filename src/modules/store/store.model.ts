import { cursorInteger, decodeOpaqueCursor, encodeOpaqueCursor, PageErrors } from '../../shared/pagination.js';
import type { StoreRow, StoreStatus } from './store.entity.js';
import { StoreErrors } from './store.errors.js';

/** Business hours are wall-clock times in this zone (UTC+8, no daylight saving). */
export const STORE_TIME_ZONE = 'Asia/Shanghai';
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/**
 * What the cache holds and every reader gets: plain JSON (timestamps as ISO strings), never an
 * entity. Shared between callers: treat as read-only.
 */
export interface StoreDto {
  id: number;
  name: string;
  city: string;
  address: string;
  latitude: number;
  longitude: number;
  phone: string;
  openTime: string;
  closeTime: string;
  status: StoreStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toStoreDto(row: Pick<StoreRow, keyof StoreDto>): StoreDto {
  return {
    id: row.id,
    name: row.name,
    city: row.city,
    address: row.address,
    latitude: Number(row.latitude),
    longitude: Number(row.longitude),
    phone: row.phone,
    openTime: row.openTime,
    closeTime: row.closeTime,
    status: row.status,
    version: row.version,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

function toIso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

/** The wall-clock time "HH:mm" in Asia/Shanghai at `now`. */
export function shanghaiClock(now: Date = new Date()): string {
  return new Date(now.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(11, 16);
}

/**
 * Whether a store with these hours is open at the wall-clock time `clock` ("HH:mm").
 * `closeTime` "24:00" is the end of the day; a `closeTime` before `openTime` spans midnight.
 * Must agree with the SQL in StoreRepository (OPEN_NOW_SQL).
 */
export function isOpenAt(store: Pick<StoreDto, 'status' | 'openTime' | 'closeTime'>, clock: string): boolean {
  if (store.status !== 'OPEN') return false;
  const { openTime: open, closeTime: close } = store;
  if (open <= close) return open <= clock && clock < close;
  return clock >= open || clock < close;
}

// ---------------------------------------------------------------------------------------------
// Input validation (every failure is BAD_USER_INPUT with a stable reason and the field).

const TIME_PATTERN = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const PHONE_PATTERN = /^[0-9+()\- ]{5,20}$/;

export interface StorePatch {
  name?: string;
  city?: string;
  address?: string;
  latitude?: number;
  longitude?: number;
  phone?: string;
  openTime?: string;
  closeTime?: string;
  status?: StoreStatus;
}

export type NewStore = Required<StorePatch>;

const REQUIRED_ON_CREATE: (keyof StorePatch)[] = ['name', 'city', 'address', 'latitude', 'longitude', 'phone', 'openTime', 'closeTime'];

export function checkLatitude(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < -90 || value > 90) throw StoreErrors.invalidLatitude(field);
  return value;
}

export function checkLongitude(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < -180 || value > 180) throw StoreErrors.invalidLongitude(field);
  return value;
}

function text(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) throw StoreErrors.invalidField(field, `must be 1 to ${max} characters`);
  return trimmed;
}

/** Validates and normalises a patch (fields absent or null are left unchanged). */
export function checkPatch(input: { [K in keyof StorePatch]?: StorePatch[K] | null }): StorePatch {
  const out: StorePatch = {};
  if (input.name != null) out.name = text(input.name, 'input.name', 64);
  if (input.city != null) out.city = text(input.city, 'input.city', 32);
  if (input.address != null) out.address = text(input.address, 'input.address', 200);
  if (input.latitude != null) out.latitude = round6(checkLatitude(input.latitude, 'input.latitude'));
  if (input.longitude != null) out.longitude = round6(checkLongitude(input.longitude, 'input.longitude'));
  if (input.phone != null) {
    const phone = input.phone.trim();
    if (!PHONE_PATTERN.test(phone)) throw StoreErrors.invalidField('input.phone', 'must be 5 to 20 digits, spaces, +, -, ( or )');
    out.phone = phone;
  }
  if (input.openTime != null) {
    if (!TIME_PATTERN.test(input.openTime)) throw StoreErrors.invalidField('input.openTime', 'must be HH:mm (00:00 to 23:59)');
    out.openTime = input.openTime;
  }
  if (input.closeTime != null) {
    if (!TIME_PATTERN.test(input.closeTime) && input.closeTime !== '24:00') throw StoreErrors.invalidField('input.closeTime', 'must be HH:mm (00:01 to 24:00)');
    out.closeTime = input.closeTime;
  }
  if (input.status != null) out.status = input.status;
  return out;
}

export function checkNewStore(patch: StorePatch): NewStore {
  for (const field of REQUIRED_ON_CREATE) if (patch[field] === undefined) throw StoreErrors.missingField(`input.${field}`);
  return { status: 'OPEN', ...patch } as NewStore;
}

/** Hours must describe a non-empty window; called on the merged values (create and update). */
export function checkHours(openTime: string, closeTime: string): void {
  if (openTime === closeTime) throw StoreErrors.invalidField('input.closeTime', 'must differ from openTime (use 00:00 to 24:00 for all day)');
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** A GraphQL ID that must be a positive 32-bit integer. */
export function parseStoreId(value: string | number | null | undefined, field: string): number {
  const text = String(value ?? '');
  if (!/^[1-9]\d{0,9}$/.test(text)) throw StoreErrors.invalidId(field);
  const n = Number(text);
  if (n > 2_147_483_647) throw StoreErrors.invalidId(field);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Cursors (src/shared/pagination.ts) of the sort key + id. Plain listings sort by id; `near`
// listings by (distance in whole millimetres, id). Integer keys compare exactly, so pages never
// overlap or skip.

export type StoreCursor = { k: 'id'; id: number } | { k: 'near'; d: number; id: number };

export function encodeStoreCursor(cursor: StoreCursor): string {
  return encodeOpaqueCursor(cursor);
}

export function decodeStoreCursor(cursor: string | null | undefined, mode: 'id' | 'near'): StoreCursor | undefined {
  const position = decodeOpaqueCursor(cursor);
  if (position === undefined) return undefined;
  if (position.k !== mode) throw PageErrors.invalidCursor();
  const id = cursorInteger(position, 'id');
  if (mode === 'id') return { k: 'id', id };
  return { k: 'near', d: cursorInteger(position, 'd', 0), id };
}

/** The validated listing filter. */
export interface StoreListFilter {
  city?: string;
  near?: { latitude: number; longitude: number };
  openNow?: boolean;
}

export function checkFilter(filter: { city?: string | null; near?: { latitude?: number | null; longitude?: number | null } | null; openNow?: boolean | null } | null | undefined): StoreListFilter {
  const out: StoreListFilter = {};
  if (!filter) return out;
  if (filter.city != null) out.city = text(filter.city, 'filter.city', 32);
  if (filter.near != null) {
    out.near = {
      latitude: checkLatitude(filter.near.latitude, 'filter.near.latitude'),
      longitude: checkLongitude(filter.near.longitude, 'filter.near.longitude'),
    };
  }
  if (filter.openNow) out.openNow = true;
  return out;
}
