import { ConfigError, loadConfig, parseDuration } from '../../../src/config/config.js';

describe('configuration', () => {
  it('has working local defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.role).toBe('all');
    expect(config.runApi && config.runWorkers).toBe(true);
    expect(config.localMode).toBe(true);
    expect(config.mq.endpoints).toBeUndefined();
    expect(config.mq.embeddedBrokerPort).toBe(8081);
    expect(config.order.paymentTimeoutMs).toBe(30 * 60_000);
    expect(config.database.dbName).toBe('wxshop');
  });

  it('parses durations with units', () => {
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1500')).toBe(1500);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
    expect(loadConfig({ ORDER_PAYMENT_TIMEOUT: '2s' }).order.paymentTimeoutMs).toBe(2000);
  });

  it('DATABASE_SOCKET replaces the URL\'s host and port; empty means TCP', () => {
    expect(loadConfig({}).database.socketPath).toBeUndefined();
    expect(loadConfig({ DATABASE_SOCKET: '' }).database.socketPath).toBeUndefined();
    expect(loadConfig({ DATABASE_SOCKET: '/run/mysqld/mysqld.sock' }).database).toMatchObject({ socketPath: '/run/mysqld/mysqld.sock', dbName: 'wxshop' });
  });

  it('REDIS_CLUSTER_NODES switches Redis to cluster mode; a malformed list is refused by name', () => {
    expect(loadConfig({}).redis.clusterNodes).toBeUndefined();
    expect(loadConfig({ REDIS_CLUSTER_NODES: '' }).redis.clusterNodes).toBeUndefined();
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001,[::1]:7002' }).redis.clusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    for (const bad of ['10.0.0.1', '10.0.0.1:7000,', 'a:0', 'a:70000', 'redis://a:7000']) {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: bad })).toThrow(/REDIS_CLUSTER_NODES: not a host:port list/);
    }
  });

  it('MQ_LONG_POLLING_TIMEOUT under 5 s is refused at start-up (RocketMQ refuses such polls)', () => {
    expect(() => loadConfig({ MQ_LONG_POLLING_TIMEOUT: '1s' })).toThrow(/MQ_LONG_POLLING_TIMEOUT: must be at least 5s/);
    expect(() => loadConfig({ MQ_LONG_POLLING_TIMEOUT: '4999ms' })).toThrow(/ILLEGAL_POLLING_TIME/);
    expect(loadConfig({ MQ_LONG_POLLING_TIMEOUT: '5s' }).mq.longPollingTimeoutMs).toBe(5_000);
    expect(loadConfig({}).mq.longPollingTimeoutMs).toBe(5_000);
  });

  it('ROLE decides what the process runs', () => {
    expect(loadConfig({ ROLE: 'api' })).toMatchObject({ runApi: true, runWorkers: false });
    expect(loadConfig({ ROLE: 'worker' })).toMatchObject({ runApi: false, runWorkers: true });
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', ROLE: 'everything', ORDER_PAYMENT_TIMEOUT: 'later', REDIS_URL: 'not a url' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'ROLE', 'ORDER_PAYMENT_TIMEOUT', 'REDIS_URL']) expect(message).toContain(name);
  });

  it('production refuses to start without its credentials, naming them, never echoing secrets', () => {
    let message = '';
    try {
      loadConfig({ NODE_ENV: 'production', WECHAT_APPID: 'wx123', WECHAT_PAY_APIV3_KEY: 'k'.repeat(32) });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/missing configuration for production/);
    for (const name of ['ROCKETMQ_ENDPOINTS', 'WECHAT_SECRET', 'WECHAT_PAY_PRIVATE_KEY', 'WECHAT_PAY_PLATFORM_KEYS']) expect(message).toContain(name);
    expect(message).not.toContain('k'.repeat(32));
  });

  it('rejects an APIv3 key that is not 32 bytes', () => {
    expect(() => loadConfig({ WECHAT_PAY_APIV3_KEY: 'short' })).toThrow(/WECHAT_PAY_APIV3_KEY/);
  });

  it('leaves local mode when WeChat credentials are configured', () => {
    expect(loadConfig({ WECHAT_APPID: 'wx1', WECHAT_SECRET: 's' }).localMode).toBe(false);
  });
});
