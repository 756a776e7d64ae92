/**
 * The hook the unpaid-order closers (timeout consumer and sweep) call before cancelling: "did
 * the user pay after all?" (WeChat Pay's query-order API). The payment module plugs its
 * implementation in with `OrderService.setPaymentStatusProbe(probe)`.
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

/** Default until the payment module plugs in: nothing can have been paid. */
export const NEVER_PAID_PROBE: PaymentStatusProbe = {
  async check() {
    return 'NOT_PAID';
  },
};
