import { createConnection } from 'mysql2/promise';

export const TEST_MYSQL_ROOT = 'mysql://root@127.0.0.1:3306';

/**
 * Optional namespace (WXSHOP_TEST_NS) added to every test database name and Redis prefix, so two
 * checkouts can run their suites on one machine at once without dropping each other's databases.
 */
export const TEST_NAMESPACE = (process.env.WXSHOP_TEST_NS ?? '').replace(/[^A-Za-z0-9_]/g, '_');

/** The database name of one suite: always contains "test", and the namespace when one is set. */
export function testDatabaseName(name: string): string {
  return `wxshop_test_${TEST_NAMESPACE ? `${TEST_NAMESPACE}_` : ''}${name.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 64);
}

/**
 * A bench's database: wxshop_bench_<name>, or with WXSHOP_TEST_NS a test database of that
 * namespace, so benches run from two checkouts never drop each other's.
 */
export function benchDatabaseName(name: string): string {
  return TEST_NAMESPACE ? testDatabaseName(`bench_${name}`) : `wxshop_bench_${name}`;
}

/**
 * A fresh database for one suite. Refuses any name without "test", so a misconfigured run can
 * never drop a real database.
 */
export async function freshTestDatabase(name: string): Promise<string> {
  const dbName = testDatabaseName(name);
  if (!dbName.includes('test')) throw new Error(`refusing to use database ${dbName}: its name must contain "test"`);
  await dropDatabase(dbName);
  return `${TEST_MYSQL_ROOT}/${dbName}`;
}

/** Drops `dbName` on the test server if it exists (benches start from an empty database too). */
export async function dropDatabase(dbName: string): Promise<void> {
  const conn = await createConnection({ uri: TEST_MYSQL_ROOT });
  try {
    await conn.query(`drop database if exists \`${dbName.replace(/`/g, '``')}\``);
  } finally {
    await conn.end();
  }
}

/** A database: its URL, or anything that knows it (a TestApp). */
export type Database = string | { databaseUrl: string };

const urlOf = (db: Database) => (typeof db === 'string' ? db : db.databaseUrl);

/** Runs one query against a database URL (assertions on rows, independent of the ORM under test). */
export async function queryRows<T = Record<string, unknown>>(db: Database, sql: string, params: unknown[] = []): Promise<T[]> {
  const conn = await createConnection({ uri: urlOf(db) });
  try {
    const [rows] = await conn.query(sql, params);
    return rows as T[];
  } finally {
    await conn.end();
  }
}

/** The first row of a query (undefined when there is none). */
export async function queryRow<T = Record<string, any>>(db: Database, sql: string, params: unknown[] = []): Promise<T | undefined> {
  const [row] = await queryRows<T>(db, sql, params);
  return row;
}

/** `select count(*) as n …`: the number. */
export async function countRows(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  const row = await queryRow<{ n: number }>(db, sql, params);
  return Number(row!.n);
}
