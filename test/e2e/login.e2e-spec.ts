import { createHash } from 'node:crypto';
import { Topics } from '../../src/infra/mq/topics.js';
import { FIRST_LOGIN_TAG } from '../../src/modules/auth/auth-events.js';
import { errorCode, errorReason, gql, operation } from '../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { queryRows } from '../helpers/test-db.js';
import { eventually } from '../helpers/wait.js';

const LOGIN = operation('login');
const ME = operation('me');
const MY_COUPONS = operation('my-coupons');
const LOGOUT = operation('logout');
const ADMIN_LOGIN = operation('admin-login');

describe('WeChat login and the exactly-once new-user coupon', () => {
  let app: TestApp;
  const count = async (sql: string, params: unknown[] = []) => Number((await queryRows<{ n: number }>(app.databaseUrl, sql, params))[0]!.n);
  const couponsOf = (openid: string) =>
    count('select count(*) as n from user_coupon uc join user u on u.id = uc.user_id where u.openid = ?', [openid]);

  beforeAll(async () => {
    // Behind a proxy on this host: X-Forwarded-For names the client (TRUST_PROXY; none by default).
    app = await startTestApp({ database: 'login', env: { TRUST_PROXY: 'loopback' } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('logs in, serves me, and grants exactly one new-user coupon on the first login only', async () => {
    const first = await gql(app.url, LOGIN, { code: 'code-alice' });
    expect(first.errors).toBeUndefined();
    const { token, firstLogin, user, role } = first.data.login;
    expect(firstLogin).toBe(true);
    expect(role).toBe('CUSTOMER');
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const me = await gql(app.url, ME, {}, token);
    expect(me.data.me).toMatchObject({ id: user.id, points: 0 });

    const coupons = await eventually(async () => {
      const r = await gql(app.url, MY_COUPONS, {}, token);
      return r.data?.myCoupons.length > 0 ? r.data.myCoupons : undefined;
    }, { what: 'the new-user coupon' });
    expect(coupons).toHaveLength(1);
    expect(coupons[0]).toMatchObject({ code: 'NEW_USER', status: 'AVAILABLE', source: 'NEW_USER', discountFen: 1000 });

    const second = await gql(app.url, LOGIN, { code: 'code-alice' });
    expect(second.data.login.firstLogin).toBe(false);
    expect(second.data.login.user.id).toBe(user.id);
    expect(second.data.login.token).not.toBe(token);
    // Nothing new is queued for this user, and the coupon stays single.
    await app.outbox.sweep();
    expect(await count("select count(*) as n from outbox_message where topic = 'TopicUserLogin'")).toBe(0);
    expect(await couponsOf(app.externals.simulator!.openidFor('code-alice'))).toBe(1);
  });

  it('50 concurrent logins for one openid make one user and one coupon', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => gql(app.url, LOGIN, { code: 'code-burst' })));
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    expect(results.filter((r) => r.data.login.firstLogin)).toHaveLength(1);
    expect(new Set(results.map((r) => r.data.login.user.id)).size).toBe(1);
    const openid = app.externals.simulator!.openidFor('code-burst');
    expect(await count('select count(*) as n from user where openid = ?', [openid])).toBe(1);
    await eventually(async () => (await couponsOf(openid)) === 1, { what: 'one coupon' });
    // Let any duplicate deliveries finish, then check again.
    await app.outbox.sweep();
    expect(await couponsOf(openid)).toBe(1);
  });

  it('the same FIRST_LOGIN message delivered 10 times grants one coupon', async () => {
    const login = await gql(app.url, LOGIN, { code: 'code-repeat' });
    const userId = Number(login.data.login.user.id);
    const openid = app.externals.simulator!.openidFor('code-repeat');
    await eventually(async () => (await couponsOf(openid)) === 1, { what: 'the first coupon' });
    const before = await app.metrics.value('mq_consumed_total', { consumer: 'coupon-new-user', outcome: 'duplicate' });
    for (let i = 0; i < 10; i++) {
      await app.bus.publish({ topic: Topics.UserLogin, tag: FIRST_LOGIN_TAG, key: String(userId), data: { userId, openid } });
    }
    // Every copy is consumed (and recognised as a duplicate) before we count.
    await eventually(async () => (await app.metrics.value('mq_consumed_total', { consumer: 'coupon-new-user', outcome: 'duplicate' })) >= before + 10, {
      what: '10 duplicate deliveries',
    });
    expect(await couponsOf(openid)).toBe(1);
  });

  it('a malformed FIRST_LOGIN message is acked and counted as dropped, not as a duplicate, and grants nothing', async () => {
    const metric = (outcome: string) => app.metrics.value('mq_consumed_total', { consumer: 'coupon-new-user', outcome });
    const [droppedBefore, duplicatesBefore] = [await metric('dropped'), await metric('duplicate')];
    const grantsBefore = await count('select count(*) as n from user_coupon');
    // Through the broker: the consumer drops it (no valid userId) and acks it.
    await app.bus.publish({ topic: Topics.UserLogin, tag: FIRST_LOGIN_TAG, key: 'malformed-1', data: { userId: 0, openid: 'nobody' } });
    await eventually(async () => (await metric('dropped')) >= droppedBefore + 1, { what: 'the malformed message dropped' });
    // The runner's own answer for a delivery: ack, so the broker does not send it again.
    const definition = app.consumers.definitions.find((d) => d.name === 'coupon-new-user')!;
    const delivery = { messageId: 'malformed-2', topic: Topics.UserLogin, tag: FIRST_LOGIN_TAG, keys: ['malformed-2'], deliveryAttempt: 1, envelope: { v: 1, key: 'malformed-2', producedAt: new Date().toISOString(), data: { userId: -7, openid: 'nobody' } } };
    expect(await app.consumers.run(definition, delivery)).toBe('ack');
    expect(await metric('dropped')).toBe(droppedBefore + 2);
    expect(await metric('duplicate')).toBe(duplicatesBefore);
    expect(await count('select count(*) as n from user_coupon')).toBe(grantsBefore);
  });

  it('rejects bad input with clear codes and writes nothing', async () => {
    const users = await count('select count(*) as n from user');
    const empty = await gql(app.url, LOGIN, { code: '   ' });
    expect([errorCode(empty), errorReason(empty)]).toEqual(['BAD_USER_INPUT', 'LOGIN_CODE_EMPTY']);
    const long = await gql(app.url, LOGIN, { code: 'x'.repeat(129) });
    expect([errorCode(long), errorReason(long)]).toEqual(['BAD_USER_INPUT', 'LOGIN_CODE_TOO_LONG']);
    const invalid = await gql(app.url, LOGIN, { code: 'invalid-code-1' });
    expect([errorCode(invalid), errorReason(invalid)]).toEqual(['BAD_USER_INPUT', 'WECHAT_CODE_INVALID']);
    const missingArg = await gql(app.url, 'mutation { login { token } }');
    expect(errorCode(missingArg)).toBe('GRAPHQL_VALIDATION_FAILED');
    const malformed = await gql(app.url, 'mutation { login(code: "x" { token }');
    expect(errorCode(malformed)).toBe('GRAPHQL_PARSE_FAILED');
    for (const r of [empty, long, invalid, missingArg, malformed]) {
      expect(JSON.stringify(r.errors)).not.toMatch(/at .*\.(ts|js):\d+/); // no stack traces
    }
    expect(await count('select count(*) as n from user')).toBe(users);
  });

  it('tells "WeChat unreachable" (retryable) apart from a bad code', async () => {
    const sim = app.externals.simulator!;
    sim.failNext('miniProgram', 1, 'http500');
    const down = await gql(app.url, LOGIN, { code: 'code-unreachable' });
    expect([errorCode(down), errorReason(down)]).toEqual(['SERVICE_UNAVAILABLE', 'WECHAT_UNAVAILABLE']);
    expect(down.errors![0]!.extensions!.retryable).toBe(true);
    sim.failNext('miniProgram', 1, 'reset');
    const reset = await gql(app.url, LOGIN, { code: 'code-unreachable' });
    expect(errorReason(reset)).toBe('WECHAT_UNAVAILABLE');
    expect(await count('select count(*) as n from user where openid = ?', [sim.openidFor('code-unreachable')])).toBe(0);
    // Once WeChat answers again, the same code works.
    const ok = await gql(app.url, LOGIN, { code: 'code-unreachable' });
    expect(ok.data.login.firstLogin).toBe(true);
  });

  it('refuses missing, forged and logged-out tokens', async () => {
    const missing = await gql(app.url, ME);
    expect([errorCode(missing), errorReason(missing)]).toEqual(['UNAUTHENTICATED', 'SESSION_INVALID']);
    const forged = await gql(app.url, ME, {}, 'A'.repeat(43));
    expect(errorCode(forged)).toBe('UNAUTHENTICATED');
    expect(forged.status).toBe(401);
    const garbage = await gql(app.url, ME, {}, 'not a token at all!');
    expect(errorCode(garbage)).toBe('UNAUTHENTICATED');

    const { token } = (await gql(app.url, LOGIN, { code: 'code-logout' })).data.login;
    expect((await gql(app.url, LOGOUT, {}, token)).data.logout).toBe(true);
    const after = await gql(app.url, ME, {}, token);
    expect(errorCode(after)).toBe('UNAUTHENTICATED');
  });

  it('logs the seeded admin in with a hashed password, and refuses a wrong one', async () => {
    const ok = await gql(app.url, ADMIN_LOGIN, { username: 'admin', password: 'admin' });
    expect(ok.data.adminLogin.role).toBe('ADMIN');
    const stored = await queryRows<{ password_hash: string }>(app.databaseUrl, "select password_hash from admin_user where username = 'admin'");
    expect(stored[0]!.password_hash).toMatch(/^scrypt\$/);
    const wrong = await gql(app.url, ADMIN_LOGIN, { username: 'admin', password: 'nope' }, undefined, { 'x-forwarded-for': '10.9.9.9' });
    expect([errorCode(wrong), errorReason(wrong)]).toEqual(['UNAUTHENTICATED', 'BAD_CREDENTIALS']);
    // An admin session is not a mini-program user.
    const me = await gql(app.url, ME, {}, ok.data.adminLogin.token);
    expect(errorCode(me)).toBe('FORBIDDEN');
  });

  it('rate limits repeated failed logins from one client', async () => {
    const from = { 'x-forwarded-for': '10.1.2.3' };
    const limit = app.config.auth.loginRateLimit;
    for (let i = 0; i < limit; i++) {
      const r = await gql(app.url, LOGIN, { code: `invalid-${i}` }, undefined, from);
      expect(errorReason(r)).toBe('WECHAT_CODE_INVALID');
    }
    const limited = await gql(app.url, LOGIN, { code: 'code-good-but-limited' }, undefined, from);
    expect([errorCode(limited), errorReason(limited)]).toEqual(['RATE_LIMITED', 'LOGIN_RATE_LIMITED']);
    // Another client is not affected.
    const other = await gql(app.url, LOGIN, { code: 'code-other-client' }, undefined, { 'x-forwarded-for': '10.1.2.4' });
    expect(other.errors).toBeUndefined();
    await app.redis.del('rl:login-fail:10.1.2.3');
  });

  it('never puts session_key or a token in a response or a log line', async () => {
    const r = await gql(app.url, LOGIN, { code: 'code-secrets' });
    const token: string = r.data.login.token;
    const stored = await app.redis.get(`sess:${createHash('sha256').update(token).digest('base64url')}`);
    const sessionKey: string = JSON.parse(stored!).sessionKey;
    expect(sessionKey.length).toBeGreaterThan(10);
    await gql(app.url, ME, {}, token);
    const everything = app.logs.text();
    expect(everything.length).toBeGreaterThan(0);
    expect(everything).not.toContain(sessionKey);
    expect(everything).not.toContain(token);
    expect(JSON.stringify(r.data)).not.toContain(sessionKey);
    // Redis holds a hash of the token, not the token.
    expect(await app.redis.exists(`sess:${token}`)).toBe(0);
  });
});
