/**
 * Operation names metrics may carry as a label: the canonical mini-program operations of
 * test/operations (a test keeps this list in step with them). Any other name a client sends is
 * counted as `other`, so a client cannot grow the metrics without bound by inventing names.
 */
export const KNOWN_OPERATION_NAMES: ReadonlySet<string> = new Set([
  'AdminLogin',
  'CancelOrder',
  'ConfirmReceipt',
  'CreateSeckillActivity',
  'CreateStore',
  'Login',
  'Logout',
  'Me',
  'MyCoupons',
  'Order',
  'OrderStatusChanged',
  'Orders',
  'PayOrder',
  'PlaceOrder',
  'Products',
  'ReconcileSeckill',
  'RequestRefund',
  'SalesSummary',
  'Seckill',
  'SeckillActivities',
  'SeckillActivity',
  'SeckillResult',
  'SeckillResultChanged',
  'SimulatePayment',
  'Store',
  'Stores',
  'UpdateStore',
]);

export const OTHER_OPERATION = 'other';

export function operationLabel(name: string | null | undefined): string {
  return name && KNOWN_OPERATION_NAMES.has(name) ? name : OTHER_OPERATION;
}
