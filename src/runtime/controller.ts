// N workers that take keys from a work queue and reconcile them, mapping each outcome to a queue
// action the way controller-runtime's reconcileHandler does: a wait the reconcile knows of is a
// returned result, and a thrown error always takes the key's rate-limited backoff. A throwing
// reconcile never kills a worker, and stop() finishes in-flight work before aborting it at a
// deadline.
import { systemClock, type Clock } from './clock.ts';
import { errorFields, silentLogger, type Logger } from './log.ts';
import type { WorkQueue } from './workqueue.ts';

export interface Result {
  /** Reconcile again after this long even if nothing changes (drift checks, waiting on AWS). */
  requeueAfterMs?: number;
  /**
   * The pass was held up by something that passes by itself (a spent call budget, a conflicting
   * write) before it got through. The key's error backoff stays as it stands, neither reset as
   * after a pass that got through nor raised as after an error, so the errors around the wait keep
   * backing off as one run.
   */
  unfinished?: boolean;
}

export type Reconcile<K> = (key: K, signal: AbortSignal) => Promise<Result | void>;

export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

export interface ControllerMetrics {
  maxConcurrent(n: number): void;
  activeWorkers(n: number): void;
  reconciled(outcome: ReconcileOutcome, seconds: number): void;
  failed(): void;
}

export interface ControllerOptions<K> {
  name: string;
  queue: WorkQueue<K>;
  reconcile: Reconcile<K>;
  /** MaxConcurrentReconciles; controller-runtime's default is 1. */
  workers?: number;
  clock?: Clock;
  logger?: Logger;
  metrics?: ControllerMetrics;
  /** Used when the start() signal aborts; controller-runtime's GracefulShutdownTimeout is 30 s. */
  shutdownTimeoutMs?: number;
}

export class Controller<K = string> {
  readonly name: string;
  readonly queue: WorkQueue<K>;
  private readonly reconcile: Reconcile<K>;
  private readonly workers: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly metrics: ControllerMetrics | undefined;
  private readonly shutdownTimeoutMs: number;
  /** Aborted only when in-flight work outlives the stop deadline. */
  private readonly inflight = new AbortController();
  private loops: Promise<void>[] = [];
  private active = 0;
  private stopping: Promise<boolean> | undefined;

  constructor(opts: ControllerOptions<K>) {
    this.name = opts.name;
    this.queue = opts.queue;
    this.reconcile = opts.reconcile;
    this.workers = Math.max(1, Math.floor(opts.workers ?? 1));
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger()).child({ controller: opts.name });
    this.metrics = opts.metrics;
    this.shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 30_000;
  }

  /** Starts the workers; aborting `signal` stops with the configured shutdown timeout. */
  start(signal?: AbortSignal): void {
    if (this.loops.length > 0) throw new Error(`controller ${this.name} already started`);
    this.metrics?.maxConcurrent(this.workers);
    this.metrics?.activeWorkers(0);
    for (let i = 0; i < this.workers; i++) this.loops.push(this.runWorker());
    this.log.info({ workers: this.workers }, 'starting workers');
    // Not awaited here: whoever needs the outcome calls stop() and gets this same promise, which
    // never rejects (the worker loops catch everything).
    if (signal?.aborted) void this.stop(this.shutdownTimeoutMs);
    else signal?.addEventListener('abort', () => void this.stop(this.shutdownTimeoutMs), { once: true });
  }

  /** Workers currently inside a reconcile. */
  activeWorkers(): number {
    return this.active;
  }

  /**
   * Stops taking keys, waits up to `deadlineMs` for in-flight reconciles, then aborts their
   * signal and waits for them to return (reconciles must honour the signal). Resolves true when
   * everything finished before the deadline.
   */
  stop(deadlineMs: number): Promise<boolean> {
    this.stopping ??= this.shutdown(deadlineMs);
    return this.stopping;
  }

  private async shutdown(deadlineMs: number): Promise<boolean> {
    this.queue.shutDown();
    const all = Promise.all(this.loops).then(() => true);
    let handle: unknown;
    const deadline = new Promise<false>((resolve) => {
      handle = this.clock.setTimeout(() => resolve(false), deadlineMs);
    });
    const finished = await Promise.race([all, deadline]);
    this.clock.clearTimeout(handle);
    if (!finished) {
      this.log.warn({ active: this.active, deadlineMs }, 'aborting in-flight reconciles at the shutdown deadline');
      this.inflight.abort(new Error(`controller ${this.name} stopped: shutdown deadline passed`));
      await all;
    }
    this.log.info('workers stopped');
    return finished;
  }

  private async runWorker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.setActive(1);
      try {
        await this.processOne(key);
      } catch (err) {
        // processOne handles reconcile errors; this guards the bookkeeping so a worker never dies.
        this.log.error({ key, ...errorFields(err) }, 'worker error');
      } finally {
        this.queue.done(key);
        this.setActive(-1);
      }
    }
  }

  private async processOne(key: K): Promise<void> {
    const started = this.clock.now();
    let outcome: ReconcileOutcome;
    try {
      const result = await this.reconcile(key, this.inflight.signal);
      outcome = this.onResult(key, result ?? {});
    } catch (err) {
      outcome = 'error';
      this.onError(key, err);
    }
    this.metrics?.reconciled(outcome, (this.clock.now() - started) / 1000);
  }

  private onResult(key: K, result: Result): ReconcileOutcome {
    // A pass that got through starts the key's failure count again from the base delay.
    if (!result.unfinished) this.queue.forget(key);
    const after = result.requeueAfterMs;
    if (after !== undefined && after > 0) {
      this.queue.requeueAfter(key, after);
      return 'requeue_after';
    }
    return 'success';
  }

  private onError(key: K, err: unknown): void {
    this.metrics?.failed();
    if (this.inflight.signal.aborted) {
      this.log.info({ key, ...errorFields(err) }, 'reconcile aborted at shutdown');
      return;
    }
    this.queue.addRateLimited(key);
    this.log.error({ key, retries: this.queue.retries(key), ...errorFields(err) }, 'reconcile failed; will retry');
  }

  private setActive(delta: number): void {
    this.active += delta;
    this.metrics?.activeWorkers(this.active);
  }
}
