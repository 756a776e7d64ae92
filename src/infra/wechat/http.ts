import { Agent, request } from 'undici';

/** Idle keep-alive sockets are closed after this long (below the usual 5 s server keep-alive). */
export const KEEP_ALIVE_TIMEOUT_MS = 4_000;
/** Upper bound for a server's `Keep-Alive: timeout=` hint. */
export const KEEP_ALIVE_MAX_TIMEOUT_MS = 60_000;
/**
 * Concurrent sockets per origin for one client. Logins call code2session inline, so this must
 * cover peak concurrent logins × WeChat latency (200 clients at 100 ms need ~200 sockets).
 */
export const MAX_CONNECTIONS_PER_ORIGIN = 256;

/** One keep-alive connection pool per client (never the global dispatcher). */
export function createHttpAgent(): Agent {
  return new Agent({
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    keepAliveMaxTimeout: KEEP_ALIVE_MAX_TIMEOUT_MS,
    connections: MAX_CONNECTIONS_PER_ORIGIN,
  });
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Whole-call deadline: connect, headers and body. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
}

/**
 * The call never produced an HTTP answer: `timeout` (deadline passed) or a network failure
 * (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`, ...). Each client turns it into its own
 * typed "unavailable" error.
 */
export class TransportError extends Error {
  override name = 'TransportError';
  constructor(readonly reason: string) {
    super(reason === 'timeout' ? 'request timed out' : `connection failed (${reason})`);
  }
}

/** Sends one request on `agent` and reads the whole body, all within `timeoutMs`. */
export async function sendHttp(agent: Agent, req: HttpRequest): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    const res = await request(req.url, {
      dispatcher: agent,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    const text = await res.body.text();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return { status: res.statusCode, headers, text };
  } catch (err) {
    throw toTransportError(err, signal.aborted);
  }
}

function toTransportError(err: unknown, deadlinePassed: boolean): TransportError {
  const e = err as { name?: string; code?: string; cause?: { code?: string } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  if (
    deadlinePassed ||
    e?.name === 'TimeoutError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'ETIMEDOUT'
  ) {
    return new TransportError('timeout');
  }
  return new TransportError(typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : 'network error');
}

/** Joins a base URL (which may carry a path prefix) and an absolute path with query. */
export function joinUrl(baseUrl: string, pathAndQuery: string): URL {
  return new URL(baseUrl.replace(/\/+$/, '') + pathAndQuery);
}

/** Parses JSON, or returns undefined for an empty or non-JSON body. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Keeps a phone number recognisable in logs without logging it: 138****5678. */
export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}
