import type { TransactionDecision } from '../../infra/mq/message-bus.port.js';

/**
 * How old an undecided half message must be before "no local row" means rollback (10 s). A
 * younger one may belong to a local transaction that has not reached its first insert yet
 * (waiting for a connection); answering 'unknown' makes the broker ask again later.
 */
export const DEFAULT_CHECK_ROLLBACK_AFTER_MS = 10_000;

/**
 * Bookkeeping for the local transactions this process is running behind half messages, so a
 * check-back that arrives while one is still in flight answers 'unknown' instead of guessing.
 */
export class InflightTransactions {
  private readonly keys = new Map<string, number>();

  async run<R>(key: string, work: () => Promise<R>): Promise<R> {
    this.keys.set(key, (this.keys.get(key) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const n = (this.keys.get(key) ?? 1) - 1;
      if (n <= 0) this.keys.delete(key);
      else this.keys.set(key, n);
    }
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }
}

/**
 * The check-back rule shared by the payment and refund checkers: a committed local row →
 * commit; a local transaction still running here → unknown; no row → rollback once the half
 * message is old enough that no transaction can still be about to write it, unknown before.
 */
export function decide(found: boolean, inflight: boolean, producedAt: string | undefined, rollbackAfterMs: number): TransactionDecision {
  if (found) return 'commit';
  if (inflight) return 'unknown';
  const age = producedAt ? Date.now() - Date.parse(producedAt) : Number.POSITIVE_INFINITY;
  return Number.isNaN(age) || age >= rollbackAfterMs ? 'rollback' : 'unknown';
}
