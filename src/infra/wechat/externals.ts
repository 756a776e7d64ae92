import type { Config } from '../../config/config.js';
import type { Logger } from '../observability/logger.js';
import { MiniProgramClient } from './mini-program.client.js';
import type { MiniProgramApi } from './mini-program.port.js';
import { WechatPayClient } from './pay/wechat-pay.client.js';
import type { WechatPay } from './pay/wechat-pay.port.js';
import { LogisticsHttpClient } from './providers/logistics.client.js';
import type { LogisticsClient } from './providers/logistics.port.js';
import { SmsClient } from './providers/sms.client.js';
import type { SmsSender } from './providers/sms.port.js';
import { DEFAULT_LOCAL_APPSECRET, generateLocalPayKeys, startWechatSimulator, type WechatSimulator } from './simulator/index.js';
import { joinSharedSimulator } from './simulator/shared-simulator.js';

/** Path of the BFF's WeChat Pay notify endpoint (DESIGN.md). */
export const PAY_NOTIFY_PATH = '/pay/wechat/notify';

/**
 * Every outside party the BFF talks to, as ports, plus (in local mode) the simulator behind them.
 * Built once in the composition root.
 */
export interface Externals {
  miniProgram: MiniProgramApi;
  pay: WechatPay;
  sms: SmsSender;
  logistics: LogisticsClient;
  /** Present when at least one party is simulated (local mode, tests). */
  simulator?: WechatSimulator;
  /** Local mode: marks the order paid in the simulator, which then sends the signed notification. */
  simulatePayment?(outTradeNo: string): Promise<void>;
  /**
   * Tells WeChat Pay (real or simulated) where to send notifications, e.g. once the HTTP server
   * listens on an ephemeral port: `externals.setNotifyBaseUrl(http.url)`.
   */
  setNotifyBaseUrl(baseUrl: string): void;
  /** One line for the start-up banner. */
  describe?: string;
  close(): Promise<void>;
}

/**
 * Builds the production adapters from config; any party without credentials (local mode) is
 * served by one built-in simulator, reached through the very same HTTP adapters. In production
 * mode config validation has already required every credential, so no simulator starts.
 */
export async function startExternals(config: Config, logger: Logger): Promise<Externals> {
  const wx = config.wechat;
  const pay = wx.pay;
  const realMiniProgram = Boolean(wx.appId && wx.secret);
  const realPay = Boolean(wx.appId && pay.mchId && pay.serialNo && pay.privateKey && pay.apiV3Key && pay.platformKeys && pay.notifyUrl);
  const realSms = Boolean(wx.smsBaseUrl);
  const realLogistics = Boolean(wx.logisticsBaseUrl);
  const needsSimulator = !realMiniProgram || !realPay || !realSms || !realLogistics;
  if (config.production && needsSimulator) throw new Error('production mode needs every WeChat, WeChat Pay, SMS and logistics setting');

  let simulator: WechatSimulator | undefined;
  const shared = needsSimulator && wx.simulator.url ? await joinSharedSimulator(wx.simulator.url, logger, wx.simulator.waitMs) : undefined;
  if (needsSimulator && !shared && config.role === 'worker') {
    // Its own simulator would have its own keys and transactions: refunds 404, probes ask the wrong party.
    throw new Error('ROLE=worker in local mode needs WECHAT_SIMULATOR_URL: the simulator of the API process (started with WECHAT_SIMULATOR_PORT)');
  }
  const keys = !realPay ? (shared?.keys ?? generateLocalPayKeys()) : undefined;
  if (needsSimulator && !shared) {
    simulator = await startWechatSimulator({
      port: wx.simulator.port,
      host: '127.0.0.1',
      shareKeys: keys,
      logger,
      appId: wx.appId,
      appSecret: realMiniProgram ? undefined : DEFAULT_LOCAL_APPSECRET,
      mchId: pay.mchId,
      merchant: keys && { publicKey: keys.merchantPublicKey, serialNo: keys.merchantSerialNo, apiV3Key: keys.apiV3Key },
      platform: keys && { privateKey: keys.platformPrivateKey, publicKey: keys.platformPublicKey, serialNo: keys.platformSerialNo },
    });
  }
  const simUrl = shared?.url ?? simulator?.baseUrl ?? '';
  const appId = wx.appId ?? shared?.appId ?? simulator!.appId;
  const simMchId = shared?.mchId ?? simulator?.mchId;

  let notifyUrl = pay.notifyUrl ?? `${config.publicUrl ?? `http://127.0.0.1:${config.port}`}${PAY_NOTIFY_PATH}`;
  const miniProgram = new MiniProgramClient({
    baseUrl: realMiniProgram ? wx.apiBaseUrl : simUrl,
    appId,
    appSecret: realMiniProgram ? wx.secret! : DEFAULT_LOCAL_APPSECRET,
    timeoutMs: wx.timeoutMs,
    logger,
  });
  const payClient = realPay
    ? new WechatPayClient({
        baseUrl: pay.baseUrl,
        appId,
        mchId: pay.mchId!,
        merchantSerialNo: pay.serialNo!,
        merchantPrivateKey: pay.privateKey!,
        apiV3Key: pay.apiV3Key!,
        platformPublicKeys: pay.platformKeys!,
        notifyUrl: () => notifyUrl,
        timeoutMs: wx.timeoutMs,
        logger,
      })
    : new WechatPayClient({
        baseUrl: simUrl,
        appId,
        mchId: simMchId!,
        merchantSerialNo: keys!.merchantSerialNo,
        merchantPrivateKey: keys!.merchantPrivateKey,
        apiV3Key: keys!.apiV3Key,
        platformPublicKeys: { [keys!.platformSerialNo]: keys!.platformPublicKey },
        notifyUrl: () => notifyUrl,
        timeoutMs: wx.timeoutMs,
        logger,
      });
  const sms = new SmsClient({ baseUrl: realSms ? wx.smsBaseUrl! : simUrl, logger });
  const logistics = new LogisticsHttpClient({ baseUrl: realLogistics ? wx.logisticsBaseUrl! : simUrl, logger });

  const simulated = [!realMiniProgram && 'WeChat', !realPay && 'WeChat Pay', !realSms && 'SMS', !realLogistics && 'logistics'].filter(Boolean);
  return {
    miniProgram,
    pay: payClient,
    sms,
    logistics,
    simulator,
    simulatePayment:
      simulator && !realPay
        ? async (outTradeNo: string) => {
            await simulator.pay(outTradeNo);
          }
        : shared && !realPay
          ? (outTradeNo: string) => shared.pay(outTradeNo)
          : undefined,
    setNotifyBaseUrl(baseUrl: string) {
      if (pay.notifyUrl) return; // configured explicitly: WeChat must reach that public URL
      notifyUrl = `${baseUrl.replace(/\/+$/, '')}${PAY_NOTIFY_PATH}`;
      if (!realPay) simulator?.setNotifyUrl(notifyUrl);
    },
    describe: simulator ? `${simulated.join(', ')} at ${simulator.baseUrl}` : shared ? `${simulated.join(', ')} at ${shared.url} (shared)` : undefined,
    async close() {
      await Promise.allSettled([miniProgram.close(), payClient.close(), sms.close(), logistics.close()]);
      await simulator?.close();
    },
  };
}
