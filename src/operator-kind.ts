// One kind's controller inside the running operator: its informers (one per watched namespace, or
// one for all), work queue, workers and reconciler, and the watches by which it follows other kinds.
// operator.ts holds a list of these and runs every lifecycle step (start, lease loss, stop, probes)
// over the list, so a new kind is one more entry there, not an edit of each step.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, VERSION } from './api/v1alpha1/group.ts';
import { isNotFound } from './adapters/kubernetes/errors.ts';
import { CustomResourceListWatcher } from './adapters/kubernetes/listwatch.ts';
import type { Config } from './config.ts';
import type { Clock } from './runtime/clock.ts';
import { Controller, type Reconcile } from './runtime/controller.ts';
import { Informer, objectKey } from './runtime/informer.ts';
import type { ObjectLike } from './runtime/ports.ts';
import type { RuntimeMetrics } from './runtime/metrics.ts';
import { WorkQueue } from './runtime/workqueue.ts';

/** What the operator's lifecycle and probes ask of every kind. */
export interface KindController {
  /** The `controller` label of its metrics and log lines. */
  readonly name: string;
  /** Whether the cluster serves the kind; a kind that may be absent turns itself off (with a warning). */
  detect(signal: AbortSignal): Promise<boolean>;
  startInformers(signal: AbortSignal): void;
  /** Once this replica leads. */
  startWorkers(): void;
  /** Stops the workers (whether or not they ran: a stopped queue takes no more keys). */
  stopWorkers(deadlineMs: number): Promise<boolean>;
  stopInformers(): Promise<void>;
  /** Readiness: its caches are full (or it is not served). */
  synced(): boolean;
  /** Liveness: no synced watch has gone `staleMs` without a sign of life. */
  watching(now: number, staleMs: number): boolean;
  /** Subscribes this kind's declared watches to the kinds they follow. */
  follow(kinds: readonly KindController[]): void;
  onChange(fn: (change: Change<unknown>) => void): void;
}

export interface Change<S> {
  type: 'add' | 'update' | 'delete';
  /** The previous object, on update only. */
  old?: S;
  cur: S;
}

/** A kind's interest in another kind: which of its own keys to queue when an object of `source` changes. */
export interface Watch<S> {
  /** The watched kind's controller name. */
  source: string;
  /** Queued this long after the change instead of at once. */
  delayMs?: number;
  keys(change: Change<S>): string[];
}

/** How a CRD that may be missing is reported; without it, a missing CRD is left to the informers' retries. */
export interface OptionalKind {
  crd: string;
  warning: string;
}

export interface KindWorkersDeps<T extends ObjectLike> {
  name: string;
  plural: string;
  cfg: Config;
  kc: KubeConfig;
  clock: Clock;
  /** The operator's logger; the kind's informers log with its `controller` key. */
  logger: Logger;
  metrics: RuntimeMetrics;
  informerName(namespace: string | undefined): string;
  transform(obj: T): T;
  /** Whether an update is worth a pass (additions always are). */
  worth(old: T, cur: T): boolean;
  /** Built once the informers are: the reconciler reads the kind's cache. */
  reconciler(kind: KindWorkers<T>): Reconcile<string>;
  watches?: Watch<never>[];
  optional?: OptionalKind;
}

export class KindWorkers<T extends ObjectLike> implements KindController {
  readonly name: string;
  readonly informers: Informer<T>[];
  readonly queue: WorkQueue<string>;
  private readonly d: KindWorkersDeps<T>;
  private readonly controller: Controller<string>;
  private readonly handlers: ((change: Change<T>) => void)[] = [];
  /** False while an optional kind's CRD is not served: nothing of it starts. */
  private served: boolean;

  constructor(deps: KindWorkersDeps<T>) {
    this.d = deps;
    this.name = deps.name;
    this.served = !deps.optional;
    const { cfg, clock, metrics } = deps;
    this.informers = this.informersFor();
    this.queue = new WorkQueue<string>({ clock, metrics: metrics.workqueue(deps.name) });
    this.onChange((c) => this.enqueue(c));
    for (const inf of this.informers) this.handle(inf);
    const reconcile = deps.reconciler(this);
    this.controller = new Controller<string>({
      name: deps.name,
      queue: this.queue,
      reconcile,
      workers: cfg.workers,
      clock,
      // The controller adds its own `controller` key.
      logger: deps.logger,
      metrics: metrics.controller(deps.name),
      shutdownTimeoutMs: cfg.shutdownTimeoutMs,
    });
  }

  private informersFor(): Informer<T>[] {
    const { cfg, kc, clock } = this.d;
    const log = this.d.logger.child({ controller: this.name });
    const namespaces = cfg.watchNamespaces.length > 0 ? cfg.watchNamespaces : [undefined];
    return namespaces.map((namespace) => {
      const lw = new CustomResourceListWatcher<T>(kc, {
        group: GROUP,
        version: VERSION,
        plural: this.d.plural,
        namespace,
        labelSelector: cfg.labelSelector,
      });
      const name = this.d.informerName(namespace);
      return new Informer<T>({ listWatcher: lw, name, clock, logger: log, transform: this.d.transform });
    });
  }

  private handle(inf: Informer<T>): void {
    const emit = (change: Change<T>) => {
      for (const fn of this.handlers) fn(change);
    };
    inf.onAdd((cur) => emit({ type: 'add', cur }));
    inf.onUpdate((old, cur) => emit({ type: 'update', old, cur }));
    inf.onDelete((cur) => emit({ type: 'delete', cur }));
  }

  private enqueue({ type, old, cur }: Change<T>): void {
    const key = objectKey(cur);
    if (type === 'delete') this.queue.forget(key);
    else if (!old || this.d.worth(old, cur)) this.queue.add(key);
  }

  /** Handlers run in the order given, after the kind's own queueing. */
  onChange(fn: (change: Change<T>) => void): void {
    this.handlers.push(fn);
  }

  follow(kinds: readonly KindController[]): void {
    for (const w of this.d.watches ?? []) {
      const source = kinds.find((k) => k.name === w.source);
      if (!source) throw new Error(`${this.name} watches ${w.source}, which is not registered`);
      source.onChange((change) => {
        for (const key of w.keys(change as Change<never>)) {
          if (w.delayMs === undefined) this.queue.add(key);
          else this.queue.addAfter(key, w.delayMs);
        }
      });
    }
  }

  get(key: string): T | undefined {
    for (const inf of this.informers) {
      const o = inf.get(key);
      if (o) return o;
    }
    return undefined;
  }

  list(): T[] {
    return this.informers.flatMap((i) => i.list());
  }

  /**
   * An install without an optional kind's CRD still runs the others: a 404 on the list turns this
   * kind off (until a restart) instead of keeping readiness false forever. Any other failure is left
   * to the informers' retries.
   */
  async detect(signal: AbortSignal): Promise<boolean> {
    const { optional } = this.d;
    if (!optional) return true;
    const lw = new CustomResourceListWatcher<T>(this.d.kc, {
      group: GROUP,
      version: VERSION,
      plural: this.d.plural,
      namespace: this.d.cfg.watchNamespaces[0],
    });
    try {
      await lw.list({ limit: 1, signal });
      this.served = true;
    } catch (err) {
      this.served = !isNotFound(err);
      if (!this.served) this.d.logger.warn({ crd: optional.crd }, optional.warning);
    }
    return this.served;
  }

  isServed(): boolean {
    return this.served;
  }

  startInformers(signal: AbortSignal): void {
    if (this.served) for (const inf of this.informers) inf.start(signal);
  }

  startWorkers(): void {
    if (this.served) this.controller.start();
  }

  stopWorkers(deadlineMs: number): Promise<boolean> {
    return this.controller.stop(deadlineMs);
  }

  async stopInformers(): Promise<void> {
    if (this.served) await Promise.all(this.informers.map((i) => i.stop()));
  }

  synced(): boolean {
    return !this.served || this.informers.every((i) => i.hasSynced());
  }

  watching(now: number, staleMs: number): boolean {
    return this.informers.every((i) => !i.hasSynced() || now - i.lastActivityAt() < staleMs);
  }
}
