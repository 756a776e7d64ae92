import { startRedisProxy, type RedisProxy } from '../helpers/test-redis.js';
import type { ConsumerDefinition } from '../../src/infra/mq/consumer-runner.js';
import { Topics } from '../../src/infra/mq/topics.js';
import { FIRST_LOGIN_TAG, type UserFirstLoggedIn } from '../../src/modules/auth/auth-events.js';
import type { CouponService } from '../../src/modules/coupon/coupon.service.js';
import { newUserCouponConsumer } from '../../src/modules/coupon/new-user-coupon.consumer.js';
import { errorCode, errorReason, gql, operation } from '../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { queryRows } from '../helpers/test-db.js';
import { eventually } from '../helpers/wait.js';

const LOGIN = operation('login');

async function couponsOf(app: TestApp, openid: string): Promise<number> {
  const rows = await queryRows<{ n: number }>(app.databaseUrl, 'select count(*) as n from user_coupon uc join user u on u.id = uc.user_id where u.openid = ?', [openid]);
  return Number(rows[0]!.n);
}

describe('new-user coupon when Redis is unreachable', () => {
  let app: TestApp;
  let proxy: RedisProxy;

  beforeAll(async () => {
    proxy = await startRedisProxy();
    app = await startTestApp({ database: 'login_redis_down', redisProxy: proxy });
  });
  afterAll(async () => {
    proxy.restore();
    await app?.close();
    await proxy?.close();
  });

  it('still grants exactly one coupon, and login fails clearly until Redis is back', async () => {
    proxy.cut();
    const openid = app.externals.simulator!.openidFor('code-no-redis');
    const during = await gql(app.url, LOGIN, { code: 'code-no-redis' });
    expect([errorCode(during), errorReason(during)]).toEqual(['SERVICE_UNAVAILABLE', 'SESSION_STORE_UNAVAILABLE']);
    expect(during.errors![0]!.extensions!.retryable).toBe(true);

    // The user row and its FIRST_LOGIN message were committed together; the consumer runs
    // without Redis, on the database's unique index alone.
    await eventually(async () => (await couponsOf(app, openid)) === 1, { what: 'the coupon granted without Redis' });
    const [user] = await queryRows<{ id: number }>(app.databaseUrl, 'select id from user where openid = ?', [openid]);
    const before = await app.metrics.value('mq_consumed_total', { consumer: 'coupon-new-user', outcome: 'duplicate' });
    for (let i = 0; i < 5; i++) {
      await app.bus.publish<UserFirstLoggedIn>({ topic: Topics.UserLogin, tag: FIRST_LOGIN_TAG, key: String(user!.id), data: { userId: user!.id, openid } });
    }
    await eventually(async () => (await app.metrics.value('mq_consumed_total', { consumer: 'coupon-new-user', outcome: 'duplicate' })) >= before + 5, {
      what: 'five duplicates recognised by MySQL',
    });
    expect(await couponsOf(app, openid)).toBe(1);
    expect(await app.metrics.value('idempotency_outcomes_total', { consumer: 'coupon-new-user', outcome: 'redis-unavailable' })).toBeGreaterThanOrEqual(6);

    proxy.restore();
    const after = await eventually(async () => {
      const r = await gql(app.url, LOGIN, { code: 'code-no-redis' });
      return r.errors ? undefined : r;
    }, { what: 'login once Redis is back' });
    // The failed first login never reached the client: its retry is still the first login.
    expect(after.data.login.firstLogin).toBe(true);
    expect(await couponsOf(app, openid)).toBe(1);
  });
});

describe('new-user coupon when the consumer dies after its commit, before the ack', () => {
  let app: TestApp;

  beforeAll(async () => {
    // ROLE=api: this instance runs no consumers of its own; the test registers a crashing one.
    app = await startTestApp({ database: 'login_crash', env: { ROLE: 'api' } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('is redelivered and grants no second coupon', async () => {
    const real = newUserCouponConsumer(app.services.coupons as CouponService, app.config.coupon.newUserCouponCode);
    const attempts: number[] = [];
    let crashed!: () => void;
    const crashedOnce = new Promise<void>((r) => (crashed = r));
    const crashing: ConsumerDefinition<UserFirstLoggedIn> = {
      ...real,
      async handle(ctx, message) {
        attempts.push(message.deliveryAttempt);
        const result = await real.handle(ctx, message); // the grant is committed here
        if (attempts.length === 1) {
          crashed();
          throw new Error('simulated crash after commit, before ack');
        }
        return result;
      },
    };
    await app.consumers.register(crashing);

    const login = await gql(app.url, LOGIN, { code: 'code-crash' });
    expect(login.data.login.firstLogin).toBe(true);
    const openid = app.externals.simulator!.openidFor('code-crash');
    await Promise.race([crashedOnce, new Promise((_, rej) => setTimeout(() => rej(new Error("no delivery:\n" + app.logs.lines.filter((l) => /mq|consum|rocketmq|outbox|error|warn/i.test(l)).slice(-30).join("\n"))), 10_000))]);
    expect(await couponsOf(app, openid)).toBe(1);

    // The message was not acked: it comes back, and the unique index turns it into a no-op.
    await eventually(async () => (await app.metrics.value('mq_consumed_total', { consumer: 'coupon-new-user', outcome: 'duplicate' })) >= 1, {
      what: 'the redelivery',
    });
    expect(attempts).toEqual([1, 2]);
    expect(await couponsOf(app, openid)).toBe(1);
  });
});
