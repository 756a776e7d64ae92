/**
 * The hook the unpaid-order closers (timeout consumer and sweep) call before cancelling: "did
 * the user pay after all?" (WeChat Pay's query-order API). The payment module builds it
 * (WechatPayStatusProbe); the composition root hands it to the UnpaidOrderCloser's constructor.
 *
 * - 'NOT_PAID': close the order.
 * - 'PAID': leave the order alone (the probe implementation, or the pay notification, records
 *   the payment through `OrderService.transition`).
 * - 'UNKNOWN': the provider could not say (timeout, error): do not close now; the timeout
 *   message is retried and the sweep tries again later.
 */
export interface PaymentStatusProbe {
  check(order: { orderNo: string; userId: number; payableFen: number }): Promise<PaymentProbeResult>;
}
export type PaymentProbeResult = 'PAID' | 'NOT_PAID' | 'UNKNOWN';
