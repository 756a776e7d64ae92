/**
 * TCP port checks shared by db-reset, the CI smoke tests (.ci/smoke-lib.mjs imports this file
 * through Node's type stripping: keep it to erasable syntax and node: imports) and the test kit.
 */
import { connect, createServer, type AddressInfo } from 'node:net';

/** True when something accepts TCP connections on host:port. */
export function listening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A TCP port on 127.0.0.1 that nobody listened on a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
