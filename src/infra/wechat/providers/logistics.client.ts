import type { Agent } from 'undici';
import type { Logger } from '../../observability/logger.js';
import { createHttpAgent } from '../http.js';
import type { CreateWaybillInput, LogisticsClient } from './logistics.port.js';
import { callProvider } from './provider-http.js';

/** Per-call deadline when none is configured: logistics is slow and jittery, but never inline for users. */
export const DEFAULT_LOGISTICS_TIMEOUT_MS = 5_000;

export interface LogisticsHttpClientOptions {
  baseUrl: string;
  /** Sent as `Authorization: Bearer ...`; never logged. */
  apiKey?: string;
  timeoutMs?: number;
  logger: Logger;
}

/**
 * HTTP JSON logistics adapter: `POST {baseUrl}/logistics/v1/waybills` with `Idempotency-Key:
 * orderNo`, body `{orderNo, receiver, items}` → `{waybillNo, carrier}`.
 */
export class LogisticsHttpClient implements LogisticsClient {
  readonly #agent: Agent = createHttpAgent();
  readonly #log: Logger;

  constructor(private readonly options: LogisticsHttpClientOptions) {
    this.#log = options.logger.child({ component: 'logistics' });
  }

  async createWaybill(input: CreateWaybillInput): Promise<{ waybillNo: string; carrier: string }> {
    const answer = await callProvider<{ waybillNo?: string; carrier?: string }>(this.#agent, this.#log, {
      service: 'logistics',
      op: 'createWaybill',
      baseUrl: this.options.baseUrl,
      path: '/logistics/v1/waybills',
      payload: input,
      timeoutMs: this.options.timeoutMs ?? DEFAULT_LOGISTICS_TIMEOUT_MS,
      apiKey: this.options.apiKey,
      idempotencyKey: input.orderNo,
    });
    if (typeof answer.waybillNo !== 'string' || typeof answer.carrier !== 'string') throw new TypeError('logistics provider answered without waybillNo/carrier');
    this.#log.info({ orderNo: input.orderNo, waybillNo: answer.waybillNo, carrier: answer.carrier }, 'waybill created');
    return { waybillNo: answer.waybillNo, carrier: answer.carrier };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
