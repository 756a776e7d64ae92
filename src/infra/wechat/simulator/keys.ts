import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { randomSerialNo } from '../pay/wechat-pay.crypto.js';

/** RSA modulus length WeChat Pay uses for merchant and platform keys. */
const RSA_BITS = 2048;

/**
 * Key material for local mode and tests, so the BFF and the simulator agree: the BFF signs with
 * the merchant private key and trusts the platform public key; the simulator verifies with the
 * merchant public key and signs with the platform private key. Everything is PEM
 * (PKCS#8 private, SPKI public); the APIv3 key is 32 ASCII characters.
 */
export interface LocalPayKeys {
  merchantPrivateKey: string;
  merchantPublicKey: string;
  merchantSerialNo: string;
  platformPrivateKey: string;
  platformPublicKey: string;
  platformSerialNo: string;
  apiV3Key: string;
}

export function generateRsaKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: RSA_BITS,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

export function generateLocalPayKeys(): LocalPayKeys {
  const merchant = generateRsaKeyPair();
  const platform = generateRsaKeyPair();
  return {
    merchantPrivateKey: merchant.privateKey,
    merchantPublicKey: merchant.publicKey,
    merchantSerialNo: randomSerialNo(),
    platformPrivateKey: platform.privateKey,
    platformPublicKey: platform.publicKey,
    platformSerialNo: randomSerialNo(),
    apiV3Key: randomBytes(16).toString('hex'),
  };
}
