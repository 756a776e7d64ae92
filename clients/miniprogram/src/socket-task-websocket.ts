import { closeActionFor, GRAPHQL_WS_CODE, type CloseAction } from './close-codes.js';
import type { Wx, WxSocketTask } from './wx.types.js';

/** The close event graphql-ws sees; `serverCode` and `action` say what really happened. */
export interface SocketCloseEvent {
  code: number;
  reason: string;
  wasClean: boolean;
  serverCode: number;
  action: CloseAction | 'local';
}

export function isSocketCloseEvent(value: unknown): value is SocketCloseEvent {
  return typeof value === 'object' && value !== null && 'serverCode' in value && 'action' in value;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
/** What the kit reports when wx gives no close code: the connection failed or dropped. */
const ABNORMAL_CLOSURE = 1006;

export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: SocketCloseEvent) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: string }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface WebSocketLikeConstructor {
  new (url: string, protocols?: string | string[]): WebSocketLike;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
}

/**
 * A WebSocket-shaped class over wx.connectSocket, for graphql-ws's `webSocketImpl`.
 *
 * A SocketTask reports failures as onError, often followed by onClose and sometimes not (a
 * refused connection may only call `fail`). graphql-ws treats an error event as final without
 * asking whether to retry, so every failure here becomes exactly one close event (1006 when wx
 * gives no code), which goes through the close-code table and so through the retry rules.
 */
export function socketTaskWebSocket(wx: Wx): WebSocketLikeConstructor {
  class SocketTaskWebSocket implements WebSocketLike {
    static readonly CONNECTING = CONNECTING;
    static readonly OPEN = OPEN;
    static readonly CLOSING = CLOSING;
    static readonly CLOSED = CLOSED;

    readyState = CONNECTING;
    protocol = '';
    onopen: ((event: unknown) => void) | null = null;
    onclose: ((event: SocketCloseEvent) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: string }) => void) | null = null;

    private readonly task: WxSocketTask;
    private localClose: { code: number; reason: string } | undefined;

    constructor(url: string, protocols?: string | string[]) {
      const list = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : protocols;
      this.task = wx.connectSocket({ url, protocols: list, fail: (err) => this.finish(ABNORMAL_CLOSURE, err.errMsg) });
      this.task.onOpen((res) => {
        if (this.readyState !== CONNECTING) return;
        this.readyState = OPEN;
        this.protocol = (res && res.protocol) || list[0] || '';
        if (this.onopen) this.onopen({});
      });
      this.task.onMessage((res) => {
        // graphql-transport-ws is text only; a binary frame is not ours to read.
        if (this.readyState === OPEN && typeof res.data === 'string' && this.onmessage) this.onmessage({ data: res.data });
      });
      this.task.onError((res) => {
        this.finish(ABNORMAL_CLOSURE, (res && res.errMsg) || 'socket error');
        // The socket may still be half alive: let it go.
        this.closeTask(1000, 'error');
      });
      this.task.onClose((res) => this.finish(res && typeof res.code === 'number' ? res.code : ABNORMAL_CLOSURE, (res && res.reason) || ''));
    }

    send(data: string): void {
      if (this.readyState !== OPEN) return;
      this.task.send({ data, fail: (err) => this.finish(ABNORMAL_CLOSURE, err.errMsg) });
    }

    close(code = 1000, reason = ''): void {
      if (this.readyState === CLOSING || this.readyState === CLOSED) return;
      this.localClose = { code, reason };
      this.readyState = CLOSING;
      this.closeTask(code, reason);
    }

    private closeTask(code: number, reason: string): void {
      try {
        this.task.close({ code, reason, fail: () => this.finish(code, reason) });
      } catch {
        this.finish(code, reason);
      }
    }

    /** Reports the close once; later onError/onClose calls for the same task are ignored. */
    private finish(serverCode: number, reason: string): void {
      if (this.readyState === CLOSED) return;
      this.readyState = CLOSED;
      const local = this.localClose;
      // A close graphql-ws asked for keeps its own code; the server's goes through the table.
      const action: CloseAction | 'local' = local ? 'local' : closeActionFor(serverCode);
      const event: SocketCloseEvent = {
        code: action === 'local' ? local!.code : GRAPHQL_WS_CODE[action],
        reason: action === 'local' ? local!.reason : reason,
        wasClean: serverCode !== ABNORMAL_CLOSURE,
        serverCode,
        action,
      };
      if (this.onclose) this.onclose(event);
    }
  }
  return SocketTaskWebSocket;
}
