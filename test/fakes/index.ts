/**
 * Test-side entry to the built-in simulators. `startFakes()` starts ONE simulator (ephemeral
 * port, keys generated) and returns the options each real client needs, so a test wires the
 * production adapters against it exactly as local mode does. Latency and failures are set on
 * `fakes.sim` (setLatency, failNext, setFailureRate, reset).
 */
import { Writable } from 'node:stream';
import { ExternalServiceError } from '../../src/infra/wechat/wechat.errors.js';
import { createLogger, type Logger } from '../../src/infra/observability/logger.js';
import { PAY_NOTIFY_PATH, type Externals } from '../../src/infra/wechat/externals.js';
import { MiniProgramClient, type MiniProgramClientOptions } from '../../src/infra/wechat/mini-program.client.js';
import { WechatPayClient, type WechatPayClientOptions } from '../../src/infra/wechat/pay/wechat-pay.client.js';
import { LogisticsHttpClient, type LogisticsHttpClientOptions } from '../../src/infra/wechat/providers/logistics.client.js';
import { SmsClient, type SmsClientOptions } from '../../src/infra/wechat/providers/sms.client.js';
import {
  DEFAULT_LOCAL_APPSECRET,
  generateLocalPayKeys,
  startWechatSimulator,
  type LocalPayKeys,
  type WechatSimulator,
  type WechatSimulatorOptions,
} from '../../src/infra/wechat/simulator/index.js';

export * from '../../src/infra/wechat/simulator/index.js';

/** Every log line written through it, to assert that no secret was logged. */
export class MemoryLog extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/** A debug-level logger writing to memory. */
export function memoryLogger(): { logger: Logger; log: MemoryLog } {
  const log = new MemoryLog();
  return { logger: createLogger({ level: 'debug', destination: log, name: 'test' }), log };
}

export interface Fakes {
  sim: WechatSimulator;
  keys: LocalPayKeys;
  logger: Logger;
  log: MemoryLog;
  /** Options for each real client, pointed at the simulator. */
  miniProgramOptions: MiniProgramClientOptions;
  payOptions: WechatPayClientOptions;
  smsOptions: SmsClientOptions;
  logisticsOptions: LogisticsHttpClientOptions;
  /** The same clients local mode builds, already constructed (closed by `close()`). */
  externals: Externals;
  /** Every secret the fakes hold, for "not in the logs" assertions. */
  secrets(): string[];
  close(): Promise<void>;
}

export interface FakesOptions extends Omit<WechatSimulatorOptions, 'merchant' | 'platform'> {
  /** Client deadline, ms (default 1000 so timeout tests stay quick). */
  timeoutMs?: number;
  /** Where the simulator sends pay notifications (default: a URL nobody listens on; set later with externals.setNotifyBaseUrl). */
  notifyUrl?: string;
  logger?: Logger;
}

export async function startFakes(options: FakesOptions = {}): Promise<Fakes> {
  const keys = generateLocalPayKeys();
  const memory = memoryLogger();
  const logger = options.logger ?? memory.logger;
  const sim = await startWechatSimulator({
    appSecret: DEFAULT_LOCAL_APPSECRET,
    notifyRetryDelaysMs: [50, 100, 200],
    refundDelayMs: 50,
    ...options,
    logger,
    merchant: { publicKey: keys.merchantPublicKey, serialNo: keys.merchantSerialNo, apiV3Key: keys.apiV3Key },
    platform: { privateKey: keys.platformPrivateKey, publicKey: keys.platformPublicKey, serialNo: keys.platformSerialNo },
  });
  const timeoutMs = options.timeoutMs ?? 1_000;
  let notifyUrl = options.notifyUrl ?? `http://127.0.0.1:9${PAY_NOTIFY_PATH}`;
  const miniProgramOptions: MiniProgramClientOptions = { baseUrl: sim.baseUrl, appId: sim.appId, appSecret: sim.appSecret ?? DEFAULT_LOCAL_APPSECRET, timeoutMs, logger };
  const payOptions: WechatPayClientOptions = {
    baseUrl: sim.baseUrl,
    appId: sim.appId,
    mchId: sim.mchId,
    merchantSerialNo: keys.merchantSerialNo,
    merchantPrivateKey: keys.merchantPrivateKey,
    apiV3Key: keys.apiV3Key,
    platformPublicKeys: { [keys.platformSerialNo]: keys.platformPublicKey },
    notifyUrl: () => notifyUrl,
    timeoutMs,
    logger,
  };
  const smsOptions: SmsClientOptions = { baseUrl: sim.baseUrl, timeoutMs, logger };
  const logisticsOptions: LogisticsHttpClientOptions = { baseUrl: sim.baseUrl, timeoutMs, logger };

  const miniProgram = new MiniProgramClient(miniProgramOptions);
  const pay = new WechatPayClient(payOptions);
  const sms = new SmsClient(smsOptions);
  const logistics = new LogisticsHttpClient(logisticsOptions);
  const externals: Externals = {
    miniProgram,
    pay,
    sms,
    logistics,
    simulator: sim,
    simulatePayment: async (outTradeNo) => {
      await sim.pay(outTradeNo);
    },
    setNotifyBaseUrl(baseUrl) {
      notifyUrl = `${baseUrl.replace(/\/+$/, '')}${PAY_NOTIFY_PATH}`;
      sim.setNotifyUrl(notifyUrl);
    },
    describe: `fakes at ${sim.baseUrl}`,
    async close() {
      // Owned by the Fakes: closed by fakes.close(), so an app built on them can close freely.
    },
  };

  return {
    sim,
    keys,
    logger,
    log: memory.log,
    miniProgramOptions,
    payOptions,
    smsOptions,
    logisticsOptions,
    externals,
    secrets: () => [keys.apiV3Key, pemBody(keys.merchantPrivateKey), pemBody(keys.platformPrivateKey), sim.appSecret ?? DEFAULT_LOCAL_APPSECRET],
    async close() {
      await Promise.allSettled([miniProgram.close(), pay.close(), sms.close(), logistics.close()]);
      await sim.close();
    },
  };
}

/** A distinctive line of a PEM's base64 body (a log would never hold the whole PEM verbatim). */
export function pemBody(pem: string): string {
  return pem.split('\n')[2] ?? pem;
}

export { NotifyReceiver } from './notify-receiver.js';

/** The typed error a call to an outside party failed with; fails the test if it succeeded or threw anything else. */
export async function errorOf(promise: Promise<unknown>): Promise<ExternalServiceError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ExternalServiceError);
    return err as ExternalServiceError;
  }
  throw new Error('expected a failure');
}
