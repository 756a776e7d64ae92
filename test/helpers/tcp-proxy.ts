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
  /**
   * "The answer to a COMMIT is lost": the next `count` client packets that contain `COMMIT`
   * (a MySQL COM_QUERY) are forwarded, then the server's reply on that connection is swallowed
   * and both sides are dropped. The server has committed; the client sees its connection die.
   * With `after`, only a COMMIT on a connection that earlier sent a statement matching it (e.g.
   * /insert into `refund`/) counts. Resolves once that many answers were lost.
   */
  loseCommitAnswers(count?: number, after?: RegExp): Promise<void>;
  /** How many COMMIT answers `loseCommitAnswers` has swallowed so far. */
  readonly commitAnswersLost: number;
  /** Drops every open connection (both sides) but keeps accepting new ones. */
  dropAll(): void;
  /**
   * "The connection dies as this statement is sent": the next `count` MySQL statements (COM_QUERY)
   * matching `statement` are not forwarded; their connection is dropped instead, so the server
   * never runs them and the client sees its connection lost. Resolves once that many were dropped.
   */
  dropOnStatement(statement: RegExp, count?: number): Promise<void>;
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
    let swallowNextAnswer = false;
    let marked = false;
    client.on('data', (chunk: Buffer) => {
      // MySQL packet: 3-byte length, sequence id, then command byte 0x03 (COM_QUERY) + SQL text.
      const query = chunk.length > 5 && chunk[4] === 0x03 ? chunk.subarray(5).toString('latin1') : null;
      if (statementDrops.remaining > 0 && query !== null && statementDrops.pattern?.test(query)) {
        statementDrops.remaining--;
        teardown();
        statementDrops.onDropped();
        return;
      }
      if (commitLosses.after && !marked && commitLosses.after.test(chunk.toString('latin1'))) marked = true;
      if (commitLosses.remaining > 0 && (marked || !commitLosses.after) && query !== null && /^\s*commit\b/i.test(query)) {
        commitLosses.remaining--;
        swallowNextAnswer = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (swallowNextAnswer) {
        teardown();
        commitLosses.lost++;
        commitLosses.onLost();
        return;
      }
      client.write(chunk);
    });
  });
  const commitLosses: { remaining: number; lost: number; after?: RegExp; onLost: () => void } = { remaining: 0, lost: 0, onLost: () => undefined };
  const statementDrops: { remaining: number; pattern?: RegExp; onDropped: () => void } = { remaining: 0, onDropped: () => undefined };

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
    get commitAnswersLost() {
      return commitLosses.lost;
    },
    cut() {
      isCut = true;
      destroyAll();
    },
    restore() {
      isCut = false;
    },
    loseCommitAnswers(count = 1, after?: RegExp) {
      const target = commitLosses.lost + count;
      commitLosses.remaining += count;
      commitLosses.after = after;
      return new Promise<void>((resolve) => {
        const previous = commitLosses.onLost;
        commitLosses.onLost = () => {
          previous();
          if (commitLosses.lost >= target) resolve();
        };
      });
    },
    dropAll() {
      destroyAll();
    },
    dropOnStatement(statement: RegExp, count = 1) {
      statementDrops.pattern = statement;
      statementDrops.remaining += count;
      let dropped = 0;
      return new Promise<void>((resolve) => {
        statementDrops.onDropped = () => {
          if (++dropped >= count) resolve();
        };
      });
    },
    async close() {
      isCut = true;
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
