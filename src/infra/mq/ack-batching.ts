/**
 * rocketmq-client-nodejs 1.0.8 acks every consumed message with its own AckMessage call, though
 * the request carries a list of entries and both RocketMQ 5's proxy and the embedded broker answer
 * each entry on its own. Under load that is one gRPC round trip per message per consumer group, on
 * the worker and on the broker. This joins the acks a consumer's process queues make in the same
 * turn of the event loop (handlers whose Redis or MySQL replies arrived together finish together)
 * into one call per endpoint and topic, and hands each caller the status of its own entry, so the
 * client's retry of a failed ack (and its forgiveness of a stale receipt handle) works as before.
 * Patched per instance, like keepClientLongPollingTimeout.
 */

interface Status {
  getCode(): number;
}
interface AckEntry {
  getReceiptHandle(): string;
}
interface AckResultEntry {
  getReceiptHandle(): string;
  getStatus(): Status | undefined;
}
interface AckRequest {
  getEntriesList(): AckEntry[];
  setEntriesList(entries: AckEntry[]): AckRequest;
  getTopic(): { getName(): string } | undefined;
  cloneMessage(): AckRequest;
}
interface AckResponse {
  getStatus(): Status | undefined;
  getEntriesList(): AckResultEntry[];
  setStatus(status: Status | undefined): AckResponse;
  setEntriesList(entries: AckResultEntry[]): AckResponse;
}
type AckRpc = (endpoints: unknown, request: AckRequest, timeout: number) => Promise<AckResponse>;

interface Waiting {
  request: AckRequest;
  resolve(response: AckResponse): void;
  reject(err: unknown): void;
}

/** `onCall(entries)` is told the size of every AckMessage call made. */
export function batchAcks(consumer: { ackMessageViaRpc: AckRpc }, onCall?: (entries: number) => void): void {
  const send: AckRpc = consumer.ackMessageViaRpc.bind(consumer);
  const pending = new Map<string, { endpoints: unknown; timeout: number; waiting: Waiting[] }>();

  const flush = (key: string) => {
    const batch = pending.get(key)!;
    pending.delete(key);
    const { waiting } = batch;
    onCall?.(waiting.length);
    if (waiting.length === 1) {
      const [only] = waiting;
      send(batch.endpoints, only!.request, batch.timeout).then(only!.resolve, only!.reject);
      return;
    }
    const merged = waiting[0]!.request.cloneMessage();
    merged.setEntriesList(waiting.flatMap((w) => w.request.getEntriesList()));
    send(batch.endpoints, merged, batch.timeout).then(
      (response) => {
        const byHandle = new Map(response.getEntriesList().map((e) => [e.getReceiptHandle(), e]));
        for (const w of waiting) w.resolve(ownResult(response, w.request, byHandle));
      },
      (err) => {
        for (const w of waiting) w.reject(err);
      },
    );
  };

  consumer.ackMessageViaRpc = (endpoints, request, timeout) =>
    new Promise<AckResponse>((resolve, reject) => {
      const key = `${String(endpoints)}\u0000${request.getTopic()?.getName() ?? ''}`;
      let batch = pending.get(key);
      if (!batch) {
        pending.set(key, (batch = { endpoints, timeout, waiting: [] }));
        setImmediate(flush, key);
      }
      batch.waiting.push({ request, resolve, reject });
    });
}

/**
 * The answer to one caller's request within a joined one: its entries' results, the status of its
 * entry as the response status (the client reads only that). A whole-request failure (throttled,
 * bad request) applies to every entry.
 */
function ownResult(response: AckResponse, request: AckRequest, byHandle: Map<string, AckResultEntry>): AckResponse {
  const own = request.getEntriesList().map((e) => byHandle.get(e.getReceiptHandle()));
  const found = own.filter((e): e is AckResultEntry => e !== undefined);
  const failed = found.find((e) => e.getStatus()?.getCode() !== OK);
  const status = found.length === own.length ? (failed ?? found[0])?.getStatus() : response.getStatus();
  // A new message of the response's class, not a clone: a clone would copy every entry of the
  // joined call once per caller.
  const single = new (response.constructor as new () => AckResponse)();
  return single.setStatus(status ?? response.getStatus()).setEntriesList(found);
}

/** apache.rocketmq.v2.Code.OK */
const OK = 20000;
