/**
 * WeChat Pay API v3 cryptography, on node:crypto only: request signatures (SHA256withRSA),
 * response/notification signature verification, the JSAPI `paySign`, and AEAD_AES_256_GCM for
 * notification resources. Shared by the real client and the simulator so both speak exactly the
 * same protocol.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, createSign, createVerify, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { WechatPayDecryptError } from '../wechat.errors.js';

/** Scheme name in the `Authorization` header. */
export const AUTH_SCHEMA = 'WECHATPAY2-SHA256-RSA2048';
/** Notifications and responses older (or further in the future) than this are refused. */
export const MAX_TIMESTAMP_SKEW_SECONDS = 5 * 60;
/** GCM authentication tag length, appended to the ciphertext by WeChat. */
const GCM_TAG_BYTES = 16;
const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export type KeyInput = string | KeyObject;

export function toPrivateKey(key: KeyInput): KeyObject {
  return typeof key === 'string' ? createPrivateKey(key) : key;
}

export function toPublicKey(key: KeyInput): KeyObject {
  return typeof key === 'string' ? createPublicKey(key) : key;
}

/** A random alphanumeric nonce (WeChat uses 32 characters for requests, 12 bytes for GCM). */
export function randomNonce(length = 32): string {
  let out = '';
  for (let i = 0; i < length; i++) out += NONCE_ALPHABET[randomInt(NONCE_ALPHABET.length)];
  return out;
}

export function unixSeconds(now = Date.now()): number {
  return Math.floor(now / 1000);
}

/** SHA256withRSA (PKCS#1 v1.5), base64. */
export function signSha256Rsa(message: string, privateKey: KeyInput): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(toPrivateKey(privateKey), 'base64');
}

/** False for a wrong, malformed or empty signature (never throws on attacker input). */
export function verifySha256Rsa(message: string, signatureBase64: string, publicKey: KeyInput): boolean {
  if (!signatureBase64) return false;
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(toPublicKey(publicKey), signatureBase64, 'base64');
  } catch {
    return false;
  }
}

/** `METHOD\nURL_PATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n` (BODY empty for GET). */
export function requestSignatureMessage(method: string, urlPathWithQuery: string, timestamp: string | number, nonce: string, body: string): string {
  return `${method.toUpperCase()}\n${urlPathWithQuery}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** `TIMESTAMP\nNONCE\nBODY\n`, for responses and notifications. */
export function responseSignatureMessage(timestamp: string | number, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

export interface AuthorizationParams {
  mchId: string;
  serialNo: string;
  privateKey: KeyInput;
  method: string;
  urlPathWithQuery: string;
  body: string;
  timestamp?: number;
  nonce?: string;
}

/** The `Authorization` header value for a merchant request. */
export function buildAuthorization(params: AuthorizationParams): string {
  const timestamp = params.timestamp ?? unixSeconds();
  const nonce = params.nonce ?? randomNonce();
  const signature = signSha256Rsa(requestSignatureMessage(params.method, params.urlPathWithQuery, timestamp, nonce, params.body), params.privateKey);
  return `${AUTH_SCHEMA} mchid="${params.mchId}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestamp}",serial_no="${params.serialNo}"`;
}

export interface ParsedAuthorization {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

/** Parses an `Authorization` header; undefined when it is not a complete WECHATPAY2 header. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header?.startsWith(`${AUTH_SCHEMA} `)) return undefined;
  const fields: Record<string, string> = {};
  for (const match of header.slice(AUTH_SCHEMA.length + 1).matchAll(/(\w+)="([^"]*)"/g)) fields[match[1]!] = match[2]!;
  const { mchid, nonce_str, signature, timestamp, serial_no } = fields;
  if (!mchid || !nonce_str || !signature || !timestamp || !serial_no) return undefined;
  return { mchid, nonce_str, signature, timestamp, serial_no };
}

/** Verifies a merchant request (what WeChat Pay, or the simulator, does on receipt). */
export function verifyRequestSignature(auth: ParsedAuthorization, method: string, urlPathWithQuery: string, body: string, merchantPublicKey: KeyInput): boolean {
  return verifySha256Rsa(requestSignatureMessage(method, urlPathWithQuery, auth.timestamp, auth.nonce_str, body), auth.signature, merchantPublicKey);
}

/** The parameters `wx.requestPayment` takes. `paySign` is a signature: never log it. */
export interface RequestPaymentParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

/** `appId\ntimeStamp\nnonceStr\npackage\n`. */
export function paySignMessage(appId: string, timeStamp: string, nonceStr: string, pkg: string): string {
  return `${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`;
}

export function signRequestPayment(appId: string, prepayId: string, merchantPrivateKey: KeyInput, timestamp = unixSeconds(), nonceStr = randomNonce()): RequestPaymentParams {
  const timeStamp = String(timestamp);
  const pkg = `prepay_id=${prepayId}`;
  return { appId, timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign: signSha256Rsa(paySignMessage(appId, timeStamp, nonceStr, pkg), merchantPrivateKey) };
}

/** What WeChat checks when the mini-program calls `wx.requestPayment`. */
export function verifyRequestPaymentParams(params: RequestPaymentParams, merchantPublicKey: KeyInput): boolean {
  return verifySha256Rsa(paySignMessage(params.appId, params.timeStamp, params.nonceStr, params.package), params.paySign, merchantPublicKey);
}

export interface EncryptedResource {
  algorithm: 'AEAD_AES_256_GCM';
  ciphertext: string;
  associated_data: string;
  nonce: string;
  original_type: string;
}

type Bytes = string | Buffer;
const bytes = (b: Bytes): Buffer => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b);

/**
 * AEAD_AES_256_GCM decryption as WeChat Pay v3 uses it: key = the 32-byte APIv3 key, iv = the
 * `nonce` string's bytes, AAD = `associated_data`, `ciphertext` = base64(encrypted || 16-byte tag).
 * Throws WechatPayDecryptError when authentication fails or the input is malformed.
 */
export function decryptAeadAes256Gcm(ciphertextBase64: string, apiV3Key: Bytes, nonce: Bytes, associatedData: Bytes = ''): string {
  return decryptAeadAes256GcmBytes(ciphertextBase64, apiV3Key, nonce, associatedData).toString('utf8');
}

/** decryptAeadAes256Gcm returning the raw plaintext bytes. */
export function decryptAeadAes256GcmBytes(ciphertextBase64: string, apiV3Key: Bytes, nonce: Bytes, associatedData: Bytes = ''): Buffer {
  const key = bytes(apiV3Key);
  if (key.length !== 32) throw new WechatPayDecryptError('APIv3 key must be 32 bytes');
  const iv = bytes(nonce);
  if (iv.length === 0) throw new WechatPayDecryptError('missing nonce');
  const data = Buffer.from(ciphertextBase64 ?? '', 'base64');
  if (data.length < GCM_TAG_BYTES) throw new WechatPayDecryptError('ciphertext shorter than the tag');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(bytes(associatedData));
    decipher.setAuthTag(data.subarray(data.length - GCM_TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - GCM_TAG_BYTES)), decipher.final()]);
  } catch {
    throw new WechatPayDecryptError();
  }
}

/** The inverse of decryptAeadAes256Gcm (the simulator encrypts notifications with it). */
export function encryptAeadAes256Gcm(plaintext: string, apiV3Key: Bytes, nonce: Bytes, associatedData: Bytes = ''): string {
  const cipher = createCipheriv('aes-256-gcm', bytes(apiV3Key), bytes(nonce), { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(bytes(associatedData));
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([encrypted, cipher.getAuthTag()]).toString('base64');
}

/** Builds a notification `resource` the way WeChat does (12-character nonce). */
export function encryptResource(plaintext: string, apiV3Key: Bytes, associatedData: string, originalType: string, nonce = randomNonce(12)): EncryptedResource {
  return {
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: encryptAeadAes256Gcm(plaintext, apiV3Key, nonce, associatedData),
    associated_data: associatedData,
    nonce,
    original_type: originalType,
  };
}

/** A random 40-hex-digit serial number, like a certificate's. */
export function randomSerialNo(): string {
  return randomBytes(20).toString('hex').toUpperCase();
}
