import net from 'node:net';

/**
 * A running proxy; see {@link start}.
 */
export interface TcpProxy {
  /** The local port the proxy listens on (127.0.0.1). Point the client under test here. */
  readonly port: number;
  /**
   * "The server is down": destroys every open connection (both sides) and resets any new one
   * (the port stays bound, so `restore()` can never lose it). Idempotent.
   */
  cut(): void;
  /** "The server is back": new connections are forwarded again. Idempotent. */
  restore(): void;
  /** Destroys every connection and stops listening. Call it in `afterAll`. */
  close(): Promise<void>;
}

/**
 * Starts a TCP proxy on 127.0.0.1 (a free port) that forwards every connection to
 * `targetHost:targetPort`, so a test can take a server (Redis, MySQL, ...) away from one client
 * without stopping the shared server.
 *
 * Tear-down order with ioredis: `restore()` (if cut) and close the clients first, then `close()`
 * the proxy. A client disconnected while it is reconnecting through a cut proxy leaves a timer of
 * its `disconnectTimeout` (2 s by default) behind, which keeps jest from exiting promptly.
 *
 * @example
 * const proxy = await start('127.0.0.1', 6379);
 * const redis = new Redis({ port: proxy.port, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
 * proxy.cut();      // the client sees its connection drop and reconnects are refused
 * proxy.restore();  // the client's next reconnect attempt succeeds
 * await proxy.close();
 */
export async function start(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let isCut = false;

  const server = net.createServer((client) => {
    if (isCut) {
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const teardown = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', teardown).on('close', teardown);
    upstream.on('error', teardown).on('close', teardown);
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as net.AddressInfo;

  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  return {
    port,
    cut() {
      isCut = true;
      destroyAll();
    },
    restore() {
      isCut = false;
    },
    async close() {
      isCut = true;
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
