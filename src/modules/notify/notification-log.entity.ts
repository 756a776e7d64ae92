import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from '../../infra/db/base-entity.js';

/**
 * Life of one notification:
 * - SENDING: claimed by a worker that is calling WeChat right now (or crashed while doing so);
 * - RETRY: the last call failed in a way worth retrying (WeChat unavailable);
 * - SENT: WeChat accepted it; terminal;
 * - REFUSED: WeChat answered 43101 (the user has no subscription for the template); terminal;
 * - SKIPPED: nothing to send (no user/openid, or no template for the event); terminal;
 * - FAILED: WeChat rejected it for good (bad template, invalid data); terminal.
 */
export const NotificationStatusValues = ['SENDING', 'RETRY', 'SENT', 'REFUSED', 'SKIPPED', 'FAILED'] as const;
export type NotificationStatus = (typeof NotificationStatusValues)[number];
export const TERMINAL_NOTIFICATION_STATUSES: readonly NotificationStatus[] = ['SENT', 'REFUSED', 'SKIPPED', 'FAILED'];

/**
 * One row per order-status event that may produce a WeChat subscribe message. The unique
 * (order_no, seq) index is the exactly-once guard: the row is claimed before WeChat is called
 * and marked SENT right after, so a redelivered event finds it and sends nothing.
 */
export const NotificationLog = defineEntity({
  name: 'NotificationLog',
  tableName: 'notification_log',
  uniques: [{ properties: ['orderNo', 'seq'] }],
  indexes: [{ properties: ['status', 'updatedAt'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    orderNo: p.string().length(32),
    seq: p.integer(),
    /** The stream event (CREATED, PAID, ...). */
    event: p.string().length(16),
    /** The notification kind the factory chose (WAIT_PAY, PAY, ...). */
    kind: p.string().length(16),
    userId: p.integer(),
    templateId: p.string().length(64).nullable(),
    status: p.enum(NotificationStatusValues),
    /** Calls to WeChat made for this row (1 when it went out first time). */
    attempts: p.integer().default(0),
    /** When the current SENDING claim was taken; a stale claim can be taken over. */
    claimedAt: p.datetime(3).nullable(),
    sentAt: p.datetime(3).nullable(),
    /** Short, secret-free reason of the last failure (error code / errcode). */
    lastError: p.string().length(255).nullable(),
    ...timestamps,
  },
});
export type NotificationLogRow = InferEntity<typeof NotificationLog>;
