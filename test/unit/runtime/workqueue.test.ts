// Work queue semantics the operator relies on: an object changed ten times is reconciled once,
// never by two workers at once, and delayed / rate-limited retries come back when due.
import { describe, expect, it } from '@jest/globals';
import { FakeClock, flushMicrotasks } from '../../../src/runtime/clock.ts';
import { WorkQueue, type WorkQueueMetrics } from '../../../src/runtime/workqueue.ts';

function queue(clock = new FakeClock()) {
  return { clock, q: new WorkQueue<string>({ clock }) };
}

describe('WorkQueue de-duplication', () => {
  it('hands out a key added many times once, in FIFO order with other keys', async () => {
    const { q } = queue();
    for (const k of ['a', 'b', 'a', 'a', 'c', 'b']) q.add(k);
    expect(q.len()).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['a', 'b', 'c']);
  });

  it('re-queues a key re-added while it is processed only after done()', async () => {
    const { q } = queue();
    q.add('a');
    expect(await q.get()).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await flushMicrotasks();
    expect(second).toBeUndefined();
    q.done('a');
    await flushMicrotasks();
    expect(second).toBe('a');
  });

  it('never lets two of four workers hold a hot key at the same time', async () => {
    const { q } = queue();
    const inFlight = new Map<string, number>();
    let maxPerKey = 0;
    const processed: string[] = [];
    const tick = () => new Promise((r) => setImmediate(r));
    const worker = async () => {
      for (;;) {
        const key = await q.get();
        if (key === undefined) return;
        const n = (inFlight.get(key) ?? 0) + 1;
        inFlight.set(key, n);
        maxPerKey = Math.max(maxPerKey, n);
        for (let i = 0; i < 1 + (processed.length % 3); i++) await tick();
        inFlight.set(key, n - 1);
        processed.push(key);
        q.done(key);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    for (let i = 0; i < 200; i++) {
      q.add('hot');
      q.add(`cold-${i % 7}`);
      if (i % 2 === 0) await tick();
    }
    const lastAddIndex = processed.length;
    await q.shutDownWithDrain();
    await Promise.all(workers);
    expect(maxPerKey).toBe(1);
    // The add after the last processing start is not lost: "hot" runs again after it.
    expect(processed.slice(lastAddIndex)).toContain('hot');
    expect(processed.filter((k) => k === 'hot').length).toBeLessThan(200);
  });
});

describe('WorkQueue delayed adds', () => {
  it('adds a key when its delay passes', async () => {
    const { q, clock } = queue();
    q.addAfter('a', 100);
    expect(q.len()).toBe(0);
    await clock.advance(99);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
  });

  it('keeps the earliest due time per key and adds it once', async () => {
    const { q, clock } = queue();
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 200);
    await clock.advance(50);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('a');
    q.done('a');
    await clock.advance(500);
    expect(q.len()).toBe(0);
  });

  it("drops a pass's requeue once the key is handed out sooner: the newer pass answers for itself", async () => {
    const { q, clock } = queue();
    q.requeueAfter('a', 30_000);
    q.add('a'); // an event: the integration the route waited for is Ready
    expect(await q.get()).toBe('a');
    q.done('a');
    await clock.advance(60_000);
    expect(q.len()).toBe(0);
  });

  it('keeps a delayed add that came from elsewhere, even when a pass asked for an earlier one', async () => {
    const { q, clock } = queue();
    q.addAfter('a', 3_000); // a wake-up owed to something outside the key's passes
    q.requeueAfter('a', 1_000);
    q.add('a');
    expect(await q.get()).toBe('a');
    q.done('a');
    await clock.advance(60_000);
    expect(q.len()).toBe(1);
  });

  it("a pass's requeue still comes back when nothing else hands the key out", async () => {
    const { q, clock } = queue();
    q.requeueAfter('a', 100);
    await clock.advance(100);
    expect(await q.get()).toBe('a');
  });

  it('fires keys in due order', async () => {
    const { q, clock } = queue();
    q.addAfter('late', 300);
    q.addAfter('early', 100);
    q.addAfter('mid', 200);
    await clock.advance(300);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['early', 'mid', 'late']);
  });

  it('rate-limited re-adds back off per key and start over after forget', async () => {
    const { q, clock } = queue();
    q.addRateLimited('a'); // 5 ms
    q.addRateLimited('a'); // 10 ms; the 5 ms entry wins
    expect(q.retries('a')).toBe(2);
    await clock.advance(5);
    expect(await q.get()).toBe('a');
    q.done('a');
    q.addRateLimited('a'); // 20 ms
    await clock.advance(19);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    q.forget('a');
    expect(q.retries('a')).toBe(0);
  });
});

describe('WorkQueue shutdown', () => {
  it('shutDown wakes waiting workers with undefined and ignores later adds', async () => {
    const { q } = queue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('a');
    expect(await q.get()).toBeUndefined();
  });

  it('shutDownWithDrain hands out queued keys and resolves when they are done', async () => {
    const { q } = queue();
    q.add('a');
    q.add('b');
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    const a = await q.get();
    const b = await q.get();
    expect([a, b]).toEqual(['a', 'b']);
    q.done('a');
    await flushMicrotasks();
    expect(drained).toBe(false);
    q.done('b');
    await drain;
    expect(await q.get()).toBeUndefined();
  });

  it('get(signal) resolves undefined when the signal aborts', async () => {
    const { q } = queue();
    const ctl = new AbortController();
    const waiting = q.get(ctl.signal);
    ctl.abort();
    expect(await waiting).toBeUndefined();
    q.add('a');
    expect(await q.get()).toBe('a');
  });
});

describe('WorkQueue metrics hooks', () => {
  it('reports depth, adds, retries, queue time and work time', async () => {
    const clock = new FakeClock();
    const seen = { depth: [] as number[], added: 0, retried: 0, queued: [] as number[], worked: [] as number[] };
    const metrics: WorkQueueMetrics = {
      depth: (n) => seen.depth.push(n),
      added: () => seen.added++,
      retried: () => seen.retried++,
      queued: (s) => seen.queued.push(s),
      worked: (s) => seen.worked.push(s),
    };
    const q = new WorkQueue<string>({ clock, metrics });
    q.add('a');
    q.add('a');
    q.addAfter('b', 10);
    await clock.advance(250);
    expect(await q.get()).toBe('a');
    await clock.advance(1500);
    q.done('a');
    expect(seen.added).toBe(2); // a once (de-duplicated), b when due
    expect(seen.retried).toBe(1);
    expect(seen.queued[0]).toBeCloseTo(0.25);
    expect(seen.worked[0]).toBeCloseTo(1.5);
    expect(seen.depth.at(-1)).toBe(1);
  });
});
