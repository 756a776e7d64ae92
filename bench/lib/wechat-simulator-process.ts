/**
 * The outside parties (WeChat, WeChat Pay, SMS, logistics) of a benchmark in a process of their
 * own, as they are in production: the API and the workers join it (WECHAT_SIMULATOR_URL) and the
 * benchmark meters its CPU apart from the project's. Prints "simulator ready <url>", stops on
 * SIGTERM. Env: SIMULATOR_PORT (0 = ephemeral).
 */
import { createLogger } from '../../src/infra/observability/logger.js';
import { DEFAULT_LOCAL_APPSECRET, generateLocalPayKeys, startWechatSimulator } from '../../src/infra/wechat/simulator/index.js';

const keys = generateLocalPayKeys();
const simulator = await startWechatSimulator({
  port: Number(process.env.SIMULATOR_PORT ?? 0),
  host: '127.0.0.1',
  logger: createLogger({ level: 'error' }),
  appSecret: DEFAULT_LOCAL_APPSECRET,
  shareKeys: keys,
  merchant: { publicKey: keys.merchantPublicKey, serialNo: keys.merchantSerialNo, apiV3Key: keys.apiV3Key },
  platform: { privateKey: keys.platformPrivateKey, publicKey: keys.platformPublicKey, serialNo: keys.platformSerialNo },
});
process.stdout.write(`simulator ready ${simulator.baseUrl}\n`);
process.on('SIGTERM', () => void simulator.close().finally(() => process.exit(0)));
