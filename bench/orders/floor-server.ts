/**
 * The floor of bench/orders (issue #18): the least a placeOrder server can do for one order, in a
 * process of its own. graphql-js over plain node:http, mysql2 directly, the bearer token looked up
 * in Redis as the project does (`sess:<sha256 base64url>` under the key prefix), and the SQL the
 * project's placement sends for an order, statement for statement (captured from mysql2 on a
 * scratch run): the quote select, begin, the buyer's row lock, the hoarding-limit reads, the
 * conditional stock update, the order, item and two outbox rows (payment timeout, CREATED),
 * commit; then, after the response as in the project, what the outbox fast path runs once it has
 * published (the FIFO predecessor check and the delete). Not done: the publish itself (a gRPC call to the broker), logging, metrics.
 * So the floor is a lower bound of what a correct placement costs; the project/floor ratio is
 * what everything else the project does costs. Its rows share the bench's database with the
 * API's outbox: a row that outlives the outbox grace period (a loaded machine) is published by
 * the API instance's sweep and consumed by the worker, so the API's and worker's CPU printed on
 * the floor's line are that sweep's, not idle; the ratios use the floor process's own CPU. A
 * delete that deadlocks with that sweep is logged and left to it.
 *
 * Environment: DATABASE_URL, DATABASE_SOCKET, DB_POOL_MAX, REDIS_URL, REDIS_KEY_PREFIX,
 * ORDER_PAYMENT_TIMEOUT_MS. Prints `floor ready {"url":...}` on stdout once listening.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, execute, GraphQLError, parse, validate, type DocumentNode } from 'graphql';
import { Redis } from 'ioredis';
import { createPool, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';

const schema = buildSchema(`
  input PlaceOrderItemInput { skuId: ID!, quantity: Int! }
  input PlaceOrderInput { storeId: ID!, clientRequestId: String!, items: [PlaceOrderItemInput!]!, couponId: ID, remark: String }
  type PlacedOrder { orderNo: String! }
  type Query { ok: Boolean }
  type Mutation { placeOrder(input: PlaceOrderInput!): PlacedOrder! }
`);

const db = new URL(process.env.DATABASE_URL!);
const pool = createPool({
  ...(process.env.DATABASE_SOCKET ? { socketPath: process.env.DATABASE_SOCKET } : { host: db.hostname, port: Number(db.port || 3306) }),
  user: decodeURIComponent(db.username),
  password: decodeURIComponent(db.password),
  database: db.pathname.slice(1),
  connectionLimit: Number(process.env.DB_POOL_MAX ?? 20),
  timezone: '+00:00',
});
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: process.env.REDIS_KEY_PREFIX ?? '' });
const paymentTimeoutMs = Number(process.env.ORDER_PAYMENT_TIMEOUT_MS ?? 30 * 60_000);
const node = String(process.pid % 10_000).padStart(4, '0');
let lastMs = 0;
let sequence = 0;

/** The project's order-number shape (28 digits: time to the ms, node, sequence, random). */
function orderNumber(): string {
  const wall = Date.now();
  if (wall > lastMs) [lastMs, sequence] = [wall, 0];
  else if (++sequence >= 1000) [lastMs, sequence] = [lastMs + 1, 0];
  const stamp = new Date(lastMs).toISOString().replace(/\D/g, '').slice(0, 17);
  return `${stamp}${node}${String(sequence).padStart(3, '0')}${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
}

/** Marks the floor's orders: their CREATED events are never published, so the bench's drain check leaves them out. */
const FLOOR_REMARK = 'bench-floor';

const fail = (message: string, reason: string) => new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', reason } });

interface Input {
  storeId: string;
  clientRequestId: string;
  items: { skuId: string; quantity: number }[];
  remark?: string | null;
}

async function placeOrder(userId: number, input: Input): Promise<{ orderNo: string }> {
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(input.clientRequestId)) throw fail('bad clientRequestId', 'INVALID_CLIENT_REQUEST_ID');
  const storeId = Number(input.storeId);
  const items = input.items.map((i) => ({ skuId: Number(i.skuId), quantity: i.quantity }));
  const [quoted] = await pool.query<RowDataPacket[]>(
    `select s.id, s.name, s.price_fen, p.id as product_id, p.name as product_name, p.store_id, p.status from sku s join product p on p.id = s.product_id where s.id in (${items.map(() => '?').join(',')})`,
    items.map((i) => i.skuId),
  );
  const lines = items.map((item) => {
    const row = quoted.find((r) => Number(r.id) === item.skuId);
    if (!row || Number(row.store_id) !== storeId || row.status !== 'ON_SALE') throw fail('not for sale', 'NOT_FOR_SALE');
    return { ...item, productId: Number(row.product_id), productName: row.product_name as string, skuName: row.name as string, unitPriceFen: Number(row.price_fen), subtotalFen: Number(row.price_fen) * item.quantity };
  });
  const orderNo = orderNumber();
  const totalFen = lines.reduce((sum, l) => sum + l.subtotalFen, 0);
  const conn = await pool.getConnection();
  let outboxIds: number[] = [];
  try {
    await conn.query('begin');
    try {
      await conn.query('select `id` from `user` where `id` = ? for update', [userId]);
      const [pending] = await conn.query<RowDataPacket[]>("select `id`, `store_id` as `storeId` from `orders` where `user_id` = ? and `status` = 'PENDING_PAYMENT'", [userId]);
      const here = pending.filter((o) => Number(o.storeId) === storeId).map((o) => o.id as number);
      if (here.length > 0) await conn.query('select sum(`quantity`) as `units` from `order_item` where `order_id` in (?)', [here]);
      const now = new Date();
      const expiresAt = new Date(now.getTime() + paymentTimeoutMs);
      for (const line of [...lines].sort((a, b) => a.skuId - b.skuId)) {
        const [r] = await conn.query<ResultSetHeader>(
          'update `sku` set `stock` = `stock` - ?, `reserved` = `reserved` + ?, `version` = `version` + 1, `updated_at` = ? where `id` = ? and `stock` >= ?',
          [line.quantity, line.quantity, now, line.skuId, line.quantity],
        );
        if (r.affectedRows !== 1) throw Object.assign(fail(`sku ${line.skuId} is out of stock`, 'OUT_OF_STOCK'), { rollback: true });
      }
      const [order] = await conn.query<ResultSetHeader>(
        'insert into `orders` (`order_no`, `user_id`, `store_id`, `status`, `total_fen`, `discount_fen`, `payable_fen`, `coupon_id`, `user_coupon_id`, `remark`, `client_request_id`, `version`, `expires_at`, `prepay_requested_at`, `paid_at`, `shipped_at`, `completed_at`, `cancelled_at`, `cancel_reason`, `created_at`, `updated_at`) values (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, 1, ?, NULL, NULL, NULL, NULL, NULL, NULL, ?, ?)',
        [orderNo, userId, storeId, 'PENDING_PAYMENT', totalFen, 0, totalFen, FLOOR_REMARK, input.clientRequestId, expiresAt, now, now],
      );
      await conn.query(
        'insert into `order_item` (`order_id`, `order_no`, `sku_id`, `product_id`, `product_name`, `sku_name`, `unit_price_fen`, `quantity`, `subtotal_fen`, `created_at`) values ?',
        [lines.map((l) => [order.insertId, orderNo, l.skuId, l.productId, l.productName, l.skuName, l.unitPriceFen, l.quantity, l.subtotalFen, now])],
      );
      // The same two rows the project stages: the payment-timeout delay message and the CREATED event.
      const created = { orderNo, userId, storeId, event: 'CREATED', status: 'PENDING_PAYMENT', previousStatus: null, seq: 1, totalFen, payableFen: totalFen, at: now.toISOString() };
      const [outbox] = await conn.query<ResultSetHeader>(
        'insert into `outbox_message` (`topic`, `tag`, `message_key`, `message_group`, `deliver_at`, `body`, `attempts`, `created_at`) values ?',
        [[
          ['TopicOrderTimeout', null, orderNo, null, expiresAt, JSON.stringify({ orderNo, expiresAt: expiresAt.toISOString() }), 0, new Date()],
          ['TopicOrderStatus', 'CREATED', orderNo, orderNo, null, JSON.stringify(created), 0, new Date()],
        ]],
      );
      await conn.query('commit');
      outboxIds = [outbox.insertId, outbox.insertId + 1];
    } catch (err) {
      await conn.query('rollback');
      throw err;
    }
  } finally {
    conn.release();
  }
  // What the project's outbox fast path runs after it publishes, not awaited by the response
  // either (the publish itself is not done here).
  void pool
    .query('select distinct message_group from outbox_message where (message_group = ? and id < ?)', [orderNo, outboxIds[0]])
    .then(() => pool.query('delete from outbox_message where id in (?)', [outboxIds]))
    .catch((err: Error) => console.error(`floor: outbox delete failed: ${err.message}`));
  return { orderNo };
}

/** Parsed and validated once per distinct document, as any server with a document cache does. */
const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
function document(query: string): DocumentNode | readonly GraphQLError[] {
  let doc = documents.get(query);
  if (!doc) {
    try {
      const parsed = parse(query);
      const errors = validate(schema, parsed);
      doc = errors.length > 0 ? errors : parsed;
    } catch (err) {
      doc = [err as GraphQLError];
    }
    documents.set(query, doc);
  }
  return doc;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const token = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(req.headers.authorization ?? '')?.[1];
  const raw = token ? await redis.get(`sess:${createHash('sha256').update(token).digest('base64url')}`) : null;
  const session = raw ? (JSON.parse(raw) as { userId: number }) : null;
  if (!session) return send(200, { errors: [{ message: 'unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }] });
  const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
  const doc = document(query);
  if (Array.isArray(doc)) return send(400, { errors: doc });
  const result = await execute({
    schema,
    document: doc as DocumentNode,
    variableValues: variables,
    rootValue: { placeOrder: ({ input }: { input: Input }) => placeOrder(session.userId, input) },
  });
  send(200, result);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: Error) => {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: err.message }] }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`floor ready ${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}`));
const stop = () => server.close(() => void Promise.all([pool.end(), redis.quit()]).then(() => process.exit(0)));
process.once('SIGTERM', stop);
