import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Messages written in the same MySQL transaction as the change they announce, then published
 * by the relay. A crash after commit leaves the row, and the relay's sweep publishes it.
 */
export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox_message',
  indexes: [{ properties: ['createdAt'] }, { properties: ['messageGroup'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    topic: p.string().length(127),
    tag: p.string().length(64).nullable(),
    messageKey: p.string().length(128),
    messageGroup: p.string().length(64).nullable(),
    deliverAt: p.datetime(3).nullable(),
    body: p.text(),
    attempts: p.integer().default(0),
    createdAt: p.datetime(3).onCreate(() => new Date()),
  },
});
export type OutboxMessageRow = InferEntity<typeof OutboxMessage>;
