import type { Redis } from 'ioredis';
import type { EntityManager } from '@mikro-orm/mysql';
import type { RequestContext, Viewer } from '../../shared/context.js';
import { AppError, isDuplicateKeyError } from '../../shared/errors.js';
import type { OutboxRelay } from '../../infra/mq/outbox/outbox.js';
import { Topics } from '../../infra/mq/topics.js';
import { AuthErrors } from './auth.errors.js';
import { hashPassword, verifyPassword } from './password.js';
import type { Session, SessionStore } from './session.store.js';
import { AdminUser, User, type UserRow } from './user.entity.js';

/** WeChat login codes are short printable tokens; anything longer is not worth a round trip. */
export const MAX_LOGIN_CODE_LENGTH = 128;
const LOGIN_CODE_PATTERN = /^[\x21-\x7e]+$/;

/** The part of the WeChat mini-program client login needs. */
export interface Code2SessionPort {
  code2Session(code: string): Promise<{ openid: string; unionid?: string; sessionKey: string }>;
}

export const FIRST_LOGIN_TAG = 'FIRST_LOGIN';
export interface FirstLoginEvent {
  userId: number;
  openid: string;
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
    private readonly deps: { sessions: SessionStore; wechat: Code2SessionPort; outbox: OutboxRelay; redis: Redis },
    private readonly options: { loginRateLimit: number; loginRateWindowMs: number },
  ) {}

  /** Exchanges a `wx.login` code for our own session. A first login announces itself for the new-user coupon. */
  async login(ctx: RequestContext, code: string): Promise<LoginResult> {
    const trimmed = code.trim();
    if (trimmed === '') throw AuthErrors.codeEmpty();
    if (trimmed.length > MAX_LOGIN_CODE_LENGTH) throw AuthErrors.codeTooLong(MAX_LOGIN_CODE_LENGTH);
    if (!LOGIN_CODE_PATTERN.test(trimmed)) throw AuthErrors.codeMalformed();
    await this.checkRateLimit(ctx);

    let wx: { openid: string; unionid?: string; sessionKey: string };
    try {
      wx = await this.deps.wechat.code2Session(trimmed);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'WECHAT_CODE_INVALID') {
        await this.countFailure(ctx);
        ctx.log.info({ reason: code }, 'login refused by WeChat');
        throw AuthErrors.codeRejected();
      }
      ctx.log.warn({ err: (err as Error).message, reason: code }, 'WeChat code2session unavailable');
      throw AuthErrors.wechatUnavailable();
    }

    const { user, firstLogin } = await this.findOrCreateUser(ctx, wx.openid, wx.unionid);
    const session = await this.createSession({ userId: user.id, role: 'customer', openid: wx.openid, sessionKey: wx.sessionKey });
    ctx.log.info({ userId: user.id, firstLogin }, 'user logged in');
    return { ...session, user, firstLogin, role: 'customer' };
  }

  /**
   * Exactly one concurrent login creates the user; the unique openid index turns the others
   * into "already exists". The FIRST_LOGIN message is committed with the row (outbox).
   */
  private async findOrCreateUser(ctx: RequestContext, openid: string, unionid?: string): Promise<{ user: UserRow; firstLogin: boolean }> {
    const existing = await ctx.em.findOne(User, { openid });
    if (existing) return { user: existing, firstLogin: false };
    try {
      const user = await this.deps.outbox.transactional(ctx.em.fork(), async (tx: EntityManager, emit) => {
        const created = tx.create(User, { openid, unionid: unionid ?? null, nickname: null, points: 0 });
        await tx.flush();
        emit<FirstLoginEvent>({ topic: Topics.UserLogin, tag: FIRST_LOGIN_TAG, key: String(created.id), data: { userId: created.id, openid } });
        return created;
      });
      return { user, firstLogin: true };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const user = await ctx.em.fork().findOneOrFail(User, { openid });
      return { user, firstLogin: false };
    }
  }

  async adminLogin(ctx: RequestContext, username: string, password: string): Promise<LoginResult> {
    if (username.trim() === '' || password === '') throw AppError.badInput('username and password are required', 'CREDENTIALS_EMPTY');
    if (username.length > 64 || password.length > 256) throw AuthErrors.badCredentials();
    await this.checkRateLimit(ctx);
    const admin = await ctx.em.findOne(AdminUser, { username });
    if (!admin || !(await verifyPassword(password, admin.passwordHash))) {
      await this.countFailure(ctx);
      ctx.log.info({ username }, 'admin login refused');
      throw AuthErrors.badCredentials();
    }
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

  async me(ctx: RequestContext): Promise<UserRow> {
    const viewer = requireCustomer(ctx);
    const user = await ctx.em.findOne(User, { id: viewer.userId });
    if (!user) throw AuthErrors.sessionInvalid();
    return user;
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

  private rateKey(ctx: RequestContext): string {
    return `rl:login-fail:${ctx.clientIp ?? 'unknown'}`;
  }

  /** Repeated failed logins from one client are refused for the window; Redis down = no limit. */
  private async checkRateLimit(ctx: RequestContext): Promise<void> {
    const failures = await this.deps.redis.get(this.rateKey(ctx)).catch(() => null);
    if (failures !== null && Number(failures) >= this.options.loginRateLimit) {
      ctx.log.warn({ clientIp: ctx.clientIp }, 'login rate limited');
      throw AuthErrors.rateLimited();
    }
  }

  private async countFailure(ctx: RequestContext): Promise<void> {
    const key = this.rateKey(ctx);
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
