import type { ServerResponse } from 'node:http';
import { ExternalServiceError } from '../wechat.errors.js';

/**
 * The answer the BFF gives WeChat Pay on `POST /pay/wechat/notify`. WeChat v3 treats HTTP 200 or
 * 204 (no body needed) as success; anything else, with `{"code":"FAIL","message":"..."}`, as a
 * failure, and re-sends the notification later (15s, 15s, 30s, 3m, 10m, 20m, 30m, ... over 24 h).
 */
export interface NotifyAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** 204, no body: "received and handled (or already handled)". */
export function notifySuccessAnswer(): NotifyAnswer {
  return { status: 204, headers: {}, body: '' };
}

/** 4xx/5xx with `{"code":"FAIL","message":...}`: WeChat will retry. Keep `message` free of secrets. */
export function notifyFailureAnswer(message: string, status = 500): NotifyAnswer {
  if (status < 400 || status > 599) throw new RangeError('a failure answer needs a 4xx or 5xx status');
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'FAIL', message: message.slice(0, 200) }) };
}

/**
 * Failure answer for an error thrown while verifying or handling a notification: 401 for a bad
 * signature / serial / timestamp, 400 for an undecryptable or foreign notification, 500 otherwise
 * (our own trouble: the retry will come back later). The message is the stable code only.
 */
export function notifyAnswerForError(err: unknown): NotifyAnswer {
  if (err instanceof ExternalServiceError) {
    switch (err.code) {
      case 'WECHAT_PAY_SIGNATURE_INVALID':
      case 'WECHAT_PAY_UNKNOWN_SERIAL':
      case 'WECHAT_PAY_TIMESTAMP_STALE':
        return notifyFailureAnswer(err.code, 401);
      case 'WECHAT_PAY_DECRYPT_FAILED':
      case 'WECHAT_PAY_NOTIFICATION_INVALID':
        return notifyFailureAnswer(err.code, 400);
      default:
        break;
    }
  }
  return notifyFailureAnswer('INTERNAL_ERROR', 500);
}

/** Writes a NotifyAnswer on a node:http (or Express) response. */
export function writeNotifyAnswer(res: ServerResponse, answer: NotifyAnswer): void {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}
