// How reconcile outcomes turn into queue actions (controller-runtime's reconcileHandler): a known
// wait is a returned result, a thrown error always takes the key's backoff. A throwing reconcile
// never stops the controller, and shutdown finishes or aborts in-flight work.
import { describe, expect, it } from '@jest/globals';
import { FakeClock, flushMicrotasks } from '../../../src/runtime/clock.ts';
import {
  Controller,
  type ControllerMetrics,
  type Reconcile,
  type ReconcileOutcome,
  type Result,
} from '../../../src/runtime/controller.ts';
import { WorkQueue } from '../../../src/runtime/workqueue.ts';

function setup(reconcile: Reconcile<string>, workers = 1) {
  const clock = new FakeClock();
  const queue = new WorkQueue<string>({ clock });
  const outcomes: ReconcileOutcome[] = [];
  const failures: true[] = [];
  const active: number[] = [];
  const metrics: ControllerMetrics = {
    maxConcurrent: () => undefined,
    activeWorkers: (n) => active.push(n),
    reconciled: (o) => outcomes.push(o),
    failed: () => failures.push(true),
  };
  const controller = new Controller<string>({ name: 'test', queue, reconcile, workers, clock, metrics });
  controller.start();
  return { clock, queue, controller, outcomes, failures, active };
}

/** A reconcile that records calls and answers from a per-call script. */
function scripted(script: ((key: string) => unknown)[]) {
  const calls: { key: string; at: number }[] = [];
  let clock: FakeClock | undefined;
  const reconcile: Reconcile<string> = async (key) => {
    calls.push({ key, at: clock?.now() ?? 0 });
    const step = script[calls.length - 1];
    return (step ? step(key) : {}) as Result;
  };
  return { calls, reconcile, bind: (c: FakeClock) => (clock = c) };
}

describe('Controller result handling', () => {
  it('success forgets the key and does not requeue it', async () => {
    const s = scripted([() => ({})]);
    const { clock, queue, controller, outcomes } = setup(s.reconcile);
    queue.add('a');
    await clock.advance(60_000);
    expect(s.calls).toHaveLength(1);
    expect(outcomes).toEqual(['success']);
    expect(queue.retries('a')).toBe(0);
    await controller.stop(1000);
  });

  it('requeueAfterMs brings the key back after that delay', async () => {
    const s = scripted([() => ({ requeueAfterMs: 30_000 }), () => ({})]);
    const { clock, queue, controller, outcomes } = setup(s.reconcile);
    s.bind(clock);
    queue.add('a');
    await clock.advance(29_999);
    expect(s.calls).toHaveLength(1);
    await clock.advance(1);
    expect(s.calls.map((c) => c.at - s.calls[0]!.at)).toEqual([0, 30_000]);
    expect(outcomes).toEqual(['requeue_after', 'success']);
    await controller.stop(1000);
  });

  it('an error requeues with per-key backoff, and a later success resets it', async () => {
    const boom = () => {
      throw new Error('transient');
    };
    const s = scripted([boom, boom, boom, () => ({})]);
    const { clock, queue, controller, outcomes, failures } = setup(s.reconcile);
    s.bind(clock);
    queue.add('a');
    await clock.advance(1000);
    const gaps = s.calls.slice(1).map((c, i) => c.at - s.calls[i]!.at);
    expect(gaps).toEqual([5, 10, 20]);
    expect(outcomes).toEqual(['error', 'error', 'error', 'success']);
    expect(failures).toEqual([true, true, true]);
    expect(queue.retries('a')).toBe(0);
    await controller.stop(1000);
  });

  it('a thrown error takes the key backoff, whatever delay it carries', async () => {
    // A delay is only ever a returned result: fields on a thrown object are not read.
    const throttled = () => {
      throw Object.assign(new Error('throttled'), { retryAfterMs: 7000, requeueAfterMs: 7000 });
    };
    const s = scripted([throttled, () => ({})]);
    const { clock, queue, controller, outcomes, failures } = setup(s.reconcile);
    s.bind(clock);
    queue.add('a');
    await clock.advance(10_000);
    expect(s.calls.map((c) => c.at - s.calls[0]!.at)).toEqual([0, 5]);
    expect(outcomes).toEqual(['error', 'success']);
    expect(failures).toEqual([true]);
    await controller.stop(1000);
  });

  it('a held-up pass comes back after its delay and keeps the key backoff; a pass that got through resets it', async () => {
    const boom = () => {
      throw new Error('transient');
    };
    const heldUp = () => ({ requeueAfterMs: 7000, unfinished: true });
    const polled = () => ({ requeueAfterMs: 7000 });
    const s = scripted([boom, boom, heldUp, boom, polled, boom, () => ({})]);
    const { clock, queue, controller, outcomes, failures } = setup(s.reconcile);
    s.bind(clock);
    queue.add('a');
    await clock.advance(60_000);
    const gaps = s.calls.slice(1).map((c, i) => c.at - s.calls[i]!.at);
    // 5, 10: the first two errors; the wait; 20: the third error in the run; the poll resets it, so 5.
    expect(gaps).toEqual([5, 10, 7000, 20, 7000, 5]);
    expect(outcomes).toEqual(['error', 'error', 'requeue_after', 'error', 'requeue_after', 'error', 'success']);
    expect(failures).toHaveLength(4);
    expect(queue.retries('a')).toBe(0);
    await controller.stop(1000);
  });
});

describe('Controller robustness', () => {
  it('survives a reconcile that throws synchronously or throws a non-Error', async () => {
    const seen: string[] = [];
    const reconcile = ((key: string) => {
      seen.push(key);
      if (key === 'sync') throw new Error('sync throw');
      if (key === 'string') return Promise.reject('not an error');
      return Promise.resolve({});
    }) as Reconcile<string>;
    const { clock, queue, controller } = setup(reconcile);
    queue.add('sync');
    queue.add('string');
    queue.add('ok');
    await clock.advance(1);
    expect(seen.slice(0, 3)).toEqual(['sync', 'string', 'ok']);
    expect(controller.activeWorkers()).toBe(0);
    await controller.stop(1000);
  });

  it('with 4 workers a hot key is never reconciled twice at once', async () => {
    let running = 0;
    let maxHot = 0;
    let calls = 0;
    const clock0 = { c: undefined as FakeClock | undefined };
    const reconcile: Reconcile<string> = async (key) => {
      calls++;
      if (key === 'hot') maxHot = Math.max(maxHot, ++running);
      await new Promise<void>((r) => clock0.c!.setTimeout(r, 10));
      if (key === 'hot') running--;
      return {};
    };
    const { clock, queue, controller } = setup(reconcile, 4);
    clock0.c = clock;
    for (let i = 0; i < 50; i++) {
      queue.add('hot');
      queue.add(`k${i}`);
      await clock.advance(3);
    }
    await clock.advance(1000);
    expect(maxHot).toBe(1);
    expect(calls).toBeGreaterThan(50);
    await controller.stop(1000);
  });
});

describe('Controller stop', () => {
  it('stops intake and waits for in-flight reconciles that finish before the deadline', async () => {
    let signal: AbortSignal | undefined;
    const clock0 = { c: undefined as FakeClock | undefined };
    const reconcile: Reconcile<string> = async (_key, s) => {
      signal = s;
      await new Promise<void>((r) => clock0.c!.setTimeout(r, 5000));
      return {};
    };
    const { clock, queue, controller } = setup(reconcile);
    clock0.c = clock;
    queue.add('a');
    queue.add('b');
    await clock.advance(1);
    expect(controller.activeWorkers()).toBe(1);
    let result: boolean | undefined;
    void controller.stop(10_000).then((r) => (result = r));
    await clock.advance(4998);
    expect(result).toBeUndefined();
    await clock.advance(10);
    expect(result).toBe(true);
    expect(signal?.aborted).toBe(false);
    expect(controller.activeWorkers()).toBe(0);
  });

  it('aborts in-flight reconciles at the deadline', async () => {
    let abortedAt: number | undefined;
    const clock0 = { c: undefined as FakeClock | undefined };
    const reconcile: Reconcile<string> = (_key, s) =>
      new Promise((_resolve, reject) => {
        s.addEventListener('abort', () => {
          abortedAt = clock0.c!.now();
          reject(s.reason);
        });
      });
    const { clock, queue, controller } = setup(reconcile, 2);
    clock0.c = clock;
    queue.add('a');
    queue.add('b');
    await flushMicrotasks();
    expect(controller.activeWorkers()).toBe(2);
    const start = clock.now();
    let result: boolean | undefined;
    void controller.stop(3000).then((r) => (result = r));
    await clock.advance(3000);
    expect(abortedAt! - start).toBe(3000);
    expect(result).toBe(false);
    expect(controller.activeWorkers()).toBe(0);
  });

  it('stops when the start signal aborts', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue<string>({ clock });
    const controller = new Controller<string>({ name: 'x', queue, reconcile: async () => ({}), clock });
    const ctl = new AbortController();
    controller.start(ctl.signal);
    ctl.abort();
    await clock.advance(1);
    expect(queue.isShuttingDown()).toBe(true);
    expect(await controller.stop(1)).toBe(true);
  });
});
