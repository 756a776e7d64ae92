import WebSocket from 'ws';
import type { Wx, WxConnectSocketOptions, WxRequestOptions, WxSocketTask } from '../../clients/miniprogram/src/wx.types.js';

/** One wx.request as the shim saw it: which operation, and what the server answered. */
export interface ShimRequest {
  operation: string | undefined;
  authorization: string | undefined;
  status?: number;
  errorReason?: string;
  failed?: string;
}

/** One wx.connectSocket: what the kit sent and how it ended. */
export interface ShimSocket {
  url: string;
  protocols: string[];
  sent: string[];
  opened: boolean;
  closed?: { code: number; reason: string };
}

export interface WxShimOptions {
  /** The wx.login code of every login (local mode: the same code is always the same user). */
  code?: () => string;
  /** Rewrites each frame the kit sends on a socket (a misbehaving proxy, in failure tests). */
  rewriteSent?: (data: string) => string;
  /** Holds a frame back this many milliseconds (a slow link or a slow server, in ordering tests). */
  holdSent?: (data: string) => number;
}

export interface WxShim extends Wx {
  storage: Map<string, unknown>;
  logins: number;
  requests: ShimRequest[];
  sockets: ShimSocket[];
  /** Closes every socket still open (tests' cleanup). */
  closeAll(): void;
}

const operationName = (query: unknown) => (typeof query === 'string' ? /\b(?:query|mutation|subscription)\s+(\w+)/.exec(query)?.[1] : undefined);
const errMsg = (api: string, err: unknown) => `${api}:fail ${(err as Error)?.message ?? String(err)}`;

/**
 * A `wx` for Node with the mini-program's callback API, backed by real HTTP (fetch) and real
 * WebSockets (`ws`), so the kit runs unchanged against the real server. Like WeChat, callbacks
 * are asynchronous, wx.request resolves for every HTTP status (only a transport failure is
 * `fail`), and a SocketTask reports a failed connection as onError then onClose.
 */
export function createWxShim(options: WxShimOptions = {}): WxShim {
  const storage = new Map<string, unknown>();
  const requests: ShimRequest[] = [];
  const sockets: ShimSocket[] = [];
  const live = new Set<WebSocket>();
  const shim: WxShim = {
    storage,
    requests,
    sockets,
    logins: 0,
    login({ success }) {
      shim.logins++;
      const code = options.code ? options.code() : 'kit-default-code';
      setImmediate(() => success?.({ code }));
    },
    request(req: WxRequestOptions) {
      const body = req.data as { query?: unknown } | undefined;
      const record: ShimRequest = { operation: operationName(body?.query), authorization: req.header?.authorization };
      requests.push(record);
      void (async () => {
        let res: Response;
        try {
          res = await fetch(req.url, {
            method: req.method,
            headers: req.header,
            body: req.method === 'POST' ? JSON.stringify(req.data) : undefined,
            signal: AbortSignal.timeout(req.timeout ?? 60_000),
          });
        } catch (err) {
          record.failed = errMsg('request', err);
          req.fail?.({ errMsg: record.failed });
          return;
        }
        const text = await res.text();
        let data: unknown = text;
        try {
          data = JSON.parse(text);
        } catch {
          // dataType json: wx hands over the raw text when it is not JSON.
        }
        record.status = res.status;
        record.errorReason = (data as { errors?: { extensions?: { reason?: string } }[] })?.errors?.[0]?.extensions?.reason;
        const header: Record<string, string> = {};
        res.headers.forEach((v, k) => (header[k] = v));
        req.success?.({ statusCode: res.status, data, header });
      })();
    },
    connectSocket(opts: WxConnectSocketOptions): WxSocketTask {
      const record: ShimSocket = { url: opts.url, protocols: opts.protocols ?? [], sent: [], opened: false };
      sockets.push(record);
      const socket = new WebSocket(opts.url, opts.protocols ?? [], { headers: opts.header });
      live.add(socket);
      socket.on('open', () => (record.opened = true));
      socket.on('close', (code, reason) => {
        live.delete(socket);
        record.closed = { code, reason: reason.toString() };
      });
      return {
        send({ data, fail }) {
          const frame = options.rewriteSent ? options.rewriteSent(data) : data;
          record.sent.push(frame);
          const send = () => socket.send(frame, (err) => err && fail?.({ errMsg: errMsg('send', err) }));
          const hold = options.holdSent ? options.holdSent(frame) : 0;
          if (hold > 0) setTimeout(send, hold);
          else send();
        },
        close({ code, reason, fail }) {
          try {
            socket.close(code, reason);
          } catch (err) {
            fail?.({ errMsg: errMsg('close', err) });
          }
        },
        onOpen: (listener) => socket.on('open', () => listener({ protocol: socket.protocol })),
        onClose: (listener) => socket.on('close', (code, reason) => listener({ code, reason: reason.toString() })),
        onError: (listener) => socket.on('error', (err) => listener({ errMsg: errMsg('socket', err) })),
        onMessage: (listener) => socket.on('message', (data, isBinary) => listener({ data: isBinary ? new Uint8Array(data as Buffer).buffer : data.toString() })),
      };
    },
    getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync: (key, value) => {
      // wx storage keeps a copy, not the caller's object.
      storage.set(key, JSON.parse(JSON.stringify(value)));
    },
    removeStorageSync: (key) => {
      storage.delete(key);
    },
    closeAll() {
      for (const s of live) s.terminate();
    },
  };
  return shim;
}
