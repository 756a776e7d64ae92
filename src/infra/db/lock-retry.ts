import { setTimeout as sleep } from 'node:timers/promises';
import { isConnectionError, isTransientLockError } from '../../shared/errors.js';

/** How many times a statement that lost a lock conflict runs in all. */
const LOCK_ATTEMPTS = 3;

/**
 * Runs `work` again when MySQL rolled it back on a deadlock or lock wait timeout (nothing was
 * applied), up to {@link LOCK_ATTEMPTS} times; any other error, or the last conflict, is thrown.
 * Only for work that is safe to repeat as a whole: one statement, or a whole transaction.
 */
export function retryOnLockConflict<T>(work: () => Promise<T>, attempts = LOCK_ATTEMPTS): Promise<T> {
  return retryWhile(work, attempts, isTransientLockError, () => 0);
}

/** Tries of a write whose connection was lost, and the first pause between them (doubling). */
const CONNECTION_ATTEMPTS = 5;
const CONNECTION_RETRY_PAUSE_MS = 100;

/**
 * Runs `work` again when its MySQL connection was lost (the pool gives the next try a new one), up
 * to {@link CONNECTION_ATTEMPTS} times over about 1.5 s; any other error, or the last loss, is
 * thrown. For the write that records an outside party's effect that already happened (an SMS
 * sent, a WeChat message delivered): left unwritten, the message's redelivery would do it again.
 * Only for a statement that is safe to run twice: a lost connection may have applied it.
 */
export function retryOnConnectionLoss<T>(work: () => Promise<T>, attempts = CONNECTION_ATTEMPTS): Promise<T> {
  return retryWhile(work, attempts, isConnectionError, (attempt) => CONNECTION_RETRY_PAUSE_MS * 2 ** (attempt - 1));
}

async function retryWhile<T>(work: () => Promise<T>, attempts: number, retryable: (err: unknown) => boolean, pauseMs: (attempt: number) => number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !retryable(err)) throw err;
      const pause = pauseMs(attempt);
      if (pause > 0) await sleep(pause);
    }
  }
}
