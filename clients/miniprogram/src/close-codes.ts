/**
 * What the kit does when the subscription socket closes with a given code: this table is the
 * one place to adjust when the server's close codes change.
 *
 * - `relogin`: the server refused the session. Log in once (wx.login → login mutation), then
 *   reconnect; a second refusal in a row is an error (UNAUTHENTICATED / SESSION_INVALID).
 * - `retry`: a transient close (server restart, network loss). Reconnect with backoff, a bounded
 *   number of times, then an error (SOCKET_CLOSED).
 * - `fatal`: retrying cannot help (a protocol mistake). An error at once.
 */
export type CloseAction = 'relogin' | 'retry' | 'fatal';

export const CLOSE_ACTIONS: Readonly<Record<number, CloseAction>> = {
  1000: 'retry', // the server closed normally while subscriptions were active
  1001: 'retry', // going away: the server shuts down (a deploy, a restart)
  1002: 'fatal', // protocol error
  1003: 'fatal', // unsupported data
  1006: 'retry', // abnormal closure: connection refused or lost
  1007: 'fatal', // invalid payload
  1008: 'fatal', // policy violation
  1009: 'fatal', // message too big
  1011: 'retry', // server error
  1012: 'retry', // service restart
  1013: 'retry', // try again later
  4004: 'fatal', // bad response (the kit could not read the server)
  4005: 'fatal', // internal client error
  4400: 'fatal', // bad request
  4401: 'relogin', // unauthorized: log in again
  4403: 'relogin', // forbidden: older servers' answer to a missing, expired or unknown session
  4406: 'fatal', // subprotocol not acceptable
  4408: 'retry', // connection initialisation timeout
  4409: 'fatal', // subscriber already exists (a kit bug, not transient)
  4429: 'retry', // too many initialisation requests
  4500: 'retry', // internal server error, e.g. the session store is briefly down
  4503: 'retry', // service unavailable: retry later
  4504: 'retry', // connection acknowledgement timeout
};

/** Codes the table does not name. */
export const DEFAULT_CLOSE_ACTION: CloseAction = 'retry';

export function closeActionFor(code: number): CloseAction {
  return CLOSE_ACTIONS[code] !== undefined ? CLOSE_ACTIONS[code] : DEFAULT_CLOSE_ACTION;
}

/**
 * graphql-ws decides some closes itself (4401, 4400, 4500, ... end the client without asking
 * `shouldRetry`), so the socket adapter hands it a stand-in code per action and keeps the
 * server's code on the event: 4403 and 4499 both reach `shouldRetry`, 4400 ends at once.
 */
export const GRAPHQL_WS_CODE: Readonly<Record<CloseAction, number>> = { relogin: 4403, retry: 4499, fatal: 4400 };
