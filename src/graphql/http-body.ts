import type { IncomingMessage, ServerResponse } from 'node:http';
import contentType from 'content-type';

/**
 * The few pieces of body-parser's `json()` the GraphQL fast path needs, with its answers: a body
 * over the limit is 413, a body that is not a JSON object or array is 400, an empty body is `{}`.
 * Only requests it can read exactly as body-parser would take that path (see
 * isPlainJsonGraphqlPost); the rest still go through Express.
 */

export class BodyError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** POST /graphql, `application/json` in UTF-8, not compressed, with a declared length or chunked. */
export function isPlainJsonGraphqlPost(req: IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  const query = url.indexOf('?');
  if ((query < 0 ? url : url.slice(0, query)) !== '/graphql') return false;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return false;
  const type = req.headers['content-type'];
  if (!type) return false;
  let parsed: contentType.ParsedMediaType;
  try {
    // The parser body-parser itself uses; a header it cannot parse goes through Express.
    parsed = contentType.parse(type);
  } catch {
    return false;
  }
  if (parsed.type !== 'application/json') return false;
  const charset = parsed.parameters.charset;
  return charset === undefined || charset.toLowerCase() === 'utf-8';
}

/** The parsed body; a BodyError with the status body-parser would give otherwise. */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (declared > limitBytes) return Promise.reject(new BodyError('request entity too large', 413));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: BodyError) => {
      req.off('data', onData);
      req.off('end', onEnd);
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      // Node discards the rest of the body once the answer is sent.
      if (size > limitBytes) fail(new BodyError('request entity too large', 413));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      let text = Buffer.concat(chunks, size).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length === 0) return resolve({});
      // body-parser's strict mode: only an object or an array.
      const first = /^[\x20\x09\x0a\x0d]*(.)/.exec(text)?.[1];
      if (first !== '{' && first !== '[') return reject(new BodyError('the body is not a JSON object', 400));
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new BodyError('the body is not valid JSON', 400));
      }
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('aborted', () => fail(new BodyError('request aborted', 400)));
    req.once('error', () => fail(new BodyError('request body could not be read', 400)));
  });
}

/** A header as Express's `req.header(name)` gives it. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** What Express's `res.status(status).json(body)` sends, with the request id when there is one. */
export function sendJson(res: ServerResponse, status: number, body: unknown, requestId?: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  if (requestId) res.setHeader('x-request-id', requestId);
  res.end(JSON.stringify(body));
}
