import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { notifyAnswerForError, notifyFailureAnswer, notifySuccessAnswer, writeNotifyAnswer } from '../../src/infra/wechat/pay/wechat-pay.notify.js';
import type { PayNotification, WechatPay } from '../../src/infra/wechat/pay/wechat-pay.port.js';

/**
 * A tiny merchant notify endpoint for tests: verifies every request with the REAL
 * `verifyNotification` and answers the way the BFF does (204, or 4xx/5xx {"code":"FAIL"}).
 * `failNext(n)` makes it answer 500 n times, to exercise the simulator's re-delivery.
 */
export class NotifyReceiver {
  readonly received: PayNotification[] = [];
  readonly rejected: string[] = [];
  #failNext = 0;
  #waiters: { predicate: (n: PayNotification) => boolean; resolve: (n: PayNotification) => void }[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(pay: Pick<WechatPay, 'verifyNotification'>, path = '/pay/wechat/notify'): Promise<NotifyReceiver> {
    let receiver!: NotifyReceiver;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (receiver.#failNext > 0) {
          receiver.#failNext -= 1;
          writeNotifyAnswer(res, notifyFailureAnswer('temporarily unavailable', 500));
          return;
        }
        try {
          const notification = pay.verifyNotification(req.headers, Buffer.concat(chunks).toString('utf8'));
          receiver.received.push(notification);
          for (const w of receiver.#waiters.filter((w) => w.predicate(notification))) {
            receiver.#waiters.splice(receiver.#waiters.indexOf(w), 1);
            w.resolve(notification);
          }
          writeNotifyAnswer(res, notifySuccessAnswer());
        } catch (err) {
          receiver.rejected.push((err as { code?: string }).code ?? 'UNKNOWN');
          writeNotifyAnswer(res, notifyAnswerForError(err));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    receiver = new NotifyReceiver(server, `http://127.0.0.1:${port}${path}`);
    return receiver;
  }

  get baseUrl(): string {
    return new URL(this.url).origin;
  }

  failNext(count: number): void {
    this.#failNext = count;
  }

  /** Resolves with the first (already received or future) notification matching `predicate`. */
  waitFor(predicate: (n: PayNotification) => boolean, timeoutMs = 5_000): Promise<PayNotification> {
    const found = this.received.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('notification did not arrive in time')), timeoutMs);
      this.#waiters.push({
        predicate,
        resolve: (n) => {
          clearTimeout(timer);
          resolve(n);
        },
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
