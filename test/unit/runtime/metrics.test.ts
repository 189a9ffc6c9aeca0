// Existing controller-runtime dashboards must work: the metric names, labels, pre-initialized
// series and buckets are the Go operator's, and they live in the registry we pass in.
import { describe, expect, it } from '@jest/globals';
import { Registry, register as globalRegistry } from 'prom-client';
import { FakeClock } from '../../../src/runtime/clock.ts';
import { Controller } from '../../../src/runtime/controller.ts';
import { RECONCILE_TIME_BUCKETS, RuntimeMetrics, WORKQUEUE_DURATION_BUCKETS } from '../../../src/runtime/metrics.ts';
import { WorkQueue } from '../../../src/runtime/workqueue.ts';

describe('RuntimeMetrics', () => {
  it('exposes controller-runtime names with pre-initialized results', async () => {
    const registry = new Registry();
    const m = new RuntimeMetrics(registry);
    m.controller('apiintegration');
    m.workqueue('apiintegration');
    m.leaderElection('apigw-operator');
    const text = await registry.metrics();
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) {
      expect(text).toContain(`controller_runtime_reconcile_total{controller="apiintegration",result="${result}"} 0`);
    }
    for (const name of [
      'controller_runtime_reconcile_errors_total{controller="apiintegration"} 0',
      'controller_runtime_terminal_reconcile_errors_total{controller="apiintegration"} 0',
      'controller_runtime_reconcile_time_seconds',
      'controller_runtime_max_concurrent_reconciles',
      'controller_runtime_active_workers',
      'workqueue_depth{name="apiintegration",controller="apiintegration"} 0',
      'workqueue_adds_total{name="apiintegration",controller="apiintegration"} 0',
      'workqueue_retries_total{name="apiintegration",controller="apiintegration"} 0',
      'workqueue_queue_duration_seconds',
      'workqueue_work_duration_seconds',
      'leader_election_master_status{name="apigw-operator"} 0',
      'process_open_fds',
    ]) {
      expect(text).toContain(name);
    }
    expect(await globalRegistry.metrics()).not.toContain('controller_runtime_reconcile_total');
  });

  it('uses controller-runtime’s and client-go’s histogram buckets', () => {
    expect(RECONCILE_TIME_BUCKETS).toHaveLength(40);
    expect(RECONCILE_TIME_BUCKETS.at(-1)).toBe(60);
    expect(WORKQUEUE_DURATION_BUCKETS).toEqual([1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1000]);
  });

  it('counts what a running controller does', async () => {
    const registry = new Registry();
    const m = new RuntimeMetrics(registry, { defaultMetrics: false });
    const clock = new FakeClock();
    const queue = new WorkQueue<string>({ clock, metrics: m.workqueue('c') });
    const controller = new Controller<string>({
      name: 'c',
      queue,
      clock,
      workers: 3,
      metrics: m.controller('c'),
      reconcile: async (key) => {
        if (key.startsWith('flaky')) throw new Error('try again');
        if (key === 'held') return { requeueAfterMs: 60_000, unfinished: true };
        return key === 'poll' ? { requeueAfterMs: 60_000 } : {};
      },
    });
    controller.start();
    for (const k of ['ok', 'held', 'flaky', 'flaky2', 'poll']) queue.add(k);
    await clock.advance(1);
    await controller.stop(1000);
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="c",result="success"} 1');
    // A wait returned by a held-up pass counts as controller-runtime counts any RequeueAfter.
    expect(text).toContain('controller_runtime_reconcile_total{controller="c",result="requeue_after"} 2');
    expect(text).toMatch(/controller_runtime_reconcile_total\{controller="c",result="error"\} [2-9]/);
    expect(text).toMatch(/controller_runtime_reconcile_errors_total\{controller="c"\} [2-9]/);
    expect(text).toContain('controller_runtime_terminal_reconcile_errors_total{controller="c"} 0');
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="c"} 3');
    expect(text).toContain('controller_runtime_active_workers{controller="c"} 0');
    expect(text).toMatch(/workqueue_retries_total\{name="c",controller="c"\} [2-9]/);
  });
});
