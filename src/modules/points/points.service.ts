import { LockMode, type EntityManager } from '@mikro-orm/mysql';
import type { AuthService } from '../auth/auth.service.js';
import { PointsLedger, type PointsLedgerRow } from './points.entity.js';

/** Earning rule: one point per whole yuan paid (100 fen). */
export const DEFAULT_FEN_PER_POINT = 100;

/** What the points service needs of a paid order. */
export interface PointsOrder {
  orderNo: string;
  userId: number;
  payableFen: number;
}

/**
 * Loyalty points: a ledger of movements per order (this module's table) and the user's balance
 * (the auth module's `user.points`, through AuthService), changed together in one transaction.
 * Each movement happens once per (order, reason): the unique ledger index decides.
 */
export class PointsService {
  /**
   * Stand-in for the latency of a remote points service (ms, 0 = none). The benchmark sets it;
   * the consumer waits this long before touching the database, as a remote call would.
   */
  simulatedLatencyMs = 0;

  constructor(
    private readonly deps: { auth: AuthService },
    private readonly options: { fenPerPoint?: number } = {},
  ) {}

  pointsFor(payableFen: number): number {
    return Math.floor(payableFen / (this.options.fenPerPoint ?? DEFAULT_FEN_PER_POINT));
  }

  /**
   * Credits the points a payment earns (a ledger row even when it earns 0, so the refund knows
   * the payment was handled). A second call for the same order throws a duplicate-key error.
   */
  async awardForPayment(em: EntityManager, order: PointsOrder): Promise<PointsLedgerRow> {
    await this.remoteLatency();
    const delta = this.pointsFor(order.payableFen);
    return em.transactional(async (tx) => {
      const row = tx.create(PointsLedger, { userId: order.userId, orderNo: order.orderNo, reason: 'PAID', delta });
      await tx.flush();
      if (delta !== 0 && !(await this.deps.auth.addPoints(tx, order.userId, delta))) throw new Error(`points: user ${order.userId} does not exist`);
      return row;
    });
  }

  /**
   * Takes back what the order's payment earned. The award must be recorded first (the locking
   * read waits for an award still in flight); until then this throws and the message retries.
   * A second call for the same order throws a duplicate-key error.
   */
  async reverseForRefund(em: EntityManager, order: { orderNo: string; userId: number }): Promise<PointsLedgerRow> {
    await this.remoteLatency();
    return em.transactional(async (tx) => {
      const award = await tx.findOne(PointsLedger, { orderNo: order.orderNo, reason: 'PAID' }, { lockMode: LockMode.PESSIMISTIC_READ });
      if (!award) throw new Error(`points for order ${order.orderNo} are not awarded yet; the reversal will retry`);
      const row = tx.create(PointsLedger, { userId: award.userId, orderNo: order.orderNo, reason: 'REFUNDED', delta: -award.delta });
      await tx.flush();
      if (award.delta !== 0) await this.deps.auth.addPoints(tx, award.userId, -award.delta);
      return row;
    });
  }

  /** The ledger of one order (tests, support tooling). */
  async ledgerOf(em: EntityManager, orderNo: string): Promise<PointsLedgerRow[]> {
    return em.find(PointsLedger, { orderNo }, { orderBy: { id: 'asc' } });
  }

  private async remoteLatency(): Promise<void> {
    if (this.simulatedLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.simulatedLatencyMs));
  }
}
