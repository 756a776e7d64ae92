import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from '../../infra/redis/redis.js';
import type { Role } from '../../shared/context.js';

export type { Role };

/** What a session token stands for. `sessionKey` is WeChat's and never leaves the server. */
export interface Session {
  userId: number;
  role: Role;
  openid?: string;
  sessionKey?: string;
  createdAt: string;
}

/** 32 random bytes: unguessable, and opaque to the client. */
const TOKEN_BYTES = 32;

/**
 * Opaque session tokens kept in Redis. Redis stores only a SHA-256 of the token, so neither a
 * Redis dump nor a key listing reveals a usable token.
 */
export class SessionStore {
  constructor(private readonly redis: RedisClient, private readonly ttlMs: number) {}

  private key(token: string): string {
    return `sess:${createHash('sha256').update(token).digest('base64url')}`;
  }

  async create(session: Omit<Session, 'createdAt'>): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const value: Session = { ...session, createdAt: new Date().toISOString() };
    await this.redis.set(this.key(token), JSON.stringify(value), 'PX', this.ttlMs);
    return { token, expiresAt: new Date(Date.now() + this.ttlMs) };
  }

  /** The session, or null when the token is unknown, expired or malformed. Throws when Redis is down. */
  async get(token: string): Promise<Session | null> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
    const raw = await this.redis.get(this.key(token));
    return raw ? (JSON.parse(raw) as Session) : null;
  }

  async destroy(token: string): Promise<boolean> {
    return (await this.redis.del(this.key(token))) > 0;
  }
}
