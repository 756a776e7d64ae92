import { createHash, randomInt } from 'node:crypto';

/** WeChat Pay's out_trade_no allows at most 32 characters. */
export const ORDER_NO_MAX_LENGTH = 32;
/** Numbers one process can issue per millisecond before it borrows the next millisecond. */
const SEQUENCE_PER_MS = 1_000;

/**
 * Order numbers: `yyyyMMddHHmmssSSS` (UTC, 17) + node (4) + sequence (3) + random (4) = 28 digits.
 *
 * - Time-ordered: they sort by creation millisecond.
 * - Unique inside a process: (millisecond, sequence) never repeats. The clock used is
 *   monotonic: if the wall clock goes backwards, or 1,000 numbers were issued in one
 *   millisecond, the generator keeps counting on its last millisecond/borrows the next one.
 * - Unique across instances: the node part is derived from the instance id (stable per
 *   host:port) and the process id, so two instances differ there unless their 4-digit hashes
 *   collide; the 4 random digits make a same-millisecond, same-sequence clash between two such
 *   instances a 1-in-10,000 event; and the unique index on `order_no` is the final guard
 *   (placement retries with a fresh number on that duplicate key).
 */
export class OrderNumberGenerator {
  private lastMs = 0;
  private sequence = 0;
  private readonly node: string;

  constructor(instanceId: string, private readonly now: () => number = Date.now) {
    const digest = createHash('sha256').update(`${instanceId}:${process.pid}`).digest();
    this.node = String(digest.readUInt32BE(0) % 10_000).padStart(4, '0');
  }

  next(): string {
    const wall = this.now();
    if (wall > this.lastMs) {
      this.lastMs = wall;
      this.sequence = 0;
    } else if (++this.sequence >= SEQUENCE_PER_MS) {
      this.lastMs += 1;
      this.sequence = 0;
    }
    const stamp = new Date(this.lastMs).toISOString().replace(/\D/g, '').slice(0, 17);
    return `${stamp}${this.node}${String(this.sequence).padStart(3, '0')}${String(randomInt(10_000)).padStart(4, '0')}`;
  }
}
