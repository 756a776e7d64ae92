import type { Cluster, RedisClient } from '../../infra/redis/redis.js';

/**
 * Redis keys of one activity. Every key carries the hash tag `{sk:<id>}`, so in a Redis Cluster
 * they all live in one slot and one Lua script may touch them all (different activities spread
 * over the cluster). The client's key prefix comes first; it cannot contain a brace (config regex).
 */
export function activityKeys(activityId: number) {
  const tag = `{sk:${activityId}}`;
  return {
    /** Hash: startsAt, endsAt (epoch ms), limit, stock (initial), seq, admitted, returned. */
    meta: `${tag}:meta`,
    /** String: units Redis may still admit. */
    stock: `${tag}:stock`,
    /** Hash userId → admitted attempts (the per-user limit). */
    users: `${tag}:users`,
    /** Hash `<userId>:<clientRequestId>` → attemptId (same clientRequestId, same attempt). */
    requests: `${tag}:req`,
    /** Hash attemptId → `userId|status|reason|orderNo`. */
    attempts: `${tag}:att`,
    /** Stream of admitted attempts: the relay publishes TopicSeckillOrder from it. */
    queue: `${tag}:queue`,
    /** Set of attemptIds whose unit came back (a cancelled order): each comes back once. */
    returned: `${tag}:returned`,
    userRate: (userId: number) => `${tag}:rl:u:${userId}`,
    ipRate: (ip: string) => `${tag}:rl:ip:${ip}`,
  };
}

/** The consumer group of every activity stream. */
export const RELAY_GROUP = 'relay';

/**
 * Admission of a batch of attempts on one activity, in one round trip and one atomic script run:
 * each attempt is decided in turn exactly as if it had come alone (idempotency by
 * clientRequestId, per-user and per-IP rate limits, the time window, the per-user limit and the
 * stock), and an admitted attempt is appended to the activity's stream in the same run, so it can
 * never be admitted and not queued. Batching is what lets one API process admit tens of
 * thousands of attempts a second: a script run's fixed cost (and the client's per-command cost)
 * is paid once per batch, not per attempt.
 *
 * One result per attempt, in order: {'MISSING'} (activity not loaded), {'TRANSIENT', reason}
 * (not recorded: RATE_LIMITED, NOT_STARTED; the same clientRequestId may be sent again),
 * {'EXISTING'|'NEW', attemptId, 'userId|status|reason|orderNo'}.
 *
 * KEYS: meta stock users requests attempts queue, then per attempt: userRate ipRate
 * ARGV: activityId nowMs userRateLimit ipRateLimit rateWindowMs count, then per attempt: userId clientRequestId
 */
const ADMIT_BATCH = `
local count = tonumber(ARGV[6])
local out = {}
local meta = redis.call('HMGET', KEYS[1], 'startsAt', 'endsAt', 'limit')
if not meta[1] then
  for i = 1, count do out[i] = {'MISSING'} end
  return out
end
local now = tonumber(ARGV[2])
local userLimit = tonumber(ARGV[3])
local ipLimit = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local startsAt = tonumber(meta[1])
local endsAt = tonumber(meta[2])
local perUser = tonumber(meta[3])
local function limited(key, limit)
  if limit <= 0 then return false end
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, window) end
  return n > limit
end
local function admit(user, request, userRateKey, ipRateKey)
  local field = user .. ':' .. request
  local existing = redis.call('HGET', KEYS[4], field)
  if existing then return {'EXISTING', existing, redis.call('HGET', KEYS[5], existing) or ''} end
  if limited(userRateKey, userLimit) or limited(ipRateKey, ipLimit) then return {'TRANSIENT', 'RATE_LIMITED'} end
  if now < startsAt then return {'TRANSIENT', 'NOT_STARTED'} end
  local attemptId = ARGV[1] .. '-' .. redis.call('HINCRBY', KEYS[1], 'seq', 1)
  local status = 'QUEUED'
  local reason = ''
  if now >= endsAt then
    status = 'REJECTED'
    reason = 'ENDED'
  elseif tonumber(redis.call('HGET', KEYS[3], user) or '0') >= perUser then
    status = 'REJECTED'
    reason = 'LIMIT_REACHED'
  elseif tonumber(redis.call('GET', KEYS[2]) or '0') <= 0 then
    status = 'SOLD_OUT'
    reason = 'SOLD_OUT'
  else
    redis.call('DECR', KEYS[2])
    redis.call('HINCRBY', KEYS[3], user, 1)
    redis.call('HINCRBY', KEYS[1], 'admitted', 1)
    redis.call('XADD', KEYS[6], '*', 'a', attemptId, 'u', user)
  end
  local value = user .. '|' .. status .. '|' .. reason .. '|'
  redis.call('HSET', KEYS[5], attemptId, value)
  redis.call('HSET', KEYS[4], field, attemptId)
  return {'NEW', attemptId, value}
end
for i = 1, count do
  out[i] = admit(ARGV[5 + 2 * i], ARGV[6 + 2 * i], KEYS[5 + 2 * i], KEYS[6 + 2 * i])
end
return out
`;

/**
 * Loads an activity once (never overwrites: a second load of a running sale would hand out its
 * stock again). KEYS: meta stock queue. ARGV: startsAt endsAt limit initialStock stockToLoad.
 * Returns 1 when it loaded, 0 when the activity was already there.
 */
const LOAD = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'startsAt', ARGV[1], 'endsAt', ARGV[2], 'limit', ARGV[3], 'stock', ARGV[4], 'seq', 0, 'admitted', 0, 'returned', 0)
redis.call('SET', KEYS[2], ARGV[5])
pcall(redis.call, 'XGROUP', 'CREATE', KEYS[3], '${RELAY_GROUP}', '0', 'MKSTREAM')
return 1
`;

/**
 * A unit comes back (its order was cancelled), once per attempt. KEYS: meta stock returned.
 * ARGV: attemptId. Returns 1 when returned now, 0 when it already was, -1 when the activity is
 * not loaded (the loader then loads MySQL's `available`, which already counts this unit).
 */
const RETURN_UNIT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then return 0 end
redis.call('INCR', KEYS[2])
redis.call('HINCRBY', KEYS[1], 'returned', 1)
return 1
`;

/**
 * Records the consumer's outcome of a QUEUED attempt (ORDERED or SOLD_OUT); a final state is
 * never overwritten. KEYS: attempts. ARGV: attemptId status orderNo. Returns 1 when it changed.
 */
const SETTLE_ATTEMPT = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local user, status = string.match(v, '^([^|]*)|([^|]*)|')
if status ~= 'QUEUED' then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], user .. '|' .. ARGV[2] .. '|' .. (ARGV[2] == 'SOLD_OUT' and 'SOLD_OUT' or '') .. '|' .. ARGV[3])
return 1
`;

export interface SeckillCommands {
  /** Variadic keys: the first argument is the number of keys. */
  seckillAdmitBatch(...args: (string | number)[]): Promise<string[][]>;
  seckillLoad(...args: (string | number)[]): Promise<number>;
  seckillReturnUnit(...args: (string | number)[]): Promise<number>;
  seckillSettleAttempt(...args: (string | number)[]): Promise<number>;
}

/** A single Redis or a cluster (every key of an activity shares one slot) with the scripts defined. */
export type SeckillRedis = RedisClient & SeckillCommands;

/** Registers the scripts on a client (EVALSHA, falling back to EVAL once per connection; keys get the client's prefix). */
export function withSeckillScripts(redis: RedisClient): SeckillRedis {
  const r = redis as SeckillRedis;
  if (typeof r.seckillAdmitBatch !== 'function') {
    redis.defineCommand('seckillAdmitBatch', { lua: ADMIT_BATCH });
    // ioredis routes an auto-pipelined command by its first argument, which for a script with a
    // variable key count is the count, not a key: on a cluster the batch would join another
    // slot's pipeline. Sent on its own, it is routed by its declared keys (one slot).
    if (redis.isCluster) {
      const options = (redis as Cluster).options;
      options.autoPipeliningIgnoredCommands = [...(options.autoPipeliningIgnoredCommands ?? []), 'seckillAdmitBatch'];
    }
    redis.defineCommand('seckillLoad', { numberOfKeys: 3, lua: LOAD });
    redis.defineCommand('seckillReturnUnit', { numberOfKeys: 3, lua: RETURN_UNIT });
    redis.defineCommand('seckillSettleAttempt', { numberOfKeys: 1, lua: SETTLE_ATTEMPT });
  }
  return r;
}

export interface StoredAttempt {
  userId: number;
  status: 'QUEUED' | 'ORDERED' | 'SOLD_OUT' | 'REJECTED';
  reason: string | null;
  orderNo: string | null;
}

export function parseStoredAttempt(value: string | null | undefined): StoredAttempt | null {
  if (!value) return null;
  const [user, status, reason, orderNo] = value.split('|');
  return { userId: Number(user), status: status as StoredAttempt['status'], reason: reason || null, orderNo: orderNo || null };
}
