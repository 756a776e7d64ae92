import { randomUUID } from 'node:crypto';
import { encryptResource, randomNonce, responseSignatureMessage, signSha256Rsa, unixSeconds, type KeyInput } from '../pay/wechat-pay.crypto.js';
import type { PayTransaction, RefundResource } from '../pay/wechat-pay.port.js';

export interface BuildNotificationInput {
  /** The plaintext resource to encrypt: a transaction or a refund. */
  resource: PayTransaction | RefundResource | Record<string, unknown>;
  originalType?: 'transaction' | 'refund';
  /** Defaults to TRANSACTION.SUCCESS / REFUND.SUCCESS by originalType. */
  eventType?: string;
  summary?: string;
  /** Notification id; stays the same across re-deliveries. */
  id?: string;
  apiV3Key: string;
  /** Platform private key that signs (a test can pass another key to forge). */
  platformPrivateKey: KeyInput;
  /** Serial put in `Wechatpay-Serial`. */
  platformSerialNo: string;
  /** Unix seconds; default now (a test can pass a stale one: it is still signed correctly). */
  timestamp?: number;
  nonce?: string;
  associatedData?: string;
  /** Flips a ciphertext byte BEFORE signing: the signature verifies, decryption must fail. */
  tamperCiphertext?: boolean;
}

export interface BuiltNotification {
  headers: Record<string, string>;
  body: string;
}

/** A notification exactly as WeChat Pay v3 sends it: encrypted resource, platform-signed body. */
export function buildPayNotification(input: BuildNotificationInput): BuiltNotification {
  const originalType = input.originalType ?? ('refund_status' in input.resource ? 'refund' : 'transaction');
  const eventType = input.eventType ?? (originalType === 'refund' ? 'REFUND.SUCCESS' : 'TRANSACTION.SUCCESS');
  const resource = encryptResource(JSON.stringify(input.resource), input.apiV3Key, input.associatedData ?? originalType, originalType);
  if (input.tamperCiphertext) {
    const raw = Buffer.from(resource.ciphertext, 'base64');
    raw[0] = raw[0]! ^ 0x01;
    resource.ciphertext = raw.toString('base64');
  }
  const body = JSON.stringify({
    id: input.id ?? randomUUID(),
    create_time: wechatTime(new Date()),
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary: input.summary ?? (originalType === 'refund' ? '退款成功' : '支付成功'),
    resource,
  });
  const timestamp = String(input.timestamp ?? unixSeconds());
  const nonce = input.nonce ?? randomNonce();
  return {
    headers: {
      'content-type': 'application/json',
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signSha256Rsa(responseSignatureMessage(timestamp, nonce, body), input.platformPrivateKey),
      'wechatpay-serial': input.platformSerialNo,
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    },
    body,
  };
}

/** RFC 3339 in China Standard Time, as WeChat Pay writes times. */
export function wechatTime(date: Date): string {
  return `${new Date(date.getTime() + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}
