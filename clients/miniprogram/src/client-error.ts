/** Codes the kit itself produces, next to the server's `extensions.code` values. */
export type KitErrorCode =
  | 'NETWORK_ERROR' // wx.request / wx.connectSocket failed: no answer at all
  | 'HTTP_ERROR' // an answer that is not a GraphQL response (a proxy's 502, an HTML page)
  | 'WX_LOGIN_FAILED' // wx.login failed
  | 'SOCKET_CLOSED'; // the subscription socket closed and the kit gave up reconnecting

export interface ClientErrorDetails {
  code: string;
  reason?: string;
  retryable?: boolean;
  status?: number;
  /** The WebSocket close code, for subscription errors caused by a close. */
  closeCode?: number;
  /** Every GraphQL error of the response, and its partial data, when the server answered. */
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
  data?: unknown;
}

/**
 * What every promise of the kit rejects with and every subscription error is: `code` is the
 * server's `extensions.code` (or a KitErrorCode), `reason` its `extensions.reason`, `retryable`
 * whether the same call may succeed later. A page switches on `reason`, never on `message`.
 */
export class ClientError extends Error {
  readonly code: string;
  readonly reason?: string;
  readonly retryable: boolean;
  readonly status?: number;
  readonly closeCode?: number;
  readonly errors?: ClientErrorDetails['errors'];
  readonly data?: unknown;

  constructor(message: string, details: ClientErrorDetails) {
    super(message);
    // ES2015 output: restore the prototype chain that extending Error loses when downlevelled.
    Object.setPrototypeOf(this, ClientError.prototype);
    this.name = 'ClientError';
    this.code = details.code;
    this.reason = details.reason;
    this.retryable = details.retryable === true;
    this.status = details.status;
    this.closeCode = details.closeCode;
    this.errors = details.errors;
    this.data = details.data;
  }
}

/** The first GraphQL error of a response as a ClientError. */
export function fromGraphQLErrors(errors: NonNullable<ClientErrorDetails['errors']>, extra: { status?: number; data?: unknown } = {}): ClientError {
  const first = errors[0];
  const ext = (first && first.extensions) || {};
  return new ClientError(first ? first.message : 'GraphQL error', {
    code: typeof ext.code === 'string' ? ext.code : 'INTERNAL_SERVER_ERROR',
    reason: typeof ext.reason === 'string' ? ext.reason : undefined,
    retryable: ext.retryable === true,
    status: extra.status,
    errors,
    data: extra.data,
  });
}
