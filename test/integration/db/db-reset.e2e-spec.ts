import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runTool } from '../../helpers/run-tool.js';
import { freshTestDatabase, queryRows, TEST_MYSQL_ROOT, TEST_NAMESPACE, testDatabaseName } from '../../helpers/test-db.js';

const SUITE = 'db_reset';

/** Runs `npm run db:reset` (its script, with this Node) and returns its exit code and output. */
function dbReset(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return runTool('src/tools/db-reset.ts', [], env);
}

async function tables(dbName: string): Promise<string[]> {
  const rows = await queryRows<{ t: string }>(TEST_MYSQL_ROOT, 'select table_name as t from information_schema.tables where table_schema = ?', [dbName]);
  return rows.map((r) => r.t);
}

describe('npm run db:reset', () => {
  const dbName = testDatabaseName(SUITE);
  let databaseUrl: string;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    databaseUrl = await freshTestDatabase(SUITE);
    dataDir = mkdtempSync(path.join(tmpdir(), 'wxshop-db-reset-test-'));
    env = { DATABASE_URL: databaseUrl, BROKER_DATA_DIR: dataDir, REDIS_KEY_PREFIX: `${TEST_NAMESPACE}${SUITE}:`, PORT: '0' };
    // The data of an earlier QA session: something the reset must throw away.
    await queryRows(TEST_MYSQL_ROOT, `create database \`${dbName}\``);
    await queryRows(`${TEST_MYSQL_ROOT}/${dbName}`, 'create table qa_leftover (id int primary key)');
  });
  afterAll(async () => {
    await freshTestDatabase(SUITE);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is refused with NODE_ENV=production, and the database is untouched', async () => {
    const production = {
      NODE_ENV: 'production',
      ROCKETMQ_ENDPOINTS: '127.0.0.1:1',
      WECHAT_APPID: 'wx-test',
      WECHAT_SECRET: 's',
      WECHAT_PAY_MCHID: 'm',
      WECHAT_PAY_SERIAL_NO: 'n',
      WECHAT_PAY_PRIVATE_KEY: 'k',
      WECHAT_PAY_APIV3_KEY: '0123456789abcdef0123456789abcdef',
      WECHAT_PAY_PLATFORM_KEYS: '{}',
      WECHAT_PAY_NOTIFY_URL: 'https://shop.example/pay/wechat/notify',
      SMS_BASE_URL: 'https://sms.example',
      LOGISTICS_BASE_URL: 'https://logistics.example',
      ADMIN_PASSWORD: 'not-admin',
    };
    const r = await dbReset({ ...env, ...production });
    expect(r.output).toMatch(/refused with NODE_ENV=production/);
    expect(r.code).toBe(1);
    expect(await tables(dbName)).toEqual(['qa_leftover']);
  });

  it('is refused while a server listens on PORT', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const r = await dbReset({ ...env, PORT: String(port) });
      expect(r.output).toMatch(new RegExp(`something listens on port ${port}: stop npm start`));
      expect(r.code).toBe(1);
      expect(await tables(dbName)).toEqual(['qa_leftover']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('drops the database and recreates it migrated, with the demo data and the admin', async () => {
    const r = await dbReset(env);
    expect(r.output).toMatch(new RegExp(`dropped database ${dbName}`));
    expect(r.output).toMatch(/recreated, migrated and seeded with the demo data/);
    expect(r.code).toBe(0);
    const after = await tables(dbName);
    expect(after).not.toContain('qa_leftover');
    expect(after).toEqual(expect.arrayContaining(['orders', 'store', 'mikro_orm_migrations']));
    const [stores] = await queryRows<{ n: number }>(`${TEST_MYSQL_ROOT}/${dbName}`, 'select count(*) as n from store');
    expect(Number(stores!.n)).toBeGreaterThan(0);
    const admins = await queryRows<{ username: string }>(`${TEST_MYSQL_ROOT}/${dbName}`, "select username from admin_user where username = 'admin'");
    expect(admins).toHaveLength(1);
  });
});
