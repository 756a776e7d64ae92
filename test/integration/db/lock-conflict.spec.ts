import { GraphQLError } from 'graphql';
import { createConnection, type Connection } from 'mysql2/promise';
import type { MikroORM } from '@mikro-orm/mysql';
import { openDatabase } from '../../../src/infra/db/orm.js';
import { retryOnLockConflict } from '../../../src/infra/db/lock-retry.js';
import { formatError, isUnavailableError } from '../../../src/graphql/errors.js';
import { createLogger } from '../../../src/infra/observability/logger.js';
import { isTransientLockError } from '../../../src/shared/errors.js';
import { freshTestDatabase, queryRows } from '../../helpers/test-db.js';
import { waitFor } from '../../helpers/wait.js';

const logger = createLogger({ level: 'silent' });

/**
 * A real InnoDB deadlock: a raw connection and the ORM each lock one row, then ask for the
 * other's. MySQL rolls one of them back with ER_LOCK_DEADLOCK; that error is returned.
 */
async function provokeDeadlock(url: string, orm: MikroORM): Promise<unknown> {
  const raw: Connection = await createConnection({ uri: url });
  try {
    await raw.query('begin');
    await raw.query('update lock_probe set v = v + 1 where id = 1');
    const [{ id: rawThread }] = (await raw.query('select connection_id() as id'))[0] as { id: number }[];
    let rawSecond: Promise<unknown> | undefined;
    const ormSide = orm.em.fork().transactional(async (tx) => {
      await tx.execute('update lock_probe set v = v + 1 where id = 2');
      rawSecond = raw.query('update lock_probe set v = v + 1 where id = 2');
      rawSecond.catch(() => undefined);
      // The raw side must be waiting for row 2 before the ORM asks for row 1: that closes the cycle.
      await waitFor(async () => (await queryRows(url, "select 1 from information_schema.innodb_trx where trx_mysql_thread_id = ? and trx_state = 'LOCK WAIT'", [rawThread])).length === 1, { what: 'the raw transaction to wait for row 2' });
      await tx.execute('update lock_probe set v = v + 1 where id = 1');
    });
    const outcomes = await Promise.allSettled([ormSide, rawSecond!]);
    await raw.query('rollback').catch(() => undefined);
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(failed).toHaveLength(1);
    return failed[0]!.reason;
  } finally {
    await raw.end();
  }
}

describe('lock conflicts in MySQL', () => {
  let orm: MikroORM;
  let url: string;
  let deadlock: unknown;

  beforeAll(async () => {
    url = await freshTestDatabase('lock_conflict');
    orm = await openDatabase({ url }, { logger });
    await orm.em.execute('create table lock_probe (id int primary key, v int not null) engine=InnoDB');
    await orm.em.execute('insert into lock_probe values (1, 0), (2, 0)');
    deadlock = await provokeDeadlock(url, orm);
  }, 120_000);

  afterAll(async () => {
    await orm.close();
  });

  test('a deadlock is recognised as transient, whichever side MySQL rolled back', () => {
    expect(isTransientLockError(deadlock)).toBe(true);
    expect(isTransientLockError(new Error('Duplicate entry'))).toBe(false);
  });

  test('a GraphQL operation that lost a deadlock answers a retryable SERVICE_UNAVAILABLE (HTTP 503), no internal error', () => {
    const wrapped = new GraphQLError('Deadlock found when trying to get lock', { originalError: deadlock as Error, path: ['simulatePayment'] });
    const formatted = formatError(logger)({ message: wrapped.message, path: ['simulatePayment'] }, wrapped);
    expect(formatted).toEqual({
      message: 'the service is busy with a conflicting change, please retry',
      path: ['simulatePayment'],
      extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'DATABASE_CONTENTION', retryable: true },
    });
    expect(JSON.stringify(formatted)).not.toMatch(/Deadlock|lock_probe/);
    expect(isUnavailableError(wrapped)).toBe(true);
  });

  test('retryOnLockConflict runs the work again after a deadlock, and only then', async () => {
    let calls = 0;
    await expect(
      retryOnLockConflict(async () => {
        calls++;
        if (calls === 1) throw deadlock;
        return orm.em.execute('update lock_probe set v = v + 10 where id = 1', [], 'run');
      }),
    ).resolves.toMatchObject({ affectedRows: 1 });
    expect(calls).toBe(2);
    const [row] = await queryRows<{ v: number }>(url, 'select v from lock_probe where id = 1');
    // The deadlock's victim was rolled back; the other side committed its +1 on row 1 or not at all.
    expect([10, 11]).toContain(Number(row!.v));

    let otherCalls = 0;
    await expect(
      retryOnLockConflict(async () => {
        otherCalls++;
        throw new Error('not a lock conflict');
      }),
    ).rejects.toThrow('not a lock conflict');
    expect(otherCalls).toBe(1);

    let stuckCalls = 0;
    await expect(
      retryOnLockConflict(async () => {
        stuckCalls++;
        throw deadlock;
      }),
    ).rejects.toBe(deadlock);
    expect(stuckCalls).toBe(3);
  });
});
