import { WebSocket } from 'ws';

export interface WsAnswer {
  data?: any;
  errors?: { message: string; extensions?: Record<string, any> }[];
}

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A graphql-transport-ws client at the message level (over the `ws` package), so a test sees
 * exactly what the server sends and how it closes: no retries, no hidden reconnects.
 */
export class RawGraphqlWs {
  readonly closed: Promise<Closed>;
  #nextId = 1;
  readonly #listeners = new Map<string, (message: { type: string; payload?: any }) => void>();

  private constructor(private readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { id?: string; type: string; payload?: any };
      if (message.id) this.#listeners.get(message.id)?.(message);
    });
  }

  /** Opens and initialises a socket: the client once acknowledged, or how the server closed it. */
  static async connect(url: string, options: { connectionParams?: Record<string, unknown>; headers?: Record<string, string> } = {}): Promise<{ client?: RawGraphqlWs; closed?: Closed }> {
    const socket = new WebSocket(url, 'graphql-transport-ws', { headers: options.headers });
    const client = new RawGraphqlWs(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload: options.connectionParams ?? {} }));
    const acked = new Promise<'ack'>((resolve) =>
      socket.on('message', (raw) => {
        if ((JSON.parse(String(raw)) as { type: string }).type === 'connection_ack') resolve('ack');
      }),
    );
    const outcome = await Promise.race([acked, client.closed]);
    return outcome === 'ack' ? { client } : { closed: outcome };
  }

  /**
   * Sends one operation and collects what comes back for it until `complete` or `error` (or the
   * socket closes). For a subscription use `subscribe`.
   */
  async request(query: string, variables: Record<string, unknown> = {}, operationName?: string): Promise<WsAnswer & { closed?: Closed }> {
    const id = String(this.#nextId++);
    const answer: WsAnswer = {};
    const done = new Promise<void>((resolve) => {
      this.#listeners.set(id, (m) => {
        if (m.type === 'next') Object.assign(answer, m.payload);
        else if (m.type === 'error') {
          answer.errors = m.payload;
          resolve();
        } else if (m.type === 'complete') resolve();
      });
    });
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables, operationName } }));
    const closed = await Promise.race([done.then(() => undefined), this.closed]);
    this.#listeners.delete(id);
    return closed ? { ...answer, closed } : answer;
  }

  /** Starts a subscription; `first` settles with its first answer (an event or an error). */
  subscribe(query: string, variables: Record<string, unknown> = {}): { id: string; events: WsAnswer[]; first: Promise<WsAnswer>; complete(): void } {
    const id = String(this.#nextId++);
    const events: WsAnswer[] = [];
    let settle!: (a: WsAnswer) => void;
    const first = new Promise<WsAnswer>((resolve) => (settle = resolve));
    this.#listeners.set(id, (m) => {
      if (m.type === 'next') {
        events.push(m.payload);
        settle(m.payload);
      } else if (m.type === 'error') settle({ errors: m.payload });
    });
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    return {
      id,
      events,
      first,
      complete: () => {
        this.#listeners.delete(id);
        this.socket.send(JSON.stringify({ id, type: 'complete' }));
      },
    };
  }

  /** A ping answered with a pong: proof the server has processed everything sent before it. */
  async roundTrip(): Promise<void> {
    const pong = new Promise<void>((resolve) => {
      const onMessage = (raw: unknown) => {
        if ((JSON.parse(String(raw)) as { type: string }).type === 'pong') {
          this.socket.off('message', onMessage);
          resolve();
        }
      };
      this.socket.on('message', onMessage);
    });
    this.socket.send(JSON.stringify({ type: 'ping' }));
    await pong;
  }

  close(): void {
    this.socket.close(1000);
  }
}
