import type { Agent } from 'undici';
import type { Logger } from '../../observability/logger.js';
import { createHttpAgent, maskPhone } from '../http.js';
import { callProvider } from './provider-http.js';
import type { SmsMessage, SmsSender } from './sms.port.js';

/** Per-call deadline when none is configured. */
export const DEFAULT_SMS_TIMEOUT_MS = 3_000;

export interface SmsClientOptions {
  /** Provider base URL (the simulator's in local mode). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer ...`; never logged. */
  apiKey?: string;
  timeoutMs?: number;
  logger: Logger;
}

/** HTTP JSON SMS adapter: `POST {baseUrl}/sms/v1/messages` `{phone, templateId, params}` → `{messageId}`. */
export class SmsClient implements SmsSender {
  readonly #agent: Agent = createHttpAgent();
  readonly #log: Logger;

  constructor(private readonly options: SmsClientOptions) {
    this.#log = options.logger.child({ component: 'sms' });
  }

  async send(message: SmsMessage): Promise<{ messageId: string }> {
    const answer = await callProvider<{ messageId?: string }>(this.#agent, this.#log, {
      service: 'sms',
      op: 'send',
      baseUrl: this.options.baseUrl,
      path: '/sms/v1/messages',
      payload: { phone: message.phone, templateId: message.templateId, params: message.params },
      timeoutMs: this.options.timeoutMs ?? DEFAULT_SMS_TIMEOUT_MS,
      apiKey: this.options.apiKey,
    });
    if (typeof answer.messageId !== 'string') throw new TypeError('SMS provider answered without a messageId');
    this.#log.info({ phone: maskPhone(message.phone), templateId: message.templateId, messageId: answer.messageId }, 'sms sent');
    return { messageId: answer.messageId };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
