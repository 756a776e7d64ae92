import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws/client';
import { backoffDelay, setTimer, sleep, type BackoffOptions } from './backoff.js';
import { ClientError, fromGraphQLErrors } from './client-error.js';
import { LoginDocument, type LoginMutation } from './generated/graphql.js';
import { isSocketCloseEvent, socketTaskWebSocket } from './socket-task-websocket.js';
import type { Wx } from './wx.types.js';

/** The mini-program's global `wx` (module-local: the kit is typed without DOM or Node globals). */
declare const wx: Wx | undefined;

/** A typed document from codegen (TypedDocumentString) or any object whose toString() is the query. */
export interface TypedDocument<TResult, TVariables> {
  __apiType?: (variables: TVariables) => TResult;
  toString(): string;
}

export type Variables = Record<string, unknown>;

export interface RetryOptions {
  /** Retries of a retryable HTTP failure, after the first try. */
  httpAttempts?: number;
  /** Reconnections of the subscription socket in a row before its subscriptions fail. */
  socketAttempts?: number;
  /** First backoff delay, in milliseconds. */
  baseDelayMs?: number;
  /** Largest backoff delay, in milliseconds. */
  maxDelayMs?: number;
}

export interface ClientOptions {
  /** The BFF's GraphQL URL, `https://…/graphql`; subscriptions use the same URL over wss://. */
  endpoint: string;
  /** The mini-program's `wx`; defaults to the global one. */
  wx?: Wx;
  /** Where the session is kept with wx.setStorageSync. */
  storageKey?: string;
  /**
   * Called when the server refused the session and logging in again did not help (wx.login or
   * the login mutation failed, or the new session was refused too). The promise or subscription
   * still fails with the same error.
   */
  onSessionExpired?: (error: ClientError) => void;
  retry?: RetryOptions;
  /** wx.request timeout, in milliseconds. */
  timeoutMs?: number;
}

export interface SubscriptionSink<TResult> {
  next(data: TResult): void;
  error?(error: ClientError): void;
  complete?(): void;
  /**
   * The subscription is active on the server (the server's `{ active: id }` ping; an older
   * server without it: once the subscribe message is sent): first with `resumed` false, then
   * `true` after each reconnection. Events between a drop and a resume are not replayed, so read the current state
   * here (subscribe, then read, then apply events with a higher seq).
   */
  connected?(info: { resumed: boolean }): void;
}

export interface StoredSession {
  token: string;
  expiresAt: string;
}

export type LoginPayload = LoginMutation['login'];

export interface Client {
  /** wx.login → the login mutation → the token kept with wx.setStorageSync. */
  login(): Promise<LoginPayload>;
  request<TResult, TVariables>(query: TypedDocument<TResult, TVariables>, variables?: TVariables): Promise<TResult>;
  request<TResult = any>(query: string, variables?: Variables): Promise<TResult>;
  subscribe<TResult, TVariables>(query: TypedDocument<TResult, TVariables>, variables: TVariables, sink: SubscriptionSink<TResult>): () => void;
  subscribe<TResult = any>(query: string, variables: Variables, sink: SubscriptionSink<TResult>): () => void;
  /** The stored session, or null when there is none or it has expired. */
  session(): StoredSession | null;
  /** Forgets the stored session (the server's stays until it expires or `logout` is sent). */
  clearSession(): void;
  /** Closes the subscription socket; active subscriptions complete. */
  dispose(): Promise<void>;
}

const DEFAULT_STORAGE_KEY = 'wxshop.session';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_HTTP_ATTEMPTS = 3;
const DEFAULT_SOCKET_ATTEMPTS = 10;
const DEFAULT_BASE_DELAY_MS = 500;
const DEFAULT_MAX_DELAY_MS = 15_000;
/** Server answers that mean "log in again": a bad or expired token, or none at all. */
const RELOGIN_REASONS = ['SESSION_INVALID', 'UNAUTHENTICATED'];
const RETRYABLE_HTTP_STATUS = [429, 502, 503, 504];

function needsRelogin(err: unknown): err is ClientError {
  return err instanceof ClientError && err.code === 'UNAUTHENTICATED' && RELOGIN_REASONS.indexOf(err.reason || '') >= 0;
}

/** A mutation is retried after a lost answer only when the server said it is safe (`retryable`). */
function isMutation(query: string): boolean {
  return /^\s*(#[^\n]*\n\s*)*mutation\b/.test(query);
}

export function webSocketUrl(endpoint: string): string {
  return endpoint.replace(/^http(s?):\/\//i, (_m, s: string) => `ws${s}://`);
}

export function createClient(options: ClientOptions): Client {
  const wxApi: Wx | undefined = options.wx || (typeof wx !== 'undefined' ? wx : undefined);
  if (!wxApi) throw new Error('createClient: no wx object (pass options.wx outside a mini-program)');
  const api: Wx = wxApi;
  const storageKey = options.storageKey || DEFAULT_STORAGE_KEY;
  const retry = options.retry || {};
  const httpAttempts = retry.httpAttempts !== undefined ? retry.httpAttempts : DEFAULT_HTTP_ATTEMPTS;
  const socketAttempts = retry.socketAttempts !== undefined ? retry.socketAttempts : DEFAULT_SOCKET_ATTEMPTS;
  const backoff: BackoffOptions = {
    baseDelayMs: retry.baseDelayMs !== undefined ? retry.baseDelayMs : DEFAULT_BASE_DELAY_MS,
    maxDelayMs: retry.maxDelayMs !== undefined ? retry.maxDelayMs : DEFAULT_MAX_DELAY_MS,
  };
  const timeoutMs = options.timeoutMs || DEFAULT_TIMEOUT_MS;

  const sessionExpired = (err: ClientError): ClientError => {
    if (options.onSessionExpired) options.onSessionExpired(err);
    return err;
  };

  function session(): StoredSession | null {
    const stored = api.getStorageSync(storageKey) as StoredSession | '' | undefined;
    if (!stored || typeof stored !== 'object' || typeof stored.token !== 'string') return null;
    // A token past its expiry is dead on the server too: skip the round trip that proves it.
    if (stored.expiresAt && Date.parse(stored.expiresAt) <= Date.now()) return null;
    return stored;
  }

  /** One POST through wx.request; rejects with a ClientError. */
  function post<T>(query: string, variables: Variables | undefined, token: string | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const header: Record<string, string> = { 'content-type': 'application/json' };
      if (token) header.authorization = `Bearer ${token}`;
      api.request({
        url: options.endpoint,
        method: 'POST',
        data: { query, variables: variables || {} },
        header,
        dataType: 'json',
        timeout: timeoutMs,
        success: (res) => {
          const body = res.data as { data?: T | null; errors?: ClientError['errors'] } | string | null;
          if (body && typeof body === 'object' && (body.errors || body.data)) {
            if (body.errors && body.errors.length > 0) reject(fromGraphQLErrors(body.errors, { status: res.statusCode, data: body.data }));
            else resolve(body.data as T);
            return;
          }
          reject(new ClientError(`HTTP ${res.statusCode} without a GraphQL answer`, { code: 'HTTP_ERROR', status: res.statusCode, retryable: RETRYABLE_HTTP_STATUS.indexOf(res.statusCode) >= 0 }));
        },
        fail: (err) => reject(new ClientError(err.errMsg || 'request failed', { code: 'NETWORK_ERROR', retryable: true })),
      });
    });
  }

  /** A POST with the bounded retries of retryable failures. */
  async function postWithRetries<T>(query: string, variables: Variables | undefined, token: string | undefined): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await post<T>(query, variables, token);
      } catch (err) {
        const e = err as ClientError;
        const safe = e.code !== 'NETWORK_ERROR' || !isMutation(query);
        if (!(e instanceof ClientError) || !e.retryable || !safe || attempt >= httpAttempts) throw e;
        await sleep(backoffDelay(attempt, backoff));
      }
    }
  }

  function wxLogin(): Promise<string> {
    return new Promise((resolve, reject) => {
      api.login({
        timeout: timeoutMs,
        success: (res) => resolve(res.code),
        fail: (err) => reject(new ClientError(err.errMsg || 'wx.login failed', { code: 'WX_LOGIN_FAILED', retryable: true })),
      });
    });
  }

  let loggingIn: Promise<LoginPayload> | undefined;

  /** One login at a time: concurrent requests that all found the session dead share it. */
  function login(): Promise<LoginPayload> {
    if (!loggingIn) {
      loggingIn = (async () => {
        for (let attempt = 0; ; attempt++) {
          try {
            // A fresh code per attempt: WeChat accepts each code once.
            const code = await wxLogin();
            // Never with the old token: the server refuses every operation of a request with a bad one.
            const data = await post<LoginMutation>(LoginDocument.toString(), { code }, undefined);
            api.setStorageSync(storageKey, { token: data.login.token, expiresAt: data.login.expiresAt } as StoredSession);
            return data.login;
          } catch (err) {
            if (!(err instanceof ClientError) || !err.retryable || attempt >= httpAttempts) throw err;
            await sleep(backoffDelay(attempt, backoff));
          }
        }
      })();
      const clear = () => {
        loggingIn = undefined;
      };
      loggingIn.then(clear, clear);
    }
    return loggingIn;
  }

  async function request(query: string | TypedDocument<unknown, unknown>, variables?: unknown): Promise<any> {
    const text = query.toString();
    let loggedInAgain = false;
    for (;;) {
      const current = session();
      try {
        return await postWithRetries(text, variables as Variables | undefined, current ? current.token : undefined);
      } catch (err) {
        if (!needsRelogin(err)) throw err;
        if (loggedInAgain) throw sessionExpired(err);
        loggedInAgain = true;
        // Another call logged in while this one was in flight: use its session.
        const now = session();
        if (now && (!current || now.token !== current.token)) continue;
        try {
          await login();
        } catch (loginErr) {
          throw sessionExpired(loginErr instanceof ClientError ? loginErr : new ClientError(String(loginErr), { code: 'WX_LOGIN_FAILED' }));
        }
      }
    }
  }

  // Subscriptions: one graphql-ws client (one socket) for all of them, opened lazily.
  let ws: WsClient | undefined;
  /** The server refused the session: the next connection logs in first. */
  let reloginPending = false;
  /** A relogin was tried since the last accepted connection: a second refusal is final. */
  let reloginTried = false;
  let socketUp = false;
  /** The server pings `{ active: id }` once a subscription is live (its ack says so); older ones do not. */
  let serverAnnouncesActive = false;
  const waitingForConnect: Array<() => void> = [];
  /** Subscriptions waiting for the server's `{ active: id }` ping, by operation id. */
  const waitingForActive = new Map<string, () => void>();
  let operationCount = 0;
  /** The id graphql-ws gives the operation being subscribed (it asks synchronously, once per subscribe). */
  let nextOperationId = '';

  function wsClient(): WsClient {
    if (ws) return ws;
    ws = createWsClient({
      url: webSocketUrl(options.endpoint),
      webSocketImpl: socketTaskWebSocket(api),
      lazy: true,
      retryAttempts: socketAttempts,
      generateID: () => nextOperationId || String(++operationCount),
      connectionParams: async () => {
        let current = session();
        if (reloginPending || !current) {
          reloginPending = false;
          try {
            await login();
          } catch (err) {
            // Retryable failures (WeChat briefly down) go through the socket's retries first.
            throw err instanceof ClientError && !err.retryable ? sessionExpired(err) : err;
          }
          current = session();
        }
        // Lowercase key: what the server reads today.
        return { authorization: `Bearer ${current ? current.token : ''}` };
      },
      shouldRetry: (errOrClose) => {
        if (isSocketCloseEvent(errOrClose)) {
          if (errOrClose.action === 'relogin') {
            if (reloginTried) return false;
            reloginTried = true;
            reloginPending = true;
            return true;
          }
          return errOrClose.action === 'retry';
        }
        // Thrown by connectionParams: a failed login.
        return errOrClose instanceof ClientError && errOrClose.retryable;
      },
      // A relogin reconnects at once; anything else backs off.
      retryWait: (retries) => (reloginPending ? Promise.resolve() : sleep(backoffDelay(retries, backoff))),
      on: {
        connected: (_socket, payload) => {
          socketUp = true;
          serverAnnouncesActive = !!payload && (payload as { announcesActive?: unknown }).announcesActive === true;
          reloginTried = false;
          const waiting = waitingForConnect.splice(0, waitingForConnect.length);
          waiting.forEach((notify) => notify());
        },
        closed: () => {
          socketUp = false;
        },
        ping: (received, payload) => {
          const id = received && payload ? (payload as { active?: unknown }).active : undefined;
          const live = typeof id === 'string' ? waitingForActive.get(id) : undefined;
          if (live && typeof id === 'string') {
            waitingForActive.delete(id);
            live();
          }
        },
      },
    });
    return ws;
  }

  function subscriptionError(err: unknown): ClientError {
    if (err instanceof ClientError) return err;
    if (Array.isArray(err)) return fromGraphQLErrors(err as NonNullable<ClientError['errors']>);
    if (isSocketCloseEvent(err)) {
      if (err.action === 'relogin') {
        return sessionExpired(new ClientError('the server refused the session after logging in again', { code: 'UNAUTHENTICATED', reason: 'SESSION_INVALID', closeCode: err.serverCode }));
      }
      return new ClientError(`socket closed (${err.serverCode}${err.reason ? `: ${err.reason}` : ''})`, { code: 'SOCKET_CLOSED', closeCode: err.serverCode, retryable: err.action === 'retry' });
    }
    return new ClientError(err instanceof Error ? err.message : String(err), { code: 'SOCKET_CLOSED' });
  }

  function subscribe(query: string | TypedDocument<unknown, unknown>, variables: unknown, sink: SubscriptionSink<any>): () => void {
    const client = wsClient();
    // A new subscription on a closed socket gets its own chance to log in again.
    if (!socketUp) reloginTried = false;
    let active = true;
    let connectedBefore = false;
    const id = String(++operationCount);
    const live = () => {
      if (!active) return;
      const resumed = connectedBefore;
      connectedBefore = true;
      if (sink.connected) sink.connected({ resumed });
    };
    const announce = () => {
      if (!active) return;
      // The server's ping says the subscription is live, so a read made in the callback cannot
      // miss an event. An older server gives no signal: after graphql-ws has sent the subscribe
      // message on the new socket is the best the kit can do.
      if (serverAnnouncesActive) waitingForActive.set(id, live);
      else setTimer(live, 0);
      // Every later reconnection resumes this subscription too.
      waitingForConnect.push(announce);
    };
    if (socketUp) announce();
    else waitingForConnect.push(announce);

    nextOperationId = id;
    const stop = client.subscribe(
      { query: query.toString(), variables: variables as Variables },
      {
        next: (value) => {
          if (!active) return;
          if (value.errors && value.errors.length > 0) {
            const err = fromGraphQLErrors(value.errors as NonNullable<ClientError['errors']>, { data: value.data });
            if (sink.error) sink.error(err);
            return;
          }
          sink.next(value.data);
        },
        error: (err) => {
          if (!active) return;
          active = false;
          waitingForActive.delete(id);
          if (sink.error) sink.error(subscriptionError(err));
        },
        complete: () => {
          if (!active) return;
          active = false;
          waitingForActive.delete(id);
          if (sink.complete) sink.complete();
        },
      },
    );
    nextOperationId = '';
    return () => {
      active = false;
      waitingForActive.delete(id);
      const i = waitingForConnect.indexOf(announce);
      if (i >= 0) waitingForConnect.splice(i, 1);
      stop();
    };
  }

  return {
    login,
    request: request as Client['request'],
    subscribe: subscribe as Client['subscribe'],
    session,
    clearSession: () => api.removeStorageSync(storageKey),
    dispose: async () => {
      const current = ws;
      ws = undefined;
      socketUp = false;
      if (current) await current.dispose();
    },
  };
}
