import type { RedisClient } from '../../infra/redis/redis.js';

/** Counts units per key in fixed windows; the port the GraphQL edge uses for per-user mutation limits. */
export interface RateLimiter {
  /** True when `units` more fit in the key's current window (and counts them); false when over. */
  take(key: string, units: number): Promise<boolean>;
}

const TAKE_COMMAND = 'wxshopRateTake';
/** INCRBY, and the window's expiry when the key has none: KEYS[1] counter, ARGV units, window ms. */
const TAKE_LUA = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return count
`;

type TakeCommand = (key: string, units: number, windowMs: number) => Promise<number>;

/**
 * Fixed-window counter in Redis, shared by every instance: one script call (one command, one
 * round trip; it runs on every mutation, where the MULTI/INCRBY/PEXPIRE/EXEC it replaces was four).
 * Redis down = no limit, like the login throttle: the limit protects stock and WeChat, it must
 * not take the shop down with it.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly takeCommand: TakeCommand;

  constructor(
    redis: RedisClient,
    private readonly options: { prefix: string; limit: number; windowMs: number },
  ) {
    const commands = redis as unknown as Record<string, TakeCommand>;
    if (typeof commands[TAKE_COMMAND] !== 'function') redis.defineCommand(TAKE_COMMAND, { numberOfKeys: 1, lua: TAKE_LUA });
    this.takeCommand = commands[TAKE_COMMAND]!.bind(redis);
  }

  async take(key: string, units: number): Promise<boolean> {
    const count = await this.takeCommand(`${this.options.prefix}${key}`, units, this.options.windowMs).catch(() => null);
    return typeof count !== 'number' || count <= this.options.limit;
  }
}
