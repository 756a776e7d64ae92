export {
  startWechatSimulator,
  DEFAULT_LOCAL_APPID,
  DEFAULT_LOCAL_APPSECRET,
  DEFAULT_LOCAL_MCHID,
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_NOTIFY_RETRY_DELAYS_MS,
  DEFAULT_REFUND_DELAY_MS,
  type WechatSimulator,
  type WechatSimulatorOptions,
  type SimulatedService,
  type FailureKind,
  type SentSubscribeMessage,
  type SentSms,
  type Waybill,
  type SimTransaction,
  type SimRefund,
  type NotificationDelivery,
} from './wechat-simulator.js';
export { generateLocalPayKeys, generateRsaKeyPair, type LocalPayKeys } from './keys.js';
export { buildPayNotification, wechatTime, type BuildNotificationInput, type BuiltNotification } from './pay-notification.js';
