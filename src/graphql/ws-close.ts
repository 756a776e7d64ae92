/**
 * Close codes of a refused or ended WebSocket (graphql-ws leaves 4000-4999 to the application;
 * it uses 4400-4500 for protocol errors of its own). A client switches on the code; the reason
 * text starts with the stable reason (e.g. `SESSION_INVALID: log in again`).
 *
 * - 4401 log in again: no token, a malformed one, an unknown/expired/revoked session (logout
 *   elsewhere). graphql-ws clients do not retry it.
 * - 4503 retry later: the session store is down; nothing is wrong with the token.
 */
export const WsClose = {
  LogInAgain: 4401,
  RetryLater: 4503,
} as const;

const ADVICE: Record<number, string> = { [WsClose.LogInAgain]: 'log in again', [WsClose.RetryLater]: 'retry later' };

/** Closes with our code and `<REASON>: <advice>` (at most 123 bytes, the WebSocket limit). */
export function closeSocket(socket: { close(code: number, reason: string): void }, code: number, reason: string): void {
  socket.close(code, `${reason}: ${ADVICE[code] ?? 'closed'}`.slice(0, 123));
}
