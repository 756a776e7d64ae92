/** The test helper itself: forwards, cuts, restores and closes, against a local echo server. */
import net from 'node:net';
import { once } from 'node:events';
import { start, type TcpProxy } from '../../helpers/tcp-proxy.js';

let echo: net.Server;
let proxy: TcpProxy;

beforeAll(async () => {
  echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  proxy = await start('127.0.0.1', (echo.address() as net.AddressInfo).port);
});

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

async function roundTrip(text: string): Promise<string> {
  const socket = net.connect(proxy.port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    socket.write(text);
    const [data] = (await once(socket, 'data')) as [Buffer];
    return data.toString();
  } finally {
    socket.destroy();
  }
}

/** Connects and resolves with how the connection ended: 'data' if it could talk, else 'closed'. */
async function probe(): Promise<'data' | 'closed'> {
  const socket = net.connect(proxy.port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.on('connect', () => socket.write('ping'));
  const outcome = await new Promise<'data' | 'closed'>((resolve) => {
    socket.once('data', () => resolve('data'));
    socket.once('close', () => resolve('closed'));
  });
  socket.destroy();
  return outcome;
}

describe('tcp-proxy test helper', () => {
  it('forwards, cuts open and new connections, and restores', async () => {
    expect(proxy.port).toBeGreaterThan(0);
    expect(await roundTrip('hello')).toBe('hello');

    const open = net.connect(proxy.port, '127.0.0.1');
    open.on('error', () => undefined);
    await once(open, 'connect');
    open.write('x');
    await once(open, 'data');
    const closed = once(open, 'close');
    proxy.cut();
    await closed;
    expect(await probe()).toBe('closed');

    proxy.restore();
    expect(await roundTrip('back')).toBe('back');
  });
});
