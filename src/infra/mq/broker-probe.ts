import net from 'node:net';

/** How long /readyz waits for the broker's port (1 s). */
export const BROKER_PROBE_TIMEOUT_MS = 1_000;

/**
 * Readiness of the broker: its gRPC endpoint accepts a TCP connection. The client library keeps
 * no "connected" state to ask, and a request-level probe would need a topic; a refused or
 * unanswered connect is exactly the outage a load balancer must see.
 */
export async function brokerReachable(endpoints: string, timeoutMs = BROKER_PROBE_TIMEOUT_MS): Promise<boolean> {
  const first = endpoints.split(/[;,]/)[0]!.trim().replace(/^[a-z]+:\/\//i, '');
  const at = first.lastIndexOf(':');
  const host = at > 0 ? first.slice(0, at) : first;
  const port = at > 0 ? Number(first.slice(at + 1)) : 8081;
  return new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
