import type { EntityManager } from '@mikro-orm/mysql';
import NodeCache from 'node-cache';
import type { Logger } from '../../infra/observability/logger.js';
import { isExternalError } from '../../infra/wechat/wechat.errors.js';
import type { MiniProgramApi } from '../../infra/wechat/mini-program.port.js';
import { isDuplicateKeyError } from '../../shared/errors.js';
import type { AuthService } from '../auth/auth.service.js';
import type { OrderStatusChanged } from '../order/order-events.js';
import { insertRow } from '../../infra/db/insert-rows.js';
import { retryOnConnectionLoss } from '../../infra/db/lock-retry.js';
import { NotificationLog, TERMINAL_NOTIFICATION_STATUSES, type NotificationStatus } from './notification-log.entity.js';
import { NotificationInProgressError } from './notify.errors.js';
import type { OrderNotification, OrderNotificationFactory } from './order-notification.js';

/**
 * A SENDING claim older than this is taken to belong to a worker that died mid-send (WeChat's
 * call deadline is 3 s, at most two calls with a token refresh): milliseconds.
 */
export const SENDING_CLAIM_STALE_MS = 60_000;

const MAX_CACHED_OPENIDS = 50_000;

/** The notification_log row a worker has claimed: what finishing or releasing it needs. */
interface ClaimedRow {
  id: number;
  attempts: number;
}

export type NotifyOutcome = 'sent' | 'duplicate' | 'refused' | 'skipped' | 'failed' | 'none';

export interface NotifyServiceDeps {
  wechat: MiniProgramApi;
  users: Pick<AuthService, 'findUser'>;
  factory: OrderNotificationFactory;
}

/**
 * Turns order-status events into WeChat subscribe messages, at most once per (orderNo, seq).
 *
 * The `notification_log` row is claimed (SENDING) before WeChat is called and marked SENT right
 * after, so a redelivered event that finds SENT (or another terminal state) sends nothing.
 *
 * The remaining window, honestly: the send is an outside call that cannot share a transaction
 * with MySQL and WeChat's send API takes no idempotency key. If the process dies (or MySQL fails)
 * after WeChat accepted a message but before the row says SENT, the row stays SENDING; once the
 * claim is stale (SENDING_CLAIM_STALE_MS) a redelivery sends again: one duplicate message. The
 * same holds for a timeout where WeChat did deliver: the row is RETRY and the retry sends again.
 * We accept a rare duplicate over a lost notification (a user who subscribed once has one
 * message's quota, so WeChat itself answers 43101 to most such duplicates).
 */
export class NotifyService {
  /**
   * userId → openid. A user's openid for this mini-program never changes, and every status event
   * of an order would otherwise read the user row again (two to five per order). Bounded, and
   * per process: losing it costs one read.
   */
  private readonly openids = new NodeCache({ stdTTL: 600, checkperiod: 120, useClones: false, maxKeys: MAX_CACHED_OPENIDS });

  constructor(private readonly deps: NotifyServiceDeps) {}

  /** Sends the notification for one event. Throws (so the message is retried) only when WeChat is unavailable or another worker holds a fresh claim. */
  async notifyOrderStatus(ctx: { em: EntityManager; log: Logger }, event: OrderStatusChanged): Promise<NotifyOutcome> {
    const notification = this.deps.factory.create(event);
    if (!notification) return 'none';
    const { em } = ctx;
    const log = ctx.log.child({ orderNo: event.orderNo, seq: event.seq, event: event.event, kind: notification.kind });

    const claim = await this.claim(em, event, notification);
    if (claim === 'done') {
      log.info('notification already handled; not sent again');
      return 'duplicate';
    }
    if (claim === 'busy') throw new NotificationInProgressError(event.orderNo, event.seq);
    const { row } = claim;

    const openid = await this.openidOf(em, event.userId);
    if (!openid) {
      await this.finish(em, row, 'SKIPPED', 'NO_OPENID');
      log.warn({ userId: event.userId }, 'no WeChat openid for the order owner; notification skipped');
      return 'skipped';
    }

    try {
      await notification.send(this.deps.wechat, openid);
    } catch (err) {
      if (isExternalError(err, 'WECHAT_SUBSCRIBE_REFUSED')) {
        // The user did not accept this template (or used up the quota): nothing to retry.
        await this.finish(em, row, 'REFUSED', `errcode ${err.errcode}`);
        log.info({ userId: event.userId }, 'user has no subscription for this template; not sent');
        return 'refused';
      }
      if (isExternalError(err) && !err.retryable) {
        await this.finish(em, row, 'FAILED', `${err.code}${err.errcode !== undefined ? ` errcode ${err.errcode}` : ''}`);
        log.error({ err }, 'WeChat rejected the notification for good; not retried');
        return 'failed';
      }
      // WeChat unavailable (or something unexpected): release the claim and let the queue retry.
      await this.release(em, row, isExternalError(err) ? err.code : 'UNEXPECTED').catch((e: Error) => log.warn({ err: e.message }, 'could not release the notification claim'));
      throw err;
    }
    await this.finish(em, row, 'SENT', null);
    log.info({ userId: event.userId, templateId: notification.templateId }, 'notification sent');
    return 'sent';
  }

  private async openidOf(em: EntityManager, userId: number): Promise<string | null> {
    const cached = this.openids.get<string>(userId);
    if (cached) return cached;
    const openid = (await this.deps.users.findUser(em, userId))?.openid ?? null;
    // A full cache is not an error (node-cache would throw ECACHEFULL): this read still answers.
    if (openid && this.openids.getStats().keys < MAX_CACHED_OPENIDS) this.openids.set(userId, openid);
    return openid;
  }

  /**
   * Takes the row for (orderNo, seq): inserts it as SENDING, or takes over a RETRY row or a stale
   * SENDING row with a compare-and-set on `attempts`, so two workers never both own it.
   */
  private async claim(em: EntityManager, event: OrderStatusChanged, notification: OrderNotification): Promise<{ row: ClaimedRow } | 'done' | 'busy'> {
    const now = new Date();
    let id: number;
    try {
      // Plain insert (no unit of work, no read back): every order event that notifies runs it.
      id = await insertRow(em, NotificationLog, {
        orderNo: event.orderNo,
        seq: event.seq,
        event: event.event,
        kind: notification.kind,
        userId: event.userId,
        templateId: notification.templateId,
        status: 'SENDING',
        attempts: 1,
        claimedAt: now,
        sentAt: null,
        lastError: null,
        createdAt: now,
        updatedAt: now,
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await em.findOneOrFail(NotificationLog, { orderNo: event.orderNo, seq: event.seq }, { refresh: true });
      if (TERMINAL_NOTIFICATION_STATUSES.includes(existing.status)) return 'done';
      const staleBefore = new Date(now.getTime() - SENDING_CLAIM_STALE_MS);
      if (existing.status === 'SENDING' && existing.claimedAt && existing.claimedAt > staleBefore) return 'busy';
      const taken = await em.nativeUpdate(
        NotificationLog,
        { id: existing.id, attempts: existing.attempts, status: { $in: ['RETRY', 'SENDING'] } },
        { status: 'SENDING', attempts: existing.attempts + 1, claimedAt: now, updatedAt: now },
      );
      if (taken !== 1) return 'busy';
      return { row: { id: existing.id, attempts: existing.attempts + 1 } };
    }
    return { row: { id, attempts: 1 } };
  }

  /** Retried over a lost connection: an unrecorded SENT would be sent again once its claim expires. */
  private async finish(em: EntityManager, row: ClaimedRow, status: NotificationStatus, lastError: string | null): Promise<void> {
    const now = new Date();
    await retryOnConnectionLoss(() =>
      em.execute(
        'update `notification_log` set `status` = ?, `last_error` = ?, `claimed_at` = null, `sent_at` = ?, `updated_at` = ? where `id` = ?',
        [status, lastError, status === 'SENT' ? now : null, now, row.id],
        'run',
      ),
    );
  }

  private async release(em: EntityManager, row: ClaimedRow, lastError: string): Promise<void> {
    await em.nativeUpdate(NotificationLog, { id: row.id, status: 'SENDING', attempts: row.attempts }, { status: 'RETRY', lastError, claimedAt: null, updatedAt: new Date() });
  }
}
