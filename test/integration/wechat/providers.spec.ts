import { LogisticsHttpClient } from '../../../src/infra/wechat/providers/logistics.client.js';
import { SmsClient } from '../../../src/infra/wechat/providers/sms.client.js';
import { SIMULATOR_CONTROL_PREFIX } from '../../../src/infra/wechat/simulator/wechat-simulator.js';
import { errorOf, startFakes, type Fakes } from '../../fakes/index.js';
import { waitFor } from '../../helpers/wait.js';

let fakes: Fakes;
let sms: SmsClient;
let logistics: LogisticsHttpClient;

beforeAll(async () => {
  // A deadline no answered call gets near on a busy machine; the timeout cases hold the request far beyond it.
  fakes = await startFakes({ timeoutMs: 3_000 });
  sms = new SmsClient({ ...fakes.smsOptions, apiKey: 'sms-api-key-not-for-logs' });
  logistics = new LogisticsHttpClient(fakes.logisticsOptions);
});

afterEach(() => {
  fakes.sim.reset();
});

afterAll(async () => {
  await sms.close();
  await logistics.close();
  await fakes.close();
});

const waybillInput = (orderNo: string) => ({
  orderNo,
  receiver: { name: 'Li Lei', phone: '13800138000', address: 'No. 1 Century Ave, Pudong, Shanghai' },
  items: [{ skuId: 'sku-1', name: 'Latte beans 500g', quantity: 2 }],
});

describe('SMS', () => {
  it('sends and the simulator records the message; phone numbers are masked in logs', async () => {
    const { messageId } = await sms.send({ phone: '13912345678', templateId: 'SMS_ORDER_PAID', params: { orderNo: 'WX1' } });
    expect(messageId).toMatch(/^sms_/);
    expect(fakes.sim.sentSms()).toEqual([expect.objectContaining({ messageId, phone: '13912345678', templateId: 'SMS_ORDER_PAID', params: { orderNo: 'WX1' } })]);
    expect(fakes.log.text()).toContain('139****5678');
    expect(fakes.log.text()).not.toContain('13912345678');
  });

  it('a bad number → PROVIDER_REQUEST_FAILED (not retryable)', async () => {
    const err = await errorOf(sms.send({ phone: '12345', templateId: 'T', params: {} }));
    expect(err).toMatchObject({ code: 'PROVIDER_REQUEST_FAILED', status: 400, remoteCode: 'INVALID_PHONE', retryable: false });
  });

  it('latency within the timeout is fine; beyond it → PROVIDER_UNAVAILABLE', async () => {
    fakes.sim.setLatency('sms', 100);
    await expect(sms.send({ phone: '13912345678', templateId: 'T', params: {} })).resolves.toHaveProperty('messageId');
    fakes.sim.setLatency('sms', 60_000);
    expect(await errorOf(sms.send({ phone: '13912345678', templateId: 'T', params: {} }))).toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      transport: 'timeout',
      retryable: true,
    });
  });

  it('hold keeps calls unanswered until release (also through the control route); reset releases them too', async () => {
    fakes.sim.hold('sms');
    const sent = sms.send({ phone: '13912345678', templateId: 'SMS_ORDER_PAID', params: { orderNo: 'WX2' } });
    await waitFor(() => fakes.sim.inFlight('sms') === 1, { what: 'the held SMS call' });
    expect(fakes.sim.sentSms()).toEqual([]);
    const control = (route: string) => fetch(`${fakes.sim.baseUrl}${SIMULATOR_CONTROL_PREFIX}${route}`, { method: 'POST', body: JSON.stringify({ service: 'sms' }) });
    expect((await control('release')).status).toBe(200);
    await expect(sent).resolves.toHaveProperty('messageId');

    expect((await control('hold')).status).toBe(200);
    const again = sms.send({ phone: '13912345678', templateId: 'SMS_ORDER_PAID', params: { orderNo: 'WX3' } });
    await waitFor(() => fakes.sim.inFlight('sms') === 1, { what: 'the held SMS call' });
    fakes.sim.reset();
    await expect(again).resolves.toHaveProperty('messageId');
  });

  it('http500, reset, timeout and busy → PROVIDER_UNAVAILABLE; a failure rate of 1 fails everything, 0 nothing', async () => {
    for (const kind of ['http500', 'reset', 'timeout', 'busy'] as const) {
      fakes.sim.failNext('sms', 1, kind);
      expect((await errorOf(sms.send({ phone: '13912345678', templateId: 'T', params: {} }))).code).toBe('PROVIDER_UNAVAILABLE');
    }
    fakes.sim.setFailureRate('sms', 1);
    for (let i = 0; i < 3; i++) expect((await errorOf(sms.send({ phone: '13912345678', templateId: 'T', params: {} }))).status).toBe(500);
    fakes.sim.setFailureRate('sms', 0);
    await expect(sms.send({ phone: '13912345678', templateId: 'T', params: {} })).resolves.toHaveProperty('messageId');
    expect(fakes.sim.calls('sms')).toBe(8);
    expect(fakes.sim.counters()).toEqual({ miniProgram: 0, pay: 0, sms: 8, logistics: 0 });
  });
});

describe('logistics', () => {
  it('creates a waybill; the same order again returns the same waybill', async () => {
    const first = await logistics.createWaybill(waybillInput('WX202401010001'));
    expect(first).toEqual({ waybillNo: expect.stringMatching(/^SF/), carrier: 'SIM_EXPRESS' });
    await expect(logistics.createWaybill(waybillInput('WX202401010001'))).resolves.toEqual(first);
    expect(fakes.sim.waybills()).toEqual([expect.objectContaining({ orderNo: 'WX202401010001', waybillNo: first.waybillNo, items: waybillInput('x').items })]);
  });

  it('jitter beyond the timeout and injected failures → PROVIDER_UNAVAILABLE; a bad address → PROVIDER_REQUEST_FAILED', async () => {
    fakes.sim.setLatency('logistics', 60_000);
    const held = fakes.sim.inFlight('waybill');
    expect(await errorOf(logistics.createWaybill(waybillInput('WX202401010002')))).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', transport: 'timeout' });
    // The client gave up at its deadline, not when the answer came: the provider still holds the request.
    expect(fakes.sim.inFlight('waybill')).toBe(held + 1);
    expect(fakes.sim.waybills()).toEqual([]);
    fakes.sim.setLatency('logistics', 0);
    fakes.sim.failNext('logistics', 2, 'reset');
    expect((await errorOf(logistics.createWaybill(waybillInput('WX202401010002')))).code).toBe('PROVIDER_UNAVAILABLE');
    expect((await errorOf(logistics.createWaybill(waybillInput('WX202401010002')))).code).toBe('PROVIDER_UNAVAILABLE');
    await expect(logistics.createWaybill(waybillInput('WX202401010002'))).resolves.toHaveProperty('waybillNo');

    const bad = await errorOf(logistics.createWaybill({ ...waybillInput('WX202401010003'), receiver: { name: '', phone: '', address: '' } }));
    expect(bad).toMatchObject({ code: 'PROVIDER_REQUEST_FAILED', remoteCode: 'INVALID_RECEIVER' });
  });

  it('logs hold no API key', () => {
    expect(fakes.log.text()).not.toContain('sms-api-key-not-for-logs');
  });
});
