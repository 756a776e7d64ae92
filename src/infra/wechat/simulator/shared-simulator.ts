import type { Logger } from '../../observability/logger.js';
import type { LocalPayKeys } from './keys.js';
import { SIMULATOR_CONTROL_PREFIX } from './wechat-simulator.js';

/** How long a process waits for the shared simulator to answer at start-up (its host may start later: 60 s). */
export const SHARED_SIMULATOR_WAIT_MS = 60_000;
const RETRY_MS = 500;

export interface SharedSimulator {
  url: string;
  appId: string;
  mchId: string;
  keys: LocalPayKeys;
  /** "The user pays": the simulator marks the transaction paid and sends the signed notification. */
  pay(outTradeNo: string): Promise<void>;
}

/**
 * Split roles in local mode share one simulator: the API process hosts it (WECHAT_SIMULATOR_PORT)
 * and the worker joins it (WECHAT_SIMULATOR_URL), taking its throwaway local keys from it, so
 * both sign as the same merchant and see the same transactions and refunds.
 */
export async function joinSharedSimulator(url: string, logger: Logger, waitMs = SHARED_SIMULATOR_WAIT_MS): Promise<SharedSimulator> {
  const deadline = Date.now() + waitMs;
  let last = '';
  let attempts = 0;
  for (;;) {
    try {
      const res = await fetch(`${url}${SIMULATOR_CONTROL_PREFIX}local-keys`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) {
        const { appId, mchId, keys } = (await res.json()) as { appId: string; mchId: string; keys: LocalPayKeys };
        logger.info({ url }, 'using the shared WeChat simulator');
        return {
          url,
          appId,
          mchId,
          keys,
          async pay(outTradeNo) {
            const r = await fetch(`${url}${SIMULATOR_CONTROL_PREFIX}pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outTradeNo }), signal: AbortSignal.timeout(5_000) });
            if (!r.ok) throw new Error(`simulator refused the payment of ${outTradeNo}: HTTP ${r.status}`);
          },
        };
      }
      last = `HTTP ${res.status}`;
      if (res.status === 404) break;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) break;
    if (attempts++ === 0) logger.info({ url, reason: last, waitMs }, 'waiting for the shared WeChat simulator');
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  throw new Error(`the shared WeChat simulator at ${url} did not answer (${last})`);
}
