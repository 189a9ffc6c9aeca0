// The shared AWS call budget: bursts up to the bucket size, then the configured rate; callers are
// served in arrival order; a 429 slows the bucket down and it recovers gradually.
import { describe, expect, it } from '@jest/globals';
import { FakeClock, flushMicrotasks } from '../../../src/runtime/clock.ts';
import { TokenBucket, TokenBuckets } from '../../../src/runtime/token-bucket.ts';

describe('TokenBucket rate and burst', () => {
  it('allows a burst, then one token per 1/rate seconds', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ ratePerSec: 10, burst: 3, clock });
    expect([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, true, false]);
    await clock.advance(99);
    expect(b.tryTake()).toBe(false);
    await clock.advance(1);
    expect(b.tryTake()).toBe(true);
  });

  it('never saves up more than the burst', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ ratePerSec: 10, burst: 5, clock });
    await clock.advance(60_000);
    expect(b.available()).toBe(5);
  });

  it('take() waits so that 25 calls at 10/s with burst 5 finish after 2 s', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ ratePerSec: 10, burst: 5, clock });
    const start = clock.now();
    const doneAt: number[] = [];
    const all = Array.from({ length: 25 }, () => b.take().then(() => doneAt.push(clock.now() - start)));
    await clock.advance(5000);
    await Promise.all(all);
    expect(doneAt.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(Math.max(...doneAt)).toBe(2000);
  });
});

describe('TokenBucket fairness', () => {
  it('serves waiters first-in first-out and tryTake does not jump the queue', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ ratePerSec: 1, burst: 1, clock });
    expect(b.tryTake()).toBe(true);
    const order: string[] = [];
    const waits = ['first', 'second', 'third'].map((n) => b.take().then(() => order.push(n)));
    await clock.advance(1000);
    expect(order).toEqual(['first']);
    expect(b.tryTake()).toBe(false);
    await clock.advance(2000);
    await Promise.all(waits);
    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('an aborted waiter leaves the queue and the next one gets its token', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ ratePerSec: 1, burst: 1, clock });
    b.tryTake();
    const ctl = new AbortController();
    const aborted = b.take(ctl.signal).then(
      () => 'served',
      () => 'aborted',
    );
    let second = false;
    void b.take().then(() => (second = true));
    ctl.abort();
    expect(await aborted).toBe('aborted');
    await clock.advance(1000);
    expect(second).toBe(true);
  });
});

describe('TokenBucket adaptive slow-down', () => {
  it('halves the rate on a throttle, ignores the echo of concurrent 429s, and has a floor', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ ratePerSec: 8, burst: 8, clock, minRatePerSec: 1, recoveryPerSec: 0 });
    b.onThrottled();
    b.onThrottled(); // same burst of 429s: one slow-down
    expect(b.rate()).toBe(4);
    expect(b.available()).toBe(0); // the saved-up burst is not spent into a throttled quota
    for (let i = 0; i < 5; i++) {
      await clock.advance(1000);
      b.onThrottled();
    }
    expect(b.rate()).toBe(1);
  });

  it('slows the pace of waiting callers', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ ratePerSec: 10, burst: 1, clock, recoveryPerSec: 0 });
    b.onThrottled();
    let served = 0;
    for (let i = 0; i < 10; i++) void b.take().then(() => served++);
    await clock.advance(1000);
    expect(served).toBe(5);
  });

  it('recovers additively to the configured rate after a quiet period', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ ratePerSec: 10, burst: 10, clock, recoveryPerSec: 1 });
    b.onThrottled();
    expect(b.rate()).toBe(5);
    await clock.advance(2000);
    expect(b.rate()).toBeCloseTo(7);
    await clock.advance(3000);
    expect(b.rate()).toBe(10);
    await clock.advance(10_000);
    expect(b.rate()).toBe(10);
  });

  it('earns tokens at the ramping rate while recovering', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ ratePerSec: 10, burst: 100, clock, recoveryPerSec: 1 });
    b.onThrottled(); // rate 5 → 10 over 5 s
    await clock.advance(5000);
    expect(b.available()).toBeCloseTo(37.5); // average 7.5/s for 5 s
    await clock.advance(1000);
    expect(b.available()).toBeCloseTo(47.5);
  });
});

describe('TokenBuckets', () => {
  it('keeps one bucket per key, so an exhausted account does not block another', async () => {
    const clock = new FakeClock();
    const buckets = new TokenBuckets({ ratePerSec: 1, burst: 1, clock });
    expect(buckets.get('111/us-east-1')).toBe(buckets.get('111/us-east-1'));
    buckets.get('111/us-east-1').tryTake();
    let blocked = false;
    void buckets
      .get('111/us-east-1')
      .take()
      .then(() => (blocked = true));
    await buckets.get('222/eu-west-1').take();
    await flushMicrotasks();
    expect(blocked).toBe(false);
    expect(buckets.keys().sort()).toEqual(['111/us-east-1', '222/eu-west-1']);
  });

  it('builds each bucket with options for its key', () => {
    const buckets = new TokenBuckets((key) => ({ ratePerSec: key.startsWith('slow') ? 1 : 10, burst: 5 }));
    expect(buckets.get('slow/x').rate()).toBe(1);
    expect(buckets.get('fast/x').rate()).toBe(10);
  });
});

describe('TokenBucket wait estimate', () => {
  it('tells how long a new caller would queue, so a worker can hand its key back instead of idling', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ ratePerSec: 10, burst: 2, clock });
    expect(b.estimatedWaitMs()).toBe(0);
    b.tryTake();
    b.tryTake();
    expect(b.estimatedWaitMs()).toBe(100);
    void b.take();
    void b.take();
    expect(b.estimatedWaitMs()).toBe(300);
    await clock.advance(300); // three tokens: two waiters served, one left over
    expect(b.estimatedWaitMs()).toBe(0);
  });
});
