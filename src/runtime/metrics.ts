// Prometheus metrics with controller-runtime's names, labels and buckets, so dashboards and
// alerts written for Go operators work unchanged. Everything goes into a Registry passed in,
// never prom-client's global one, so tests and several managers in one process do not collide.
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import type { ControllerMetrics, ReconcileOutcome } from './controller.ts';
import type { WorkQueueMetrics } from './workqueue.ts';

/** controller-runtime's reconcile_time_seconds buckets. */
export const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75,
  2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** client-go's ExponentialBuckets(10e-9, 10, 12), written from decimal strings to avoid float drift. */
export const WORKQUEUE_DURATION_BUCKETS = Array.from({ length: 12 }, (_, i) => Number(`1e${i - 8}`));

const OUTCOMES: ReconcileOutcome[] = ['success', 'error', 'requeue', 'requeue_after'];

export interface RuntimeMetricsOptions {
  /** Also register process and Node.js metrics (open FDs, heap, event-loop lag). Default true. */
  defaultMetrics?: boolean;
}

/** All runtime metrics of one registry; hand out per-controller sinks with the methods below. */
export class RuntimeMetrics {
  readonly registry: Registry;
  private readonly reconcileTotal: Counter<'controller' | 'result'>;
  private readonly reconcileErrors: Counter<'controller'>;
  private readonly terminalErrors: Counter<'controller'>;
  private readonly reconcileTime: Histogram<'controller'>;
  private readonly maxConcurrent: Gauge<'controller'>;
  private readonly activeWorkers: Gauge<'controller'>;
  private readonly depth: Gauge<'name' | 'controller'>;
  private readonly adds: Counter<'name' | 'controller'>;
  private readonly retries: Counter<'name' | 'controller'>;
  private readonly queueDuration: Histogram<'name' | 'controller'>;
  private readonly workDuration: Histogram<'name' | 'controller'>;
  private readonly leaderStatus: Gauge<'name'>;

  constructor(registry: Registry, opts: RuntimeMetricsOptions = {}) {
    this.registry = registry;
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
    const registers = [registry];
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter<L>({ name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Gauge<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, labelNames: L[], buckets: number[]) =>
      new Histogram<L>({ name, help, labelNames, buckets, registers });
    const c: 'controller'[] = ['controller'];
    const q: ('name' | 'controller')[] = ['name', 'controller'];

    this.reconcileTotal = counter(
      'controller_runtime_reconcile_total',
      'Total number of reconciliations per controller',
      ['controller', 'result'],
    );
    this.reconcileErrors = counter(
      'controller_runtime_reconcile_errors_total',
      'Total number of reconciliation errors per controller',
      c,
    );
    // Exported at 0, as controller-runtime exports it, for the dashboards that read it. This runtime
    // has no terminal error: a failure that retrying soon cannot fix returns a long wait instead.
    this.terminalErrors = counter(
      'controller_runtime_terminal_reconcile_errors_total',
      'Total number of terminal reconciliation errors per controller',
      c,
    );
    this.reconcileTime = histogram(
      'controller_runtime_reconcile_time_seconds',
      'Length of time per reconciliation per controller',
      c,
      RECONCILE_TIME_BUCKETS,
    );
    this.maxConcurrent = gauge(
      'controller_runtime_max_concurrent_reconciles',
      'Maximum number of concurrent reconciles per controller',
      c,
    );
    this.activeWorkers = gauge(
      'controller_runtime_active_workers',
      'Number of currently used workers per controller',
      c,
    );
    this.depth = gauge('workqueue_depth', 'Current depth of workqueue', q);
    this.adds = counter('workqueue_adds_total', 'Total number of adds handled by workqueue', q);
    this.retries = counter('workqueue_retries_total', 'Total number of retries handled by workqueue', q);
    this.queueDuration = histogram(
      'workqueue_queue_duration_seconds',
      'How long in seconds an item stays in workqueue before being requested',
      q,
      WORKQUEUE_DURATION_BUCKETS,
    );
    this.workDuration = histogram(
      'workqueue_work_duration_seconds',
      'How long in seconds processing an item from workqueue takes',
      q,
      WORKQUEUE_DURATION_BUCKETS,
    );
    this.leaderStatus = gauge(
      'leader_election_master_status',
      'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
      ['name'],
    );
  }

  /** The sink for a Controller; pre-initializes every result label to 0 as controller-runtime does. */
  controller(name: string): ControllerMetrics {
    for (const result of OUTCOMES) this.reconcileTotal.inc({ controller: name, result }, 0);
    this.reconcileErrors.inc({ controller: name }, 0);
    this.terminalErrors.inc({ controller: name }, 0);
    const labels = { controller: name };
    return {
      maxConcurrent: (n) => this.maxConcurrent.set(labels, n),
      activeWorkers: (n) => this.activeWorkers.set(labels, n),
      reconciled: (result, seconds) => {
        this.reconcileTotal.inc({ controller: name, result });
        this.reconcileTime.observe(labels, seconds);
      },
      failed: () => this.reconcileErrors.inc(labels),
    };
  }

  /** The sink for a WorkQueue; controller-runtime names the queue after its controller. */
  workqueue(name: string, controller: string = name): WorkQueueMetrics {
    const labels = { name, controller };
    this.depth.set(labels, 0);
    this.adds.inc(labels, 0);
    this.retries.inc(labels, 0);
    return {
      depth: (n) => this.depth.set(labels, n),
      added: () => this.adds.inc(labels),
      retried: () => this.retries.inc(labels),
      queued: (s) => this.queueDuration.observe(labels, s),
      worked: (s) => this.workDuration.observe(labels, s),
    };
  }

  /** The sink for a LeaderElector: 1 while this replica holds lease `name`. */
  leaderElection(name: string): { leading(isLeader: boolean): void } {
    this.leaderStatus.set({ name }, 0);
    return { leading: (isLeader) => this.leaderStatus.set({ name }, isLeader ? 1 : 0) };
  }
}
