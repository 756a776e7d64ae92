/**
 * The people tests and benches act as: customers (WeChat login) and the admin. Each takes the
 * API to talk to: a TestApp, or `{ url }` of any running instance.
 */
import { randomUUID } from 'node:crypto';
import { gql, operation } from './graphql-client.js';
import { eventually, sleep } from './wait.js';

export interface ApiTarget {
  url: string;
}

export interface Customer {
  token: string;
  userId: number;
  /** The wx.login code the customer logged in with (the same code is the same user). */
  code: string;
}

const ops = {
  login: operation('login'),
  adminLogin: operation('admin-login'),
  myCoupons: operation('my-coupons'),
};

/**
 * Logs a customer in the way the mini-program does: a retryable refusal (the session store slow to
 * answer on a loaded machine) is asked again, see loginRetrying. Tests of login itself send the
 * operation with gql() and look at every answer.
 */
export function login(api: ApiTarget, code = `code-${randomUUID()}`): Promise<Customer> {
  return loginRetrying(api, code);
}

export async function adminToken(api: ApiTarget): Promise<string> {
  const r = await gql(api.url, ops.adminLogin, { username: 'admin', password: 'admin' });
  if (!r.data) throw new Error(`admin login failed: ${JSON.stringify(r.errors)}`);
  return r.data.adminLogin.token as string;
}

/**
 * Logs a customer in, again (up to 5 times, backing off) when the answer is a retryable refusal
 * or the request fails (a loaded machine: the session store slow to answer, a socket reset).
 */
export async function loginRetrying(api: ApiTarget, code = `code-${randomUUID()}`, backoffMs = 100): Promise<Customer> {
  for (let attempt = 1; ; attempt++) {
    const r = await gql(api.url, ops.login, { code }).catch((err: Error) => ({ data: undefined, errors: [{ message: err.message, extensions: { retryable: true } }] }));
    if (r.data) return { token: r.data.login.token as string, userId: Number(r.data.login.user.id), code };
    if (attempt >= 5 || !r.errors?.[0]?.extensions?.retryable) throw new Error(`login failed: ${JSON.stringify(r.errors)}`);
    await sleep(backoffMs * attempt);
  }
}

/** `n` customers with codes `${prefix}-0` … `${prefix}-(n-1)`, logged in `batch` at a time; their tokens in order. */
export async function loginMany(api: ApiTarget, n: number, prefix: string, { batch = 50, backoffMs = 200 }: { batch?: number; backoffMs?: number } = {}): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < n; i += batch) {
    const customers = await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => loginRetrying(api, `${prefix}-${i + j}`, backoffMs)));
    tokens.push(...customers.map((c) => c.token));
  }
  return tokens;
}

/** A customer whose new-user coupon (1000 off from 5000 fen) has arrived through the broker. */
export async function loginWithCoupon(api: ApiTarget): Promise<Customer & { couponId: string }> {
  const customer = await login(api);
  const couponId = await eventually(
    async () => {
      const r = await gql(api.url, ops.myCoupons, {}, customer.token);
      return r.data?.myCoupons?.[0]?.id as string | undefined;
    },
    { what: 'new-user coupon' },
  );
  return { ...customer, couponId };
}
