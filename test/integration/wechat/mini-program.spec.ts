import { createServer } from 'node:net';
import { MiniProgramClient } from '../../../src/infra/wechat/mini-program.client.js';
import { errorOf, startFakes, type Fakes } from '../../fakes/index.js';
import { sleep } from '../../helpers/wait.js';

let fakes: Fakes;
let client: MiniProgramClient;
/** Everything secret the client handled, checked against the log at the end. */
const secretsSeen: string[] = [];

beforeAll(async () => {
  // A deadline no answered call gets near on a busy machine; the timeout cases hold the request far beyond it.
  fakes = await startFakes({ timeoutMs: 3_000 });
  client = new MiniProgramClient(fakes.miniProgramOptions);
});

afterEach(() => {
  fakes.sim.reset();
});

afterAll(async () => {
  await client.close();
  await fakes.close();
});

describe('code2Session', () => {
  it('logs any code in; the same code always gives the same openid, the session key is fresh', async () => {
    const a = await client.code2Session('0a3Xyz-login-code');
    const b = await client.code2Session('0a3Xyz-login-code');
    const c = await client.code2Session('another-code');
    secretsSeen.push(a.sessionKey, b.sessionKey, c.sessionKey);
    expect(a.openid).toBe(fakes.sim.openidFor('0a3Xyz-login-code'));
    expect(a.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
    expect(b.openid).toBe(a.openid);
    expect(c.openid).not.toBe(a.openid);
    expect(a.sessionKey).not.toBe(b.sessionKey);
    expect(Buffer.from(a.sessionKey, 'base64')).toHaveLength(16);
    expect(fakes.sim.callsTo('code2Session')).toBe(3);
  });

  it('invalid, used and high-risk codes → WECHAT_CODE_INVALID (not retryable)', async () => {
    for (const [code, errcode] of [
      ['invalid-code', 40029],
      ['used-code', 40163],
      ['risky-code', 40226],
    ] as const) {
      const err = await errorOf(client.code2Session(code));
      expect(err.code).toBe('WECHAT_CODE_INVALID');
      expect(err.errcode).toBe(errcode);
      expect(err.retryable).toBe(false);
    }
  });

  it('latency beyond the timeout → WECHAT_UNAVAILABLE (timeout), retryable; then recovers', async () => {
    fakes.sim.setLatency('miniProgram', 60_000);
    const held = fakes.sim.inFlight('code2Session');
    const err = await errorOf(client.code2Session('slow-code'));
    // The client gave up at its deadline, not when the answer came: WeChat still holds the request.
    expect(fakes.sim.inFlight('code2Session')).toBe(held + 1);
    expect(err.code).toBe('WECHAT_UNAVAILABLE');
    expect(err.transport).toBe('timeout');
    expect(err.retryable).toBe(true);
    fakes.sim.setLatency('miniProgram', 50);
    await expect(client.code2Session('slow-code')).resolves.toMatchObject({ openid: fakes.sim.openidFor('slow-code') });
  });

  it('http500, reset, timeout and busy each → WECHAT_UNAVAILABLE, distinct from a bad code', async () => {
    fakes.sim.failNext('miniProgram', 1, 'http500');
    fakes.sim.failNext('miniProgram', 1, 'reset');
    fakes.sim.failNext('miniProgram', 1, 'timeout');
    fakes.sim.failNext('miniProgram', 1, 'busy');
    const http500 = await errorOf(client.code2Session('c1'));
    const reset = await errorOf(client.code2Session('c1'));
    const timeout = await errorOf(client.code2Session('c1'));
    const busy = await errorOf(client.code2Session('c1'));
    for (const err of [http500, reset, timeout, busy]) {
      expect(err.code).toBe('WECHAT_UNAVAILABLE');
      expect(err.retryable).toBe(true);
    }
    expect(http500.status).toBe(500);
    expect(reset.transport).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(timeout.transport).toBe('timeout');
    expect(busy.errcode).toBe(-1);
    await expect(client.code2Session('c1')).resolves.toMatchObject({ openid: fakes.sim.openidFor('c1') });
    expect(fakes.sim.calls('miniProgram')).toBe(5);
  });

  it('connection refused → WECHAT_UNAVAILABLE', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const offline = new MiniProgramClient({ ...fakes.miniProgramOptions, baseUrl: `http://127.0.0.1:${port}` });
    try {
      const err = await errorOf(offline.code2Session('c2'));
      expect(err.code).toBe('WECHAT_UNAVAILABLE');
      expect(err.transport).toBe('ECONNREFUSED');
    } finally {
      await offline.close();
    }
  });

  it('a wrong app secret is a WECHAT_API_ERROR that does not echo the secret', async () => {
    const wrong = new MiniProgramClient({ ...fakes.miniProgramOptions, appSecret: 'wrong-secret-value' });
    try {
      const err = await errorOf(wrong.code2Session('c3'));
      expect(err.code).toBe('WECHAT_API_ERROR');
      expect(err.errcode).toBe(40125);
      expect(err.message).not.toContain('wrong-secret-value');
    } finally {
      await wrong.close();
    }
  });
});

describe('access token and subscribe messages', () => {
  const message = (i: number) => ({
    toOpenid: fakes.sim.openidFor(`user-${i}`),
    templateId: 'TPL_ORDER_PAID',
    page: `pages/order/detail?orderNo=WX${i}`,
    data: { character_string1: { value: `WX${i}` }, amount2: { value: '19.90' } },
  });

  it('one token call serves 50 concurrent sends; every message is recorded', async () => {
    client.invalidateAccessToken();
    await Promise.all(Array.from({ length: 50 }, (_, i) => client.sendSubscribeMessage(message(i))));
    expect(fakes.sim.callsTo('token')).toBe(1);
    expect(fakes.sim.callsTo('subscribeSend')).toBe(50);
    const sent = fakes.sim.sentSubscribeMessages();
    expect(sent).toHaveLength(50);
    expect(sent.find((m) => m.page === 'pages/order/detail?orderNo=WX7')).toMatchObject({
      touser: fakes.sim.openidFor('user-7'),
      template_id: 'TPL_ORDER_PAID',
      data: { character_string1: { value: 'WX7' } },
    });
    secretsSeen.push(await client.getAccessToken());
  });

  it('refreshes once (single flight) when WeChat answers 40001, and the sends go through', async () => {
    await client.getAccessToken();
    fakes.sim.reset();
    fakes.sim.invalidateAccessTokens();
    await Promise.all(Array.from({ length: 10 }, (_, i) => client.sendSubscribeMessage(message(i))));
    expect(fakes.sim.callsTo('token')).toBe(1);
    expect(fakes.sim.callsTo('subscribeSend')).toBe(20); // 10 refused with 40001, 10 retried
    expect(fakes.sim.sentSubscribeMessages()).toHaveLength(10);
    secretsSeen.push(await client.getAccessToken());
  });

  it('a short-lived token is refreshed before it expires', async () => {
    const shortFakes = await startFakes({ accessTokenTtlSeconds: 1 });
    const shortClient = new MiniProgramClient(shortFakes.miniProgramOptions);
    try {
      const first = await shortClient.getAccessToken();
      expect(await shortClient.getAccessToken()).toBe(first);
      await sleep(600);
      const second = await shortClient.getAccessToken();
      expect(second).not.toBe(first);
      expect(shortFakes.sim.callsTo('token')).toBe(2);
    } finally {
      await shortClient.close();
      await shortFakes.close();
    }
  });

  it('send failures are typed: invalid openid → WECHAT_API_ERROR, 500 → WECHAT_UNAVAILABLE', async () => {
    const bad = await errorOf(client.sendSubscribeMessage({ ...message(1), toOpenid: '' }));
    expect(bad.code).toBe('WECHAT_API_ERROR');
    expect(bad.errcode).toBe(40003);
    await client.getAccessToken();
    fakes.sim.failNext('miniProgram', 1, 'http500');
    expect((await errorOf(client.sendSubscribeMessage(message(1)))).code).toBe('WECHAT_UNAVAILABLE');
  });
});

describe('logs', () => {
  it('never contain a session key, access token or the app secret', () => {
    expect(secretsSeen.length).toBeGreaterThan(3);
    const text = fakes.log.text();
    expect(text).toContain('WeChat API call'); // the client did log
    for (const secret of [...secretsSeen, ...fakes.secrets()]) expect(text).not.toContain(secret);
  });
});
