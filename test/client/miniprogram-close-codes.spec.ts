import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebSocketServer } from 'ws';
import type { ClientError } from '../../clients/miniprogram/src/index.js';
import { createWxShim, type WxShim } from '../fakes/wx-runtime.js';
import { loadBuiltKit, type Kit } from '../helpers/miniprogram-kit.js';

/**
 * The close-code table against a scripted graphql-transport-ws server: the real BFF refuses with
 * 4403 only (covered by the e2e suite), so the other rows (4401 "log in again", 4500/4503 "retry
 * later", 4400 "give up") are driven here, over real HTTP and WebSockets.
 */
describe('mini-program kit: what each socket close code does', () => {
  let kit: Kit;
  let server: Server;
  let endpoint: string;
  /** How the server answers each next connection_init: a close code, or 0 to accept. */
  let script: number[] = [];
  let inits: unknown[] = [];
  let logins = 0;

  beforeAll(async () => {
    kit = await loadBuiltKit();
    server = createServer((req, res) => {
      // The login mutation only: each login issues the next token.
      req.resume();
      req.on('end', () => {
        logins++;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { login: { token: `token-${logins}`, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), firstLogin: false, role: 'customer', user: null } } }));
      });
    });
    const wss = new WebSocketServer({ server, path: '/graphql', handleProtocols: () => 'graphql-transport-ws' });
    wss.on('connection', (socket) => {
      socket.on('message', (raw) => {
        const message = JSON.parse(raw.toString());
        if (message.type === 'connection_init') {
          inits.push(message.payload);
          const code = script.shift() ?? 0;
          if (code) socket.close(code, `scripted ${code}`);
          else socket.send(JSON.stringify({ type: 'connection_ack' }));
        } else if (message.type === 'subscribe') {
          socket.send(JSON.stringify({ id: message.id, type: 'next', payload: { data: { orderStatusChanged: { orderNo: 'N1', status: 'PAID', seq: 2 } } } }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  async function run(closes: number[]): Promise<{ shim: WxShim; events: unknown[]; error?: ClientError; expired: ClientError[] }> {
    script = [...closes];
    inits = [];
    logins = 0;
    const shim = createWxShim({ code: () => 'scripted-user' });
    shim.setStorageSync('wxshop.session', { token: 'token-0', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    const expired: ClientError[] = [];
    const client = kit.createClient({ endpoint, wx: shim, retry: { baseDelayMs: 10, maxDelayMs: 50, socketAttempts: 5 }, onSessionExpired: (e) => expired.push(e) });
    const events: unknown[] = [];
    try {
      const error = await new Promise<ClientError | undefined>((resolve) => {
        client.subscribe('subscription { orderStatusChanged(orderNo: "N1") { orderNo status seq } }', {}, {
          next: (data) => {
            events.push(data);
            resolve(undefined);
          },
          error: resolve,
        });
      });
      return { shim, events, error, expired };
    } finally {
      await client.dispose();
    }
  }

  it('4401 (unauthorized): logs in once, reconnects with the new token, and the subscription flows', async () => {
    expect(kit.CLOSE_ACTIONS[4401]).toBe('relogin');
    const r = await run([4401]);
    expect(r.error).toBeUndefined();
    expect(r.events).toEqual([{ orderStatusChanged: { orderNo: 'N1', status: 'PAID', seq: 2 } }]);
    expect(inits).toEqual([{ authorization: 'Bearer token-0' }, { authorization: 'Bearer token-1' }]);
    expect(r.shim.logins).toBe(1);
    expect(r.expired).toEqual([]);
  });

  it('4401 twice in a row: one re-login, then UNAUTHENTICATED / SESSION_INVALID and onSessionExpired', async () => {
    const r = await run([4401, 4401]);
    expect(r.error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_INVALID', closeCode: 4401 });
    expect(r.expired).toEqual([r.error]);
    expect(r.shim.sockets).toHaveLength(2);
    expect(logins).toBe(1);
  });

  it('4500 and 4503 ("retry later"): reconnects with the same session, no login', async () => {
    const r = await run([4500, 4503]);
    expect(r.error).toBeUndefined();
    expect(r.events).toHaveLength(1);
    expect(inits).toEqual([{ authorization: 'Bearer token-0' }, { authorization: 'Bearer token-0' }, { authorization: 'Bearer token-0' }]);
    expect(logins).toBe(0);
  });

  it('"retry later" for longer than socketAttempts: SOCKET_CLOSED, retryable', async () => {
    const r = await run([4503, 4503, 4503, 4503, 4503, 4503, 4503]);
    expect(r.error).toMatchObject({ code: 'SOCKET_CLOSED', closeCode: 4503, retryable: true });
    expect(r.shim.sockets).toHaveLength(6); // 1 + socketAttempts (5)
  });

  it('4400 (bad request): an error at once, no retry, no login', async () => {
    const r = await run([4400]);
    expect(r.error).toMatchObject({ code: 'SOCKET_CLOSED', closeCode: 4400, retryable: false });
    expect(r.shim.sockets).toHaveLength(1);
    expect(logins).toBe(0);
  });
});
