/**
 * A min-heap of deadlines served by ONE precise setTimeout armed for the earliest entry (no
 * periodic polling). Cancelled entries are dropped lazily; the heap is rebuilt when they dominate.
 * An entry never fires before its time: the callback runs only once `Date.now() >= at`.
 */
export interface TimerHandle {
  readonly at: number;
  cancelled: boolean;
}

interface Entry extends TimerHandle {
  seq: number;
  fn: () => void;
}

export class TimerQueue {
  #heap: Entry[] = [];
  #seq = 0;
  #cancelled = 0;
  #timer: NodeJS.Timeout | undefined;
  #armedAt = Infinity;
  #closed = false;

  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  get size(): number {
    return this.#heap.length - this.#cancelled;
  }

  schedule(at: number, fn: () => void): TimerHandle {
    const entry: Entry = { at, fn, seq: this.#seq++, cancelled: false };
    if (this.#closed) {
      entry.cancelled = true;
      return entry;
    }
    this.#push(entry);
    if (at < this.#armedAt) this.#arm();
    return entry;
  }

  cancel(handle: TimerHandle | undefined): void {
    if (!handle || handle.cancelled) return;
    handle.cancelled = true;
    this.#cancelled++;
    if (this.#cancelled > 1024 && this.#cancelled * 2 > this.#heap.length) this.#rebuild();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#heap = [];
    this.#cancelled = 0;
  }

  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
    while (this.#heap.length && this.#heap[0].cancelled) {
      this.#pop();
      this.#cancelled--;
    }
    if (this.#closed || !this.#heap.length) return;
    const at = this.#heap[0].at;
    this.#armedAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - Date.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = Date.now();
    let budget = 10_000;
    while (this.#heap.length && this.#heap[0].at <= now && budget-- > 0) {
      const entry = this.#pop()!;
      if (entry.cancelled) {
        this.#cancelled--;
        continue;
      }
      entry.cancelled = true; // fired: a later cancel() is a no-op
      try {
        entry.fn();
      } catch (err) {
        this.onError(err);
      }
    }
    this.#arm();
  }

  #rebuild(): void {
    this.#heap = this.#heap.filter((e) => !e.cancelled);
    this.#cancelled = 0;
    this.#heap.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  #less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(e: Entry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  #pop(): Entry | undefined {
    const h = this.#heap;
    if (!h.length) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l], h[m])) m = l;
        if (r < h.length && this.#less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
