/**
 * bench/login: login throughput and latency at 200 concurrent clients, with the WeChat
 * simulator answering at 0 ms and at 100 ms, and time from first login to coupon granted.
 * Baseline (same run, same concurrency): the bare code2session call to the simulator, i.e.
 * what WeChat itself costs; the difference is the BFF's own overhead.
 */
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import { operation } from '../../test/helpers/graphql-client.js';
import { benchDatabaseName, dropDatabase, queryRow, queryRows, TEST_MYSQL_ROOT } from '../../test/helpers/test-db.js';
import { eventually } from '../../test/helpers/wait.js';
import { formatResult, percentile, runHttpLoad, runLoad, type RunResult } from '../lib/stats.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CONCURRENCY = 200;
const REQUESTS = 4_000;
const MAX_MS = 20_000;
const DB_NAME = benchDatabaseName('login');
const DB = `${TEST_MYSQL_ROOT}/${DB_NAME}`;

const LOGIN = operation('login');

await dropDatabase(DB_NAME);

const dataDir = mkdtempSync(join(tmpdir(), 'bench-login-broker-'));
const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: DB, EMBEDDED_BROKER_PORT: '0', BROKER_DATA_DIR: dataDir, LOG_LEVEL: 'warn', REDIS_KEY_PREFIX: `bench-login-${Date.now()}:`, DB_POOL_MAX: '30', LOGIN_RATE_LIMIT: '1000000' });
const app = await createApp(config, { logger: createLogger({ level: 'warn' }), brokerOptions: { longPollingTimeoutMs: 1000 } });
const sim = app.externals.simulator!;

async function code2session(code: string): Promise<void> {
  await app.externals.miniProgram.code2Session(code);
}
const loginBody = (code: string) => JSON.stringify({ query: LOGIN, variables: { code } });
const bodies = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => loginBody(`${prefix}-${i}`));

const results: RunResult[] = [];
for (const latencyMs of [0, 100]) {
  sim.setLatency('miniProgram', latencyMs);
  const baseline = await runLoad(`baseline code2session, WeChat ${latencyMs} ms`, { concurrency: CONCURRENCY, count: REQUESTS, maxMs: MAX_MS }, (i) => code2session(`base-${latencyMs}-${i}`));
  // Closed loop: 200 clients back to back (saturation), first logins then returning users.
  const firstLogins = await runHttpLoad(`login first, 200 clients closed loop, WeChat ${latencyMs} ms`, { url: app.http!.url, bodies: bodies(`user-${latencyMs}`, REQUESTS), concurrency: CONCURRENCY, maxMs: MAX_MS });
  const returning = await runHttpLoad(`login returning, 200 clients closed loop, WeChat ${latencyMs} ms`, { url: app.http!.url, bodies: bodies(`user-${latencyMs}`, 1000), concurrency: CONCURRENCY, maxMs: MAX_MS });
  // Open loop: 200 clients logging in at a steady 200 logins/s in total (a launch peak), returning users.
  const steady = await runHttpLoad(`login returning, 200 clients at 200/s, WeChat ${latencyMs} ms`, { url: app.http!.url, bodies: bodies(`user-${latencyMs}`, 1000), concurrency: CONCURRENCY, maxMs: 10_000, ratePerSec: 200 });
  results.push(baseline, firstLogins, returning, steady);
  for (const r of [baseline, firstLogins, returning, steady]) console.log(formatResult(r));
  for (const r of [firstLogins, returning, steady]) {
    console.log(`  ${r.label}: BFF overhead over WeChat at p99 ${(r.p99 - baseline.p99).toFixed(1)} ms (aim < 15 ms); p99 ratio login/code2session ${(r.p99 / baseline.p99).toFixed(2)}x`);
  }
}

// Login → coupon visible: the coupon row's commit time minus the user row's commit time.
const counts = () => queryRow<{ users: number; coupons: number }>(DB, 'select (select count(*) from user) as users, (select count(*) from user_coupon) as coupons');
// Every first login's coupon granted, or what there is after 60 s.
const users = await eventually(async () => {
  const r = (await counts())!;
  return Number(r.coupons) >= Number(r.users) && r;
}, { timeoutMs: 60_000, intervalMs: 200, what: 'coupons' }).catch(async () => (await counts())!);
const gaps = await queryRows<{ ms: string }>(DB, 'select timestampdiff(microsecond, u.created_at, uc.created_at) / 1000 as ms from user u join user_coupon uc on uc.user_id = u.id');
const delays = gaps.map((g) => Number(g.ms));
console.log(`login → coupon granted over ${delays.length} first logins (users ${users.users}, coupons ${users.coupons}): p50 ${percentile(delays, 50).toFixed(1)} ms, p99 ${percentile(delays, 99).toFixed(1)} ms`);

await app.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
