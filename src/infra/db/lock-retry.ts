import { isTransientLockError } from '../../shared/errors.js';

/** How many times a statement that lost a lock conflict runs in all. */
const LOCK_ATTEMPTS = 3;

/**
 * Runs `work` again when MySQL rolled it back on a deadlock or lock wait timeout (nothing was
 * applied), up to {@link LOCK_ATTEMPTS} times; any other error, or the last conflict, is thrown.
 * Only for work that is safe to repeat as a whole: one statement, or a whole transaction.
 */
export async function retryOnLockConflict<T>(work: () => Promise<T>, attempts = LOCK_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !isTransientLockError(err)) throw err;
    }
  }
}
