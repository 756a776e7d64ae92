import type { Agent } from 'undici';
import type { Logger } from '../../observability/logger.js';
import { joinUrl, parseJson, sendHttp, TransportError, type HttpResponse } from '../http.js';
import { ProviderRequestError, ProviderUnavailableError } from '../wechat.errors.js';

/**
 * One JSON call to an HTTP provider (SMS, logistics): transport failures, 5xx and 429 become
 * PROVIDER_UNAVAILABLE (retryable), other 4xx PROVIDER_REQUEST_FAILED with the provider's code.
 */
export async function callProvider<T>(
  agent: Agent,
  log: Logger,
  params: { service: string; op: string; baseUrl: string; path: string; payload: unknown; timeoutMs: number; apiKey?: string; idempotencyKey?: string },
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
  if (params.apiKey) headers.authorization = `Bearer ${params.apiKey}`;
  if (params.idempotencyKey) headers['idempotency-key'] = params.idempotencyKey;
  const started = Date.now();
  let res: HttpResponse;
  try {
    res = await sendHttp(agent, {
      method: 'POST',
      url: joinUrl(params.baseUrl, params.path).toString(),
      headers,
      body: JSON.stringify(params.payload),
      timeoutMs: params.timeoutMs,
    });
  } catch (err) {
    const reason = err instanceof TransportError ? err.reason : 'network error';
    log.warn({ op: params.op, ms: Date.now() - started, reason }, `${params.service} call failed`);
    throw new ProviderUnavailableError(
      params.service,
      reason === 'timeout' ? `${params.op} timed out after ${params.timeoutMs} ms` : `${params.op} connection failed (${reason})`,
      { transport: reason },
    );
  }
  const ms = Date.now() - started;
  const answer = parseJson(res.text) as (T & { code?: string; message?: string }) | undefined;
  if (res.status >= 500 || res.status === 429) {
    log.warn({ op: params.op, ms, status: res.status }, `${params.service} answered with an error status`);
    throw new ProviderUnavailableError(params.service, `${params.op} answered HTTP ${res.status}`, { status: res.status, remoteCode: answer?.code });
  }
  if (res.status >= 200 && res.status < 300 && (answer === undefined || typeof answer !== 'object')) {
    log.warn({ op: params.op, ms, status: res.status }, `${params.service} answered without a JSON object`);
    throw new ProviderUnavailableError(params.service, `${params.op} answered HTTP ${res.status} without a JSON object`, { status: res.status });
  }
  if (res.status >= 300 || answer === undefined || typeof answer !== 'object') {
    log.info({ op: params.op, ms, status: res.status, code: answer?.code }, `${params.service} refused the request`);
    throw new ProviderRequestError(params.service, res.status, String(answer?.code ?? 'UNKNOWN'), String(answer?.message ?? ''));
  }
  log.debug({ op: params.op, ms, status: res.status }, `${params.service} call`);
  return answer;
}
