import { ORDER_STATUS_SUBSCRIPTION_GROUP_PREFIX, Topics } from '../../../src/infra/mq/topics.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { queryRows } from '../../helpers/test-db.js';
import { eventually } from '../../helpers/wait.js';

// The outbox's fast path publishes a FIFO row at once only when no older row of its message
// group is still waiting; otherwise the group's row order wins and the locking path sends it
// behind the older one.
let app: TestApp;
const received: { group?: string; tag?: string; key: string }[] = [];
beforeAll(async () => {
  app = await startTestApp({ database: 'outbox' });
  // A FIFO group (by its prefix) that records what reaches consumers, in order.
  await app.bus.subscribe({
    group: `${ORDER_STATUS_SUBSCRIPTION_GROUP_PREFIX}outbox-test`,
    topic: Topics.OrderStatus,
    tagExpression: '*',
    handle: async (m) => {
      received.push({ group: m.messageGroup, tag: m.tag, key: m.envelope.key });
      return 'ack';
    },
  });
});
afterAll(async () => {
  await app?.close();
});

const waiting = (group: string) => queryRows<{ id: number; tag: string }>(app.databaseUrl, 'select id, tag from outbox_message where message_group = ? order by id', [group]);
const emitStatus = (group: string, tag: string) =>
  app.outbox.transactional(app.orm.em.fork(), async (_tx, emit) => emit({ topic: Topics.OrderStatus, tag, key: group, messageGroup: group, data: { tag } }));
const tagsOf = (group: string) => received.filter((m) => m.group === group).map((m) => m.tag);

test('a FIFO row with nothing older waiting in its group is published right after commit', async () => {
  const group = `G${Date.now()}a`;
  await emitStatus(group, 'CREATED');
  await app.outbox.settled();

  expect(await waiting(group)).toEqual([]);
  await eventually(() => tagsOf(group).length === 1, { what: 'the CREATED message' });
  expect(tagsOf(group)).toEqual(['CREATED']);
});

test('a FIFO row waits behind an older unsent row of its group, then both arrive in row order', async () => {
  const group = `G${Date.now()}b`;
  // An older row the fast path did not send (a crashed instance's): dated in the future so the
  // sweep leaves it alone until the test lets it go.
  await queryRows(
    app.databaseUrl,
    "insert into outbox_message (topic, tag, message_key, message_group, body, attempts, created_at) values (?, 'PAID', ?, ?, '{}', 0, ?)",
    [Topics.OrderStatus, group, group, new Date(Date.now() + 3_600_000)],
  );
  await emitStatus(group, 'SHIPPED');
  await app.outbox.settled();

  // The fast path finished without sending SHIPPED: it deletes a row only after publishing it.
  expect((await waiting(group)).map((r) => r.tag)).toEqual(['PAID', 'SHIPPED']);
  expect(tagsOf(group)).toEqual([]);

  await queryRows(app.databaseUrl, 'update outbox_message set created_at = ? where message_group = ?', [new Date(Date.now() - 60_000), group]);
  await eventually(async () => (await waiting(group)).length === 0 && tagsOf(group).length === 2, { timeoutMs: 15_000, what: 'the sweep to send both rows' });
  expect(tagsOf(group)).toEqual(['PAID', 'SHIPPED']);
});
