import type { EntityManager } from '@mikro-orm/mysql';
import type { OutgoingMessage } from '../message-bus.port.js';

/** Stages a message in the caller's transaction; it is published after the commit. */
export type Emit = <T>(message: OutgoingMessage<T>) => void;

/**
 * What modules get of the outbox: their work and the messages it emits, in one transaction. The
 * relay's lifecycle (start, sweep, close) stays with the composition root.
 */
export interface TransactionalOutbox {
  transactional<R>(em: EntityManager, work: (tx: EntityManager, emit: Emit) => Promise<R>): Promise<R>;
}
