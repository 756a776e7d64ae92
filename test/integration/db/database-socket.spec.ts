import { openDatabase } from '../../../src/infra/db/orm.js';
import { createLogger } from '../../../src/infra/observability/logger.js';
import { freshTestDatabase, queryRows, TEST_MYSQL_ROOT } from '../../helpers/test-db.js';

const logger = createLogger({ level: 'silent' });

// DATABASE_SOCKET: the app talks to a MySQL on its own host through the server's Unix socket.
describe('database over a Unix socket', () => {
  test('creates, migrates and queries the database through the socket, not TCP', async () => {
    const [{ socket }] = await queryRows<{ socket: string }>(TEST_MYSQL_ROOT, 'select @@socket as socket');
    const url = await freshTestDatabase('db_socket');
    const orm = await openDatabase({ url, socketPath: socket }, { logger });
    try {
      const em = orm.em.fork();
      // A socket connection reports its host as 'localhost'; TCP ones as '127.0.0.1:<port>'.
      const [me] = await em.execute<{ host: string }[]>('select host from information_schema.processlist where id = connection_id()');
      expect(me!.host).toBe('localhost');
      const tables = await queryRows<{ n: number }>(url, "select count(*) as n from information_schema.tables where table_schema = database() and table_name in ('orders', 'outbox_message')");
      expect(Number(tables[0]!.n)).toBe(2);
    } finally {
      await orm.close();
    }
  });

  test('a socket that does not exist fails the start with the path in the error', async () => {
    const url = await freshTestDatabase('db_socket_missing');
    await expect(openDatabase({ url, socketPath: '/nonexistent/mysqld.sock' }, { logger })).rejects.toThrow(/\/nonexistent\/mysqld\.sock/);
  });
});
