import { loadConfig } from '../../../src/config/config.js';
import { startExternals, type Externals } from '../../../src/infra/wechat/externals.js';
import { memoryLogger, NotifyReceiver } from '../../fakes/index.js';

describe('startExternals in local mode', () => {
  let externals: Externals;
  let receiver: NotifyReceiver;
  const { logger, log } = memoryLogger();

  beforeAll(async () => {
    externals = await startExternals(loadConfig({ NODE_ENV: 'test', PORT: '0' }), logger);
    receiver = await NotifyReceiver.start(externals.pay);
    externals.setNotifyBaseUrl(receiver.baseUrl);
  });

  afterAll(async () => {
    await receiver.close();
    await externals.close();
  });

  it('serves every party from one simulator through the production clients', async () => {
    expect(externals.simulator).toBeDefined();
    expect(externals.describe).toContain('WeChat, WeChat Pay, SMS, logistics at http://127.0.0.1:');
    const session = await externals.miniProgram.code2Session('local-code');
    expect(session.openid).toBe(externals.simulator!.openidFor('local-code'));

    const { prepayId } = await externals.pay.createJsapiPrepay({ outTradeNo: 'LOCAL000001', description: 'demo', amountFen: 100, payerOpenid: session.openid });
    expect(externals.pay.buildRequestPaymentParams(prepayId).package).toBe(`prepay_id=${prepayId}`);
    await externals.simulatePayment!('LOCAL000001');
    const n = await receiver.waitFor((x) => x.kind === 'transaction' && x.transaction.out_trade_no === 'LOCAL000001');
    expect(n.kind === 'transaction' && n.transaction.trade_state).toBe('SUCCESS');

    await externals.miniProgram.sendSubscribeMessage({ toOpenid: session.openid, templateId: 'T', data: { thing1: { value: 'paid' } } });
    await expect(externals.sms.send({ phone: '13800138000', templateId: 'T', params: {} })).resolves.toHaveProperty('messageId');
    await expect(
      externals.logistics.createWaybill({ orderNo: 'LOCAL000001', receiver: { name: 'a', phone: '13800138000', address: 'b' }, items: [{ name: 'c', quantity: 1 }] }),
    ).resolves.toHaveProperty('waybillNo');
    expect(log.text()).not.toContain(session.sessionKey);
  });

  it('refuses to simulate anything in production mode', async () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    await expect(startExternals({ ...config, production: true }, logger)).rejects.toThrow(/production mode/);
  });
});
