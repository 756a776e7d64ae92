import type { EntityManager } from '@mikro-orm/mysql';
import { Payment, type PaymentRow } from './payment.entity.js';

/** A recorded WeChat Pay transaction, as other modules see it. */
export type RecordedPayment = PaymentRow;

/**
 * The payment module's reads for other modules (refund asks which payment paid an order). No
 * state: the composition root hands it to the refund module, which is built before the payment
 * module's notify handling (that hands unapplied payments to refunds).
 */
export class PaymentLedger {
  /** The payment that paid the order (APPLIED), if any. */
  async appliedPaymentOf(em: EntityManager, orderNo: string): Promise<RecordedPayment | null> {
    return em.findOne(Payment, { orderNo, outcome: 'APPLIED' });
  }

  async findByTransactionId(em: EntityManager, transactionId: string): Promise<RecordedPayment | null> {
    return em.findOne(Payment, { transactionId });
  }
}
