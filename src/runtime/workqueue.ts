// A work queue with client-go semantics: keys are de-duplicated while they wait (dirty set), a
// key being processed is never handed to a second worker (processing set; a re-add while it is
// processed is queued again on done()), and delayed / rate-limited re-adds keep the earliest due
// time per key. This per-key serialization is what makes "one reconcile per object at a time" true.
//
// One departure from client-go: a delayed re-add that a pass asked for (requeueAfter, or a backoff
// after its failure) is dropped when the key is handed out again sooner. The pass about to run
// reads the newer state and gives its own answer; client-go would keep the old timer and run a
// pass for nothing (a route that waited 30 s for its integration, created meanwhile, would read
// AWS again at 30 s). A delayed add from elsewhere (addAfter) is kept: its reason is not a pass's.
import { ItemExponentialBackoff, type RateLimiter } from './backoff.ts';
import { systemClock, type Clock } from './clock.ts';
import { DelayedSet } from './delayed-set.ts';

/** Where the queue reports what the metrics module records. All durations are in seconds. */
export interface WorkQueueMetrics {
  depth(n: number): void;
  added(): void;
  retried(): void;
  queued(seconds: number): void;
  worked(seconds: number): void;
}

export interface WorkQueueOptions<K> {
  clock?: Clock;
  /** Delays for addRateLimited; defaults to 5 ms × 2^failures capped at 1000 s. */
  rateLimiter?: RateLimiter<K>;
  metrics?: WorkQueueMetrics;
}

type Waiter<K> = (key: K | undefined) => void;

export class WorkQueue<K = string> {
  private readonly clock: Clock;
  private readonly limiter: RateLimiter<K>;
  private readonly metrics: WorkQueueMetrics | undefined;
  private queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  /** When a key entered `queue` (for queue duration) or started processing (work duration). */
  private readonly queuedAt = new Map<K, number>();
  private readonly startedAt = new Map<K, number>();
  private readonly delayed = new DelayedSet<K>();
  /** Keys whose delayed re-add is a pass's own answer, superseded by the key's next pass. */
  private readonly answers = new Set<K>();
  private timer: { handle: unknown; at: number } | undefined;
  private waiters: Waiter<K>[] = [];
  private shuttingDown = false;
  private draining = false;
  private drained: (() => void)[] = [];

  constructor(opts: WorkQueueOptions<K> = {}) {
    this.clock = opts.clock ?? systemClock;
    this.limiter = opts.rateLimiter ?? new ItemExponentialBackoff<K>();
    this.metrics = opts.metrics;
  }

  /** Keys waiting to be handed out (not counting delayed or in-flight keys). */
  len(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics?.added();
    this.dirty.add(key);
    // A key in flight is queued again by done(), so that it is never processed twice at once.
    if (this.processing.has(key)) return;
    this.enqueue(key);
    this.dispatch();
  }

  /** Adds `key` after `ms`; a key already waiting keeps the earlier of the two due times. */
  addAfter(key: K, ms: number): void {
    this.delay(key, ms, false);
  }

  /** A pass's answer: come back after `ms`, unless the key's next pass comes sooner (see the header). */
  requeueAfter(key: K, ms: number): void {
    this.delay(key, ms, true);
  }

  /** A failed pass's answer: come back after the key's backoff delay, counting one more failure. */
  addRateLimited(key: K): void {
    this.requeueAfter(key, this.limiter.when(key));
  }

  /** Resets the backoff of `key`; it does not remove a pending add. */
  forget(key: K): void {
    this.limiter.forget(key);
  }

  retries(key: K): number {
    return this.limiter.retries(key);
  }

  /** The next key to process, or undefined once the queue shuts down or `signal` aborts. */
  get(signal?: AbortSignal): Promise<K | undefined> {
    const key = this.take();
    if (key !== undefined || this.finished()) return Promise.resolve(key);
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      };
      const waiter: Waiter<K> = (k) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(k);
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Marks `key` as processed; if it was re-added meanwhile it is queued again now. */
  done(key: K): void {
    if (!this.processing.delete(key)) return;
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.metrics?.worked((this.clock.now() - started) / 1000);
    if (this.dirty.has(key) && !(this.shuttingDown && !this.draining)) this.enqueue(key);
    this.dispatch();
  }

  /** Stops intake at once: no more adds, get() resolves undefined, waiting keys are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    this.queue = [];
    this.queuedAt.clear();
    this.metrics?.depth(0);
    this.stopDelayed();
    this.dispatch();
  }

  /** No more adds, but keys already queued are still handed out; resolves when all are done. */
  shutDownWithDrain(): Promise<void> {
    this.shuttingDown = true;
    this.draining = true;
    this.stopDelayed();
    this.dispatch();
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private delay(key: K, ms: number, answer: boolean): void {
    if (this.shuttingDown) return;
    this.metrics?.retried();
    if (ms <= 0) return this.add(key);
    const waiting = this.delayed.has(key);
    if (!this.delayed.add(key, this.clock.now() + ms)) return;
    // An answer that moves an earlier addAfter forward keeps it an addAfter: that wake is still owed.
    if (!answer) this.answers.delete(key);
    else if (!waiting) this.answers.add(key);
    this.armTimer();
  }

  private enqueue(key: K): void {
    this.queue.push(key);
    this.queuedAt.set(key, this.clock.now());
    this.metrics?.depth(this.queue.length);
  }

  private take(): K | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    const now = this.clock.now();
    const at = this.queuedAt.get(key);
    this.queuedAt.delete(key);
    this.metrics?.depth(this.queue.length);
    if (at !== undefined) this.metrics?.queued((now - at) / 1000);
    this.dirty.delete(key);
    if (this.answers.delete(key)) this.delayed.delete(key);
    this.processing.add(key);
    this.startedAt.set(key, now);
    return key;
  }

  private finished(): boolean {
    return this.shuttingDown && this.queue.length === 0;
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0;
  }

  /** Hands queued keys to waiting workers, and wakes them all with undefined once finished. */
  private dispatch(): void {
    while (this.waiters.length > 0 && this.queue.length > 0) {
      const waiter = this.waiters.shift()!;
      waiter(this.take());
    }
    if (this.finished()) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w(undefined);
    }
    if (this.draining && this.isIdle()) {
      const drained = this.drained;
      this.drained = [];
      for (const d of drained) d();
    }
  }

  private armTimer(): void {
    const next = this.delayed.nextDueAt();
    if (next === undefined || (this.timer && this.timer.at <= next)) return;
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    const handle = this.clock.setTimeout(() => this.onTimer(), next - this.clock.now());
    this.timer = { handle, at: next };
  }

  private onTimer(): void {
    this.timer = undefined;
    for (const key of this.delayed.popDue(this.clock.now())) {
      this.answers.delete(key);
      this.add(key);
    }
    this.armTimer();
  }

  private stopDelayed(): void {
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
    this.delayed.clear();
    this.answers.clear();
  }
}
