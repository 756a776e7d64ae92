import type { EntityManager } from '@mikro-orm/mysql';
import type { RequestContext } from '../../shared/context.js';
import { insertRow } from '../../infra/db/insert-rows.js';
import { isDuplicateKeyError } from '../../shared/errors.js';
import { requireAdmin } from '../auth/auth.service.js';
import type { OrderStatusChanged } from '../order/order-events.js';
import { AnalyticsOrderFact } from './analytics-order-fact.entity.js';
import { AnalyticsErrors } from './analytics.errors.js';

/** The longest period one sales summary may cover: days. */
export const MAX_SUMMARY_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

export interface SalesSummary {
  from: Date;
  to: Date;
  ordersCreated: number;
  ordersPaid: number;
  ordersCancelled: number;
  ordersRefunded: number;
  /** Sum of payable amounts of orders paid in the period: fen. */
  gmvFen: number;
  /** Sum of payable amounts of orders refunded in the period: fen. */
  refundedFen: number;
}

/** The analytics store: appends order facts from the stream and answers reports from them alone. */
export class AnalyticsService {
  /** Appends one fact; 'duplicate' when (orderNo, seq) is already recorded. */
  async recordOrderFact(em: EntityManager, event: OrderStatusChanged): Promise<'recorded' | 'duplicate'> {
    try {
      await insertRow(em, AnalyticsOrderFact, {
        orderNo: event.orderNo,
        seq: event.seq,
        event: event.event,
        status: event.status,
        previousStatus: event.previousStatus,
        userId: event.userId,
        storeId: event.storeId,
        totalFen: event.totalFen,
        payableFen: event.payableFen,
        reason: event.reason?.slice(0, 64) ?? null,
        occurredAt: new Date(event.at),
        recordedAt: new Date(),
      });
      return 'recorded';
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'duplicate';
      throw err;
    }
  }

  /** Orders created, paid, cancelled and refunded, and GMV, for transitions in [from, to). Admin only. */
  async salesSummary(ctx: RequestContext, from: Date, to: Date): Promise<SalesSummary> {
    requireAdmin(ctx);
    if (!(from < to)) throw AnalyticsErrors.invalidRange('`from` must be before `to`');
    if (to.getTime() - from.getTime() > MAX_SUMMARY_RANGE_DAYS * DAY_MS) throw AnalyticsErrors.invalidRange(`a summary covers at most ${MAX_SUMMARY_RANGE_DAYS} days`);
    const rows = await ctx.em.getConnection().execute<{ event: string; orders: number | string; fen: number | string | null }[]>(
      'select `event`, count(distinct `order_no`) as orders, sum(`payable_fen`) as fen from `analytics_order_fact` where `occurred_at` >= ? and `occurred_at` < ? and `event` in (?, ?, ?, ?) group by `event`',
      [from, to, 'CREATED', 'PAID', 'CANCELLED', 'REFUNDED'],
    );
    const by = new Map(rows.map((r) => [r.event, { orders: Number(r.orders), fen: Number(r.fen ?? 0) }]));
    return {
      from,
      to,
      ordersCreated: by.get('CREATED')?.orders ?? 0,
      ordersPaid: by.get('PAID')?.orders ?? 0,
      ordersCancelled: by.get('CANCELLED')?.orders ?? 0,
      ordersRefunded: by.get('REFUNDED')?.orders ?? 0,
      gmvFen: by.get('PAID')?.fen ?? 0,
      refundedFen: by.get('REFUNDED')?.fen ?? 0,
    };
  }
}
