// The work queue's waiting room: keys with a due time, at most one entry per key (the earliest
// due time wins, as in client-go's delaying queue), ordered by a binary min-heap so that 10,000
// drift requeues cost O(log n) each instead of a scan.

interface Entry<K> {
  key: K;
  dueAt: number;
}

export class DelayedSet<K> {
  private heap: Entry<K>[] = [];
  /** The live due time per key; heap entries that disagree with it are stale and skipped. */
  private readonly due = new Map<K, number>();

  get size(): number {
    return this.due.size;
  }

  has(key: K): boolean {
    return this.due.has(key);
  }

  /** Records `key` as due at `dueAt` unless it is already due earlier. Returns true if changed. */
  add(key: K, dueAt: number): boolean {
    const existing = this.due.get(key);
    if (existing !== undefined && existing <= dueAt) return false;
    this.due.set(key, dueAt);
    this.push({ key, dueAt });
    return true;
  }

  delete(key: K): void {
    // The heap entry becomes stale and is dropped lazily.
    this.due.delete(key);
  }

  /** The earliest live due time, or undefined when nothing waits. */
  nextDueAt(): number | undefined {
    this.dropStale();
    return this.heap[0]?.dueAt;
  }

  /** Removes and returns the keys due at or before `now`, earliest first. */
  popDue(now: number): K[] {
    const out: K[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.dueAt > now) return out;
      this.pop();
      this.due.delete(top.key);
      out.push(top.key);
    }
  }

  clear(): void {
    this.heap = [];
    this.due.clear();
  }

  private dropStale(): void {
    for (;;) {
      const top = this.heap[0];
      if (!top || this.due.get(top.key) === top.dueAt) return;
      this.pop();
    }
  }

  private push(entry: Entry<K>): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.dueAt <= h[i]!.dueAt) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < h.length && h[l]!.dueAt < h[min]!.dueAt) min = l;
      if (r < h.length && h[r]!.dueAt < h[min]!.dueAt) min = r;
      if (min === i) return;
      [h[min], h[i]] = [h[i]!, h[min]!];
      i = min;
    }
  }
}
