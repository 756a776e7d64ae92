export interface SmsMessage {
  /** Mainland mobile number, digits only (optionally +86). Logged masked only. */
  phone: string;
  templateId: string;
  params: Record<string, string>;
}

/**
 * An SMS provider. Errors: `PROVIDER_UNAVAILABLE` (timeout, connection failure, 5xx, 429:
 * retryable), `PROVIDER_REQUEST_FAILED` (4xx: bad number, unknown template).
 */
export interface SmsSender {
  send(message: SmsMessage): Promise<{ messageId: string }>;
}
