import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { activityKeys } from '../../../src/modules/seckill/seckill.scripts.js';
import { parseAttemptId, validateActivity } from '../../../src/modules/seckill/seckill.service.js';

/** Redis Cluster's key slot: CRC16 (XMODEM) of the key, or of its first non-empty `{...}` hash tag, mod 16384. */
function calculateSlot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

describe('seckill keys and inputs', () => {
  it('computes slots as Redis does', () => {
    // Values from the Redis Cluster specification's examples (CRC16 of "123456789" is 0x31C3).
    expect(calculateSlot('123456789')).toBe(0x31c3 % 16384);
    expect(calculateSlot('{user1000}.following')).toBe(calculateSlot('{user1000}.followers'));
  });

  it("puts every key of one activity in one Redis Cluster slot, whatever the deployment's key prefix", () => {
    for (const prefix of ['', 'wxshop:', 'wxshop_test_sk_seckill_sale:']) {
      const k = activityKeys(42);
      const keys = [k.meta, k.stock, k.users, k.requests, k.attempts, k.queue, k.returned, k.userRate(7), k.ipRate('10.0.0.1'), k.ipRate('::1')].map((key) => prefix + key);
      expect(new Set(keys.map((key) => calculateSlot(key))).size).toBe(1);
    }
    // Different activities are not pinned to one slot.
    const slots = new Set(Array.from({ length: 20 }, (_, i) => calculateSlot(activityKeys(i + 1).meta)));
    expect(slots.size).toBeGreaterThan(1);
  });

  it('parses attempt ids and refuses anything else', () => {
    expect(parseAttemptId('12-345')).toEqual({ activityId: 12, n: 345 });
    expect(parseAttemptId('12-0')).toEqual({ activityId: 12, n: 0 });
    for (const bad of ['', '12', '-1', '0-1', '12-x', '1-2-3', '12-345 ']) expect(parseAttemptId(bad)).toBeNull();
  });

  it('validates createSeckillActivity input with stable reasons', () => {
    const now = new Date('2026-12-02T12:00:00Z');
    const ok = { skuId: '5', stock: 100, priceFen: 990, startsAt: new Date('2026-12-02T12:10:00Z'), endsAt: new Date('2026-12-02T12:20:00Z') };
    expect(validateActivity(ok, now)).toMatchObject({ skuId: 5, stock: 100, priceFen: 990, limitPerUser: 1 });
    const reason = (input: Record<string, unknown>) => {
      try {
        validateActivity({ ...ok, ...input } as never, now);
        return 'valid';
      } catch (err) {
        return `${(err as { code: string }).code}:${(err as { details: { reason: string; field?: string } }).details.reason}:${(err as { details: { field?: string } }).details.field}`;
      }
    };
    expect(reason({ stock: 0 })).toBe('BAD_USER_INPUT:INVALID_SECKILL_INPUT:stock');
    expect(reason({ stock: 1.5 })).toBe('BAD_USER_INPUT:INVALID_SECKILL_INPUT:stock');
    expect(reason({ priceFen: -1 })).toBe('BAD_USER_INPUT:INVALID_SECKILL_INPUT:priceFen');
    expect(reason({ limitPerUser: 0 })).toBe('BAD_USER_INPUT:INVALID_SECKILL_INPUT:limitPerUser');
    expect(reason({ skuId: 'abc' })).toBe('BAD_USER_INPUT:INVALID_ID:skuId');
    expect(reason({ endsAt: ok.startsAt })).toBe('BAD_USER_INPUT:INVALID_WINDOW:endsAt');
    expect(reason({ startsAt: new Date('2026-12-02T11:00:00Z'), endsAt: new Date('2026-12-02T11:30:00Z') })).toBe('BAD_USER_INPUT:INVALID_WINDOW:endsAt');
  });
});
