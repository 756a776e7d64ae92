import type { RedisClient } from '../../infra/redis/redis.js';

/** Counts units per key in fixed windows; the port the GraphQL edge uses for per-user mutation limits. */
export interface RateLimiter {
  /** True when `units` more fit in the key's current window (and counts them); false when over. */
  take(key: string, units: number): Promise<boolean>;
}

/**
 * Fixed-window counter in Redis (INCRBY + PEXPIRE NX): shared by every instance, one round trip.
 * Redis down = no limit, like the login throttle: the limit protects stock and WeChat, it must
 * not take the shop down with it.
 */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: { prefix: string; limit: number; windowMs: number },
  ) {}

  async take(key: string, units: number): Promise<boolean> {
    const k = `${this.options.prefix}${key}`;
    const result = await this.redis
      .multi()
      .incrby(k, units)
      .pexpire(k, this.options.windowMs, 'NX')
      .exec()
      .catch(() => null);
    const count = result?.[0]?.[1];
    return typeof count !== 'number' || count <= this.options.limit;
  }
}
