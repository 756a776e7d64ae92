import 'reflect-metadata';
import { AppError } from '../../../src/shared/errors.js';
import { decodeCursor, encodeCursor } from '../../../src/shared/pagination.js';
import { validatePlaceOrder } from '../../../src/modules/order/order.service.js';

const base = { storeId: '1', items: [{ skuId: '7', quantity: 2 }], clientRequestId: 'abcdEFGH_-12' };
function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? `${err.code}:${err.details.reason}` : 'other';
  }
  return undefined;
}

test('a valid request is normalised', () => {
  expect(validatePlaceOrder({ ...base, couponId: '3', remark: '' })).toEqual({ storeId: 1, items: [{ skuId: 7, quantity: 2 }], userCouponId: 3, remark: null, clientRequestId: 'abcdEFGH_-12' });
});

test.each([
  [{ items: [] }, 'INVALID_ITEM_COUNT'],
  [{ items: Array.from({ length: 21 }, (_, i) => ({ skuId: String(i + 1), quantity: 1 })) }, 'INVALID_ITEM_COUNT'],
  [{ items: [{ skuId: '7', quantity: 0 }] }, 'INVALID_QUANTITY'],
  [{ items: [{ skuId: '7', quantity: 1.5 }] }, 'INVALID_QUANTITY'],
  [{ items: [{ skuId: '7', quantity: 100 }] }, 'INVALID_QUANTITY'],
  [{ items: [{ skuId: '7', quantity: 1 }, { skuId: '7', quantity: 1 }] }, 'DUPLICATE_SKU'],
  [{ remark: '字'.repeat(201) }, 'REMARK_TOO_LONG'],
  [{ clientRequestId: 'abc' }, 'INVALID_CLIENT_REQUEST_ID'],
  [{ clientRequestId: 'x'.repeat(65) }, 'INVALID_CLIENT_REQUEST_ID'],
  [{ clientRequestId: 'abcdefgh!' }, 'INVALID_CLIENT_REQUEST_ID'],
  [{ storeId: '0' }, 'INVALID_ID'],
  [{ storeId: '99999999999' }, 'INVALID_ID'],
  [{ couponId: 'x' }, 'INVALID_ID'],
])('%j is refused with %s', (patch, expected) => {
  expect(reason(() => validatePlaceOrder({ ...base, ...patch } as never))).toBe(`BAD_USER_INPUT:${expected}`);
});

test('200 CJK characters are a valid remark', () => {
  expect(validatePlaceOrder({ ...base, remark: '字'.repeat(200) }).remark).toHaveLength(200);
});

test('cursors round-trip and anything else is BAD_USER_INPUT', () => {
  expect(decodeCursor(encodeCursor({ id: 42 }))).toEqual({ id: 42 });
  expect(decodeCursor(undefined)).toBeUndefined();
  for (const bad of ['', '!!', Buffer.from('[]').toString('base64url'), Buffer.from('{"id":-1}').toString('base64url'), Buffer.from('nope').toString('base64url')]) {
    expect(reason(() => decodeCursor(bad))).toBe('BAD_USER_INPUT:INVALID_CURSOR');
  }
});
