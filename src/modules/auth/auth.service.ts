import { createHash } from 'node:crypto';
import type { RedisClient } from '../../infra/redis/redis.js';
import type { EntityManager } from '@mikro-orm/mysql';
import { utcDate } from '../../infra/db/datetime.js';
import type { RequestContext, Viewer } from '../../shared/context.js';
import { AppError, isConnectionError, isDuplicateKeyError } from '../../shared/errors.js';
import type { TransactionalOutbox } from '../../infra/mq/outbox/outbox.port.js';
import { Topics } from '../../infra/mq/topics.js';
import { FIRST_LOGIN_TAG, type UserFirstLoggedIn } from './auth-events.js';
import { AuthErrors } from './auth.errors.js';
import { hashPassword, verifyPassword } from './password.js';
import type { Session, SessionStore } from './session.store.js';
import { AdminUser, User, type UserRow } from './user.entity.js';

/** What `me` answers of the user. */
export type MeRow = Pick<UserRow, 'id' | 'nickname' | 'points' | 'createdAt'>;

/** WeChat login codes are short printable tokens; anything longer is not worth a round trip. */
export const MAX_LOGIN_CODE_LENGTH = 128;
const LOGIN_CODE_PATTERN = /^[\x21-\x7e]+$/;

/** The part of the WeChat mini-program client login needs. */
export interface Code2SessionPort {
  code2Session(code: string): Promise<{ openid: string; unionid?: string; sessionKey: string }>;
}

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: UserRow | null;
  firstLogin: boolean;
  role: Session['role'];
}

export class AuthService {
  constructor(
    private readonly deps: { sessions: SessionStore; wechat: Code2SessionPort; outbox: TransactionalOutbox; redis: RedisClient },
    private readonly options: { loginRateLimit: number; loginRateWindowMs: number },
  ) {}

  /** Exchanges a `wx.login` code for our own session. A first login announces itself for the new-user coupon. */
  async login(ctx: RequestContext, code: string): Promise<LoginResult> {
    const trimmed = code.trim();
    if (trimmed === '') throw AuthErrors.codeEmpty();
    if (trimmed.length > MAX_LOGIN_CODE_LENGTH) throw AuthErrors.codeTooLong(MAX_LOGIN_CODE_LENGTH);
    if (!LOGIN_CODE_PATTERN.test(trimmed)) throw AuthErrors.codeMalformed();
    const throttle = this.loginThrottleKey(ctx);
    await this.checkRateLimit(ctx, throttle);

    let wx: { openid: string; unionid?: string; sessionKey: string };
    try {
      wx = await this.deps.wechat.code2Session(trimmed);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'WECHAT_CODE_INVALID') {
        await this.countFailure(throttle);
        ctx.log.info({ reason: code }, 'login refused by WeChat');
        throw AuthErrors.codeRejected();
      }
      ctx.log.warn({ err: (err as Error).message, reason: code }, 'WeChat code2session unavailable');
      throw AuthErrors.wechatUnavailable();
    }

    const user = await this.findOrCreateUser(ctx, wx.openid, wx.unionid);
    const session = await this.createSession({ userId: user.id, role: 'customer', openid: wx.openid, sessionKey: wx.sessionKey });
    const firstLogin = user.firstLoginAt === null && (await this.acknowledgeFirstLogin(ctx, user.id));
    ctx.log.info({ userId: user.id, firstLogin }, 'user logged in');
    return { ...session, user, firstLogin, role: 'customer' };
  }

  /**
   * Exactly one concurrent login creates the user; the unique openid index turns the others
   * into "already exists". The FIRST_LOGIN message is committed with the row (outbox), so the
   * new-user coupon is granted once whatever happens to this request afterwards.
   */
  private async findOrCreateUser(ctx: RequestContext, openid: string, unionid?: string): Promise<UserRow> {
    const existing = await ctx.em.findOne(User, { openid });
    if (existing) return existing;
    try {
      return await this.deps.outbox.transactional(ctx.em.fork(), async (tx: EntityManager, emit) => {
        const created = tx.create(User, { openid, unionid: unionid ?? null, nickname: null, points: 0, firstLoginAt: null });
        await tx.flush();
        emit<UserFirstLoggedIn>({ topic: Topics.UserLogin, tag: FIRST_LOGIN_TAG, key: String(created.id), data: { userId: created.id, openid } });
        return created;
      });
    } catch (err) {
      // A concurrent login won the insert, or this COMMIT's answer was lost after it applied.
      const user = await ctx.em.fork().findOne(User, { openid }).catch(() => null);
      if (user) return user;
      throw isConnectionError(err) || isDuplicateKeyError(err) ? AuthErrors.databaseUnavailable() : err;
    }
  }

  /**
   * firstLogin is decided in MySQL, once a session exists: the one login that stamps
   * first_login_at says true. A first login that failed before that point (Redis down, a lost
   * answer) leaves the stamp empty, so the retry still says true; concurrent logins get one true.
   */
  private async acknowledgeFirstLogin(ctx: RequestContext, userId: number): Promise<boolean> {
    // A stamp only this login writes: if the UPDATE's answer is lost, reading it back tells
    // whether it applied (then this login is the first, and says so).
    const stamp = new Date();
    try {
      const r = await ctx.em.execute<{ affectedRows: number }>('update `user` set `first_login_at` = ? where `id` = ? and `first_login_at` is null', [stamp, userId], 'run');
      return r.affectedRows === 1;
    } catch (err) {
      const row = await ctx.em
        .fork()
        .findOne(User, { id: userId }, { fields: ['firstLoginAt'] })
        .catch(() => undefined);
      if (row?.firstLoginAt) return row.firstLoginAt.getTime() === stamp.getTime();
      ctx.log.warn({ userId, err: (err as Error).message }, 'first login not recorded; the next login will say first again');
      throw AuthErrors.databaseUnavailable();
    }
  }

  async adminLogin(ctx: RequestContext, username: string, password: string): Promise<LoginResult> {
    if (username.trim() === '' || password === '') throw AppError.badInput('username and password are required', 'CREDENTIALS_EMPTY');
    if (username.length > 64 || password.length > 256) throw AuthErrors.badCredentials();
    const throttle = this.adminThrottleKey(ctx, username);
    await this.checkRateLimit(ctx, throttle);
    const admin = await ctx.em.findOne(AdminUser, { username });
    if (!admin || !(await verifyPassword(password, admin.passwordHash))) {
      await this.countFailure(throttle);
      ctx.log.info({ username }, 'admin login refused');
      throw AuthErrors.badCredentials();
    }
    // A correct password clears this account's failures from this address.
    await this.deps.redis.del(throttle).catch(() => undefined);
    const session = await this.createSession({ userId: admin.id, role: 'admin' });
    ctx.log.info({ adminId: admin.id }, 'admin logged in');
    return { ...session, user: null, firstLogin: false, role: 'admin' };
  }

  async logout(ctx: RequestContext): Promise<boolean> {
    if (!ctx.viewer) return false;
    return this.deps.sessions.destroy(ctx.viewer.token).catch(() => {
      throw AuthErrors.sessionStoreUnavailable();
    });
  }

  /** Resolves a bearer token; null for a missing, expired or forged one. */
  async authenticate(token: string): Promise<Viewer | null> {
    let session: Session | null;
    try {
      session = await this.deps.sessions.get(token);
    } catch {
      throw AuthErrors.sessionStoreUnavailable();
    }
    return session ? { userId: session.userId, role: session.role, openid: session.openid, token } : null;
  }

  async me(ctx: RequestContext): Promise<MeRow> {
    const viewer = requireCustomer(ctx);
    // The hottest authenticated read: the four fields `me` answers, by primary key, with plain
    // SQL and no entity (mapping a managed entity cost a tenth of this request's CPU).
    const row = await ctx.em.getConnection().execute<{ id: number; nickname: string | null; points: number; created_at: Date | string }>(
      'select `id`, `nickname`, `points`, `created_at` from `user` where `id` = ? limit 1',
      [viewer.userId],
      'get',
      ctx.em.getTransactionContext(),
    );
    if (!row) throw AuthErrors.sessionInvalid();
    return { id: Number(row.id), nickname: row.nickname, points: Number(row.points), createdAt: utcDate(row.created_at) };
  }

  /** A user by id, for other modules (notify needs the openid); null when unknown. */
  async findUser(em: EntityManager, userId: number): Promise<UserRow | null> {
    return em.findOne(User, { id: userId });
  }

  /**
   * Adds `delta` (may be negative) to the user's points balance inside the caller's transaction
   * (the points module, with its ledger row). Returns false when the user does not exist.
   */
  async addPoints(em: EntityManager, userId: number, delta: number): Promise<boolean> {
    const r = await em.execute<{ affectedRows: number }>('update `user` set `points` = `points` + ?, `updated_at` = ? where `id` = ?', [delta, new Date(), userId], 'run');
    return r.affectedRows === 1;
  }

  /**
   * Locks the user's row until the caller's transaction ends: other modules serialise one user's
   * actions with it (order placement counts the user's unpaid orders under it). One row, no gap.
   */
  async lockUser(tx: EntityManager, userId: number): Promise<void> {
    await tx.execute('select `id` from `user` where `id` = ? for update', [userId]);
  }

  /** Creates the admin if missing (local-mode seed, or ADMIN_PASSWORD in production). */
  async ensureAdmin(em: EntityManager, username: string, password: string): Promise<void> {
    if (await em.findOne(AdminUser, { username })) return;
    em.create(AdminUser, { username, passwordHash: await hashPassword(password) });
    await em.flush();
  }

  private async createSession(session: Omit<Session, 'createdAt'>): Promise<{ token: string; expiresAt: Date }> {
    try {
      return await this.deps.sessions.create(session);
    } catch {
      throw AuthErrors.sessionStoreUnavailable();
    }
  }

  /**
   * Failed wx.login codes, per peer address. `clientIp` is the TCP peer unless TRUST_PROXY names
   * the proxies in front, so a client cannot rotate it with X-Forwarded-For. A code carries no
   * account, so the address is the only key; a shared NAT is held back for one window at most.
   */
  private loginThrottleKey(ctx: RequestContext): string {
    return `rl:login-fail:${ctx.clientIp ?? 'unknown'}`;
  }

  /**
   * Failed admin passwords, per account and peer address: someone guessing another account, or
   * guessing from another address, never locks this admin out, and a correct password resets it.
   */
  private adminThrottleKey(ctx: RequestContext, username: string): string {
    return `rl:admin-fail:${createHash('sha256').update(username).digest('base64url').slice(0, 22)}:${ctx.clientIp ?? 'unknown'}`;
  }

  /** Repeated failures under one key are refused for the window; Redis down = no limit. */
  private async checkRateLimit(ctx: RequestContext, key: string): Promise<void> {
    const failures = await this.deps.redis.get(key).catch(() => null);
    if (failures !== null && Number(failures) >= this.options.loginRateLimit) {
      ctx.log.warn({ clientIp: ctx.clientIp }, 'login rate limited');
      throw AuthErrors.rateLimited();
    }
  }

  private async countFailure(key: string): Promise<void> {
    await this.deps.redis
      .multi()
      .incr(key)
      .pexpire(key, this.options.loginRateWindowMs, 'NX')
      .exec()
      .catch(() => undefined);
  }
}

export function requireViewer(ctx: RequestContext): Viewer {
  if (!ctx.viewer) throw AuthErrors.sessionInvalid();
  return ctx.viewer;
}

export function requireCustomer(ctx: RequestContext): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'customer') throw AppError.forbidden('this operation is for mini-program users', 'CUSTOMER_ONLY');
  return viewer;
}

export function requireAdmin(ctx: RequestContext): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'admin') throw AppError.forbidden('admin identity required', 'ADMIN_ONLY');
  return viewer;
}
