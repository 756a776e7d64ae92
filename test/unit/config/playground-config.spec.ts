import { loadConfig } from '../../../src/config/config.js';

/** Every variable production requires, with throwaway values. */
const PRODUCTION = {
  NODE_ENV: 'production',
  ROCKETMQ_ENDPOINTS: '127.0.0.1:8081',
  WECHAT_APPID: 'wx1',
  WECHAT_SECRET: 's',
  WECHAT_PAY_MCHID: 'm',
  WECHAT_PAY_SERIAL_NO: 'n',
  WECHAT_PAY_PRIVATE_KEY: 'p',
  WECHAT_PAY_APIV3_KEY: 'k'.repeat(32),
  WECHAT_PAY_PLATFORM_KEYS: '{}',
  WECHAT_PAY_NOTIFY_URL: 'https://shop.example/notify',
  SMS_BASE_URL: 'https://sms.example',
  LOGISTICS_BASE_URL: 'https://logistics.example',
  ADMIN_PASSWORD: 'a',
} as const;

describe('PLAYGROUND', () => {
  it('is on in local mode and outside production', () => {
    expect(loadConfig({}).graphql.playground).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).graphql.playground).toBe(true);
    expect(loadConfig({ WECHAT_APPID: 'wx1', WECHAT_SECRET: 's' }).graphql.playground).toBe(true);
    expect(loadConfig({ PLAYGROUND: 'false' }).graphql.playground).toBe(false);
  });

  it('is off in production unless PLAYGROUND=true', () => {
    expect(loadConfig(PRODUCTION).graphql.playground).toBe(false);
    expect(loadConfig({ ...PRODUCTION, PLAYGROUND: 'true' }).graphql.playground).toBe(true);
  });

  it('accepts only true or false', () => {
    expect(() => loadConfig({ PLAYGROUND: 'yes' })).toThrow(/PLAYGROUND/);
  });
});
