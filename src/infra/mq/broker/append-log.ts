/**
 * The broker's durable store: one append-only file of length-prefixed records.
 *
 *   [u32 length of the rest][u8 kind][u32 header length][header: JSON][body bytes]
 *
 * Every record is handed to the OS with a synchronous write() before the broker answers OK, so a
 * `kill -9` (which never loses the page cache) cannot lose it; `fsync: true` additionally waits for
 * the disk (power loss). A torn record at the tail (crash mid-write) is detected by its length /
 * JSON and cut off on open. The file is rewritten (compacted) on start and when it grows too big.
 */
import fs from 'node:fs';
import path from 'node:path';

export type RecordKind = 'M' | 'A' | 'C' | 'R' | 'X' | 'G' | 'T';

/** A stored message (kind M). `body` travels outside the JSON header. */
export interface MessageHeader {
  sid: number;
  topic: string;
  id: string;
  type: 'NORMAL' | 'FIFO' | 'DELAY' | 'TRANSACTION';
  tag?: string;
  keys?: string[];
  mg?: string;
  props?: Record<string, string>;
  born: number;
  bornHost?: string;
  store: number;
  deliverAt?: number;
  half?: boolean;
  dlq?: { topic: string; id: string };
}

export type LogRecord =
  | { k: 'M'; h: MessageHeader; body: Buffer }
  /** group acked (or dead-lettered) message sid */
  | { k: 'A'; sid: number; g: string }
  /** transaction committed */
  | { k: 'C'; sid: number }
  /** transaction rolled back / discarded after max checks */
  | { k: 'R'; sid: number }
  /** delay message recalled */
  | { k: 'X'; sid: number }
  /** consumer group subscribed to a topic */
  | { k: 'G'; g: string; t: string }
  /** next delivery attempt of message sid to group g (written when a delivery expires unacked) */
  | { k: 'T'; sid: number; g: string; n: number };

const KIND_BYTE: Record<RecordKind, number> = { M: 77, A: 65, C: 67, R: 82, X: 88, G: 71, T: 84 };
const BYTE_KIND = new Map<number, RecordKind>(Object.entries(KIND_BYTE).map(([k, v]) => [v, k as RecordKind]));

export function encodeRecord(rec: LogRecord): Buffer {
  let header: string;
  let body: Buffer | undefined;
  if (rec.k === 'M') {
    header = JSON.stringify(rec.h);
    body = rec.body;
  } else {
    const { k: _k, ...rest } = rec;
    header = JSON.stringify(rest);
  }
  const hlen = Buffer.byteLength(header);
  const blen = body ? body.length : 0;
  const buf = Buffer.allocUnsafe(4 + 1 + 4 + hlen + blen);
  buf.writeUInt32LE(1 + 4 + hlen + blen, 0);
  buf.writeUInt8(KIND_BYTE[rec.k], 4);
  buf.writeUInt32LE(hlen, 5);
  buf.write(header, 9, 'utf8');
  if (body) body.copy(buf, 9 + hlen);
  return buf;
}

export interface ReadResult {
  records: LogRecord[];
  /** bytes of the file that hold complete records (a torn tail is cut here) */
  validBytes: number;
  fileBytes: number;
}

export function readLog(file: string): ReadResult {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], validBytes: 0, fileBytes: 0 };
    throw err;
  }
  const records: LogRecord[] = [];
  let pos = 0;
  while (pos + 4 <= data.length) {
    const len = data.readUInt32LE(pos);
    if (len < 5 || pos + 4 + len > data.length) break;
    const kind = BYTE_KIND.get(data.readUInt8(pos + 4));
    const hlen = data.readUInt32LE(pos + 5);
    if (!kind || 5 + hlen > len) break;
    let header: any;
    try {
      header = JSON.parse(data.toString('utf8', pos + 9, pos + 9 + hlen));
    } catch {
      break;
    }
    if (kind === 'M') {
      // copy: the body must not pin the whole file buffer
      records.push({ k: 'M', h: header, body: Buffer.from(data.subarray(pos + 9 + hlen, pos + 4 + len)) });
    } else {
      records.push({ k: kind, ...header });
    }
    pos += 4 + len;
  }
  return { records, validBytes: pos, fileBytes: data.length };
}

export class AppendLog {
  #fd: number;
  #size: number;
  readonly file: string;

  /** Opens (creating) the log, cutting a torn tail at `validBytes`. */
  constructor(
    dir: string,
    validBytes: number,
    private readonly fsyncEachWrite: boolean,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'broker.log');
    this.#fd = fs.openSync(this.file, fs.existsSync(this.file) ? 'r+' : 'w+');
    fs.ftruncateSync(this.#fd, validBytes);
    this.#size = validBytes;
  }

  static fileIn(dir: string): string {
    return path.join(dir, 'broker.log');
  }

  get size(): number {
    return this.#size;
  }

  /** Synchronously hands the records to the OS (and to the disk with fsync). */
  append(records: LogRecord[]): void {
    if (!records.length) return;
    const buf = records.length === 1 ? encodeRecord(records[0]) : Buffer.concat(records.map(encodeRecord));
    let off = 0;
    while (off < buf.length) {
      off += fs.writeSync(this.#fd, buf, off, buf.length - off, this.#size + off);
    }
    this.#size += buf.length;
    if (this.fsyncEachWrite) fs.fdatasyncSync(this.#fd);
  }

  /** Replaces the whole log by `records` atomically (write temp file, fsync, rename). */
  rewrite(records: Iterable<LogRecord>): void {
    const tmp = `${this.file}.compact`;
    const fd = fs.openSync(tmp, 'w');
    let size = 0;
    try {
      let chunk: Buffer[] = [];
      let chunkBytes = 0;
      const flush = () => {
        if (!chunk.length) return;
        const buf = Buffer.concat(chunk);
        let off = 0;
        while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
        size += buf.length;
        chunk = [];
        chunkBytes = 0;
      };
      for (const rec of records) {
        const b = encodeRecord(rec);
        chunk.push(b);
        chunkBytes += b.length;
        if (chunkBytes > 1 << 20) flush();
      }
      flush();
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    fs.closeSync(this.#fd);
    this.#fd = fs.openSync(this.file, 'r+');
    this.#size = size;
    try {
      const dfd = fs.openSync(path.dirname(this.file), 'r');
      fs.fsyncSync(dfd);
      fs.closeSync(dfd);
    } catch {
      /* directory fsync is best effort */
    }
  }

  close(): void {
    try {
      fs.closeSync(this.#fd);
    } catch {
      /* already closed */
    }
  }
}
