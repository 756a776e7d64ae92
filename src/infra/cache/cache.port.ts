/**
 * A read-through cache of versioned values, kept fresh across BFF instances by broadcast
 * invalidation (DESIGN.md, "stores").
 *
 * Every value carries a version (e.g. the row's `version` column, incremented on every update).
 * A cache never replaces a newer version with an older one, so a slow loader or a late writer
 * cannot bring an old value back.
 *
 * Values returned by `get`/`getMany` may be shared with other callers in the same process:
 * treat them as read-only.
 *
 * Write path, for the module that owns the data:
 * 1. commit the change in MySQL (bumping its version);
 * 2. `set(key, value, version)` (or `remove(key, version)` for a deleted row);
 * 3. broadcast `{ key, version }` (TopicStoreChanged); every instance, including this one, calls
 *    `applyRemoteChange(key, version)` when the message arrives.
 */
export interface Cache<T> {
  /** The value for `key`, or null when the loader says it does not exist. Never throws for cache trouble; loader errors propagate. */
  get(key: string): Promise<T | null>;

  /** Like `get` for several keys at once; the result is aligned with `keys` (null where absent). */
  getMany(keys: readonly string[]): Promise<(T | null)[]>;

  /**
   * Write-through after a DB commit: stores `value` at `version` in every level, unless a newer
   * version is already there. Never throws for cache trouble.
   */
  set(key: string, value: T, version: number): Promise<void>;

  /**
   * Records that `key` no longer exists as of `version` (a versioned tombstone), so older values
   * cannot come back from a slow loader or a late writer. Never throws for cache trouble.
   */
  remove(key: string, version: number): Promise<void>;

  /**
   * What an invalidation broadcast calls: drops this process's copy of `key` so the next read
   * goes to the shared level. With `version`, a local copy at that version or newer is kept, and
   * any shared copy older than `version` is treated as a miss (so a lost Redis write still heals).
   */
  applyRemoteChange(key: string, version?: number): void;

  /** Drops this process's copy of `key`. */
  evictLocal(key: string): void;

  /** Drops every key from this process's level. */
  evictAll(): void;

  /** Stops timers; the cache must not be used afterwards. Does not close the Redis client (the caller owns it). */
  close(): void;
}
