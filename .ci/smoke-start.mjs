// CI smoke test of the README's `npm start`: the built server, as a new user runs it.
//
//   npm run smoke:start        (CI: free ports; dev: SMOKE_PORT_BASE=<first port of your range>)
//
// It gives the server its own port, a fresh database (name contains "smoke" and "test", dropped
// first), its own Redis key prefix and an embedded broker on its own port and data dir; runs
// `npm start` (build, then node dist/src/main.js); waits for /healthz and the start banner; runs the
// canonical `stores` query and `login` mutation over HTTP; sends SIGTERM to npm and expects exit 0
// with nothing left listening. It prints how long the command took to answer its first query.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freshTestDatabase, testDatabaseName } from '../test/helpers/test-db.ts';
import { SmokeFailure, dumpOutput, fail, freePort, killGroup, listening, runNpm, step, terminate } from './smoke-lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const START_TIMEOUT_MS = Number(process.env.SMOKE_START_TIMEOUT_MS ?? 300_000); // includes `npm run build` on a busy CI machine
const STOP_TIMEOUT_MS = 60_000;

/** A canonical operation of test/operations with the fragments it spreads appended (as test/helpers/graphql-client.ts does). */
function operation(name) {
  const read = (p) => readFileSync(path.join(ROOT, 'test/operations', `${p}.graphql`), 'utf8');
  const text = read(name);
  const spread = [...new Set([...text.matchAll(/\.\.\.\s*([A-Za-z_]\w*)/g)].map((m) => m[1]))];
  return [text, ...spread.map((f) => read(`fragments/${f}`))].join('\n');
}

async function graphql(url, query, variables, token) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json().catch(() => undefined);
  if (res.status !== 200 || !body || body.errors) fail(`HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

/** Deletes this smoke database's Redis keys (its prefix is the database name): never the whole Redis. */
async function clearRedisPrefix(prefix) {
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
      if (keys.length > 0) deleted += await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

async function main() {
  const port = await freePort(0);
  const brokerPort = await freePort(1);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'wxshop-smoke-broker-'));
  const dbName = testDatabaseName('smoke_start');
  if (!dbName.includes('smoke') || !dbName.includes('test')) fail(`refusing database ${dbName}`);
  const databaseUrl = await freshTestDatabase('smoke_start');
  const stale = await clearRedisPrefix(`${dbName}:`);
  step(`dropped database ${dbName} and ${stale} Redis keys under "${dbName}:"; broker data in ${dataDir}`);

  const started = performance.now();
  step(`npm start  (PORT=${port}, EMBEDDED_BROKER_PORT=${brokerPort})`);
  let run;
  try {
    run = runNpm(['start'], {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      EMBEDDED_BROKER_PORT: String(brokerPort),
      BROKER_DATA_DIR: dataDir,
      NODE_ENV: 'development',
      // A user's shell has none of these: drop what a CI environment might carry (undefined removes
      // a variable; an empty REDIS_KEY_PREFIX would mean "no prefix" in the shared Redis).
      ROCKETMQ_ENDPOINTS: undefined,
      WECHAT_APPID: undefined,
      REDIS_KEY_PREFIX: undefined,
      LOCAL_AUTO_SHIP: undefined,
    });
    const url = `http://127.0.0.1:${port}`;
    // The server's first log line marks the end of `npm run build` (the split of the start-up time).
    let serverStarted;
    run.waitForOutput((out) => out.includes('{"level"'), 'first server log line', START_TIMEOUT_MS).then(
      () => (serverStarted = performance.now()),
      () => undefined,
    );

    await run.waitForOutput((out) => out.includes('wxshop-bff is up'), 'start banner', START_TIMEOUT_MS);
    const health = await fetch(`${url}/healthz`);
    if (health.status !== 200) fail(`/healthz answered ${health.status}`);
    step(`/healthz 200 and banner printed after ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const stores = await graphql(url, operation('stores'), { first: 5 });
    const firstAnswer = (performance.now() - started) / 1000;
    const names = stores.stores.edges.map((e) => e.node.name);
    if (names.length === 0) fail('stores answered no store: demo data was not seeded');
    step(`stores: ${names.length} stores (${names.slice(0, 3).join(', ')}, ...)`);
    const build = serverStarted ? (serverStarted - started) / 1000 : undefined;
    step(`npm start → first answered query: ${firstAnswer.toFixed(1)} s on a clean database${build === undefined ? '' : ` (build ${build.toFixed(1)} s, then node ${(firstAnswer - build).toFixed(1)} s)`}`);

    // The banner is what a new user reads: nothing the start-up prints may come after it.
    const tail = run.output.trimEnd().split('\n').at(-1) ?? '';
    if (!/^\s{2}\S/.test(tail) || /"level"|^\{/.test(tail)) fail(`the start banner is not the last output; last line: ${tail}`);
    step(`the start banner is the last thing printed: "${tail.trim()}"`);

    const login = await graphql(url, operation('login'), { code: `smoke-${process.pid}` });
    if (!login.login.token || !login.login.user?.id) fail(`login returned ${JSON.stringify(login)}`);
    step(`login: user ${login.login.user.id}, firstLogin=${login.login.firstLogin}, token issued`);
    const me = await graphql(url, operation('me'), {}, login.login.token);
    if (me.me.id !== login.login.user.id) fail(`me answered ${JSON.stringify(me)}`);
    step('me with the token: the same user');

    step('SIGTERM to npm');
    const exit = await terminate(run, STOP_TIMEOUT_MS);
    if (exit.code !== 0) fail(`npm start exited with code ${exit.code} (signal ${exit.signal}) after SIGTERM; expected 0`);
    if (await listening(port)) fail(`port ${port} still accepts connections: the server outlived npm`);
    if (await listening(brokerPort)) fail(`port ${brokerPort} still accepts connections: the broker outlived npm`);
    step(`npm start exited 0; nothing listens on ${port} or ${brokerPort}`);
  } catch (err) {
    dumpOutput(run);
    if (run) killGroup(run);
    throw err;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  await freshTestDatabase('smoke_start'); // drops it: nothing of the run is left behind
  // The login's session must have gone under the database's prefix, not into someone else's keys.
  const ours = await clearRedisPrefix(`${dbName}:`);
  if (ours === 0) fail(`no Redis key under "${dbName}:" after a login: the server used another key prefix`);
  step(`deleted the run's ${ours} Redis keys under "${dbName}:" and its database`);
  step('start smoke test passed');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`[smoke] FAILED: ${err instanceof SmokeFailure ? err.message : err?.stack ?? err}`);
    process.exit(1);
  },
);
