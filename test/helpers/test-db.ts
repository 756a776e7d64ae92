import { createConnection } from 'mysql2/promise';

export const TEST_MYSQL_ROOT = 'mysql://root@127.0.0.1:3306';

/**
 * A fresh database for one suite. Refuses any name without "test", so a misconfigured run can
 * never drop a real database.
 */
export async function freshTestDatabase(name: string): Promise<string> {
  const dbName = `wxshop_test_${name.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 64);
  if (!dbName.includes('test')) throw new Error(`refusing to use database ${dbName}: its name must contain "test"`);
  const conn = await createConnection({ uri: TEST_MYSQL_ROOT });
  try {
    await conn.query(`drop database if exists \`${dbName}\``);
  } finally {
    await conn.end();
  }
  return `${TEST_MYSQL_ROOT}/${dbName}`;
}

/** Runs one query against a database URL (assertions on rows, independent of the ORM under test). */
export async function queryRows<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const conn = await createConnection({ uri: url });
  try {
    const [rows] = await conn.query(sql, params);
    return rows as T[];
  } finally {
    await conn.end();
  }
}
