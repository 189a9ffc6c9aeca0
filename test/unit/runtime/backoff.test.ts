// Backoff arithmetic: failed keys wait longer each time up to a cap and start over once forgotten;
// the informer's reconnect backoff forgets its history after a healthy period.
import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../../../src/runtime/clock.ts';
import {
  ItemExponentialBackoff,
  ResettingBackoff,
  fullJitter,
  jitterDown,
  jitterUp,
} from '../../../src/runtime/backoff.ts';

describe('ItemExponentialBackoff', () => {
  it('doubles from 5 ms per failure of the same key and caps at the maximum', () => {
    const b = new ItemExponentialBackoff<string>({ maxMs: 1000 });
    const delays = Array.from({ length: 10 }, () => b.when('a'));
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
    expect(b.retries('a')).toBe(10);
  });

  it('counts keys independently and starts over after forget', () => {
    const b = new ItemExponentialBackoff<string>();
    b.when('a');
    b.when('a');
    expect(b.when('b')).toBe(5);
    b.forget('a');
    expect(b.retries('a')).toBe(0);
    expect(b.when('a')).toBe(5);
  });

  it('reaches controller-runtime’s 1000 s cap and never overflows', () => {
    const b = new ItemExponentialBackoff<string>();
    let last = 0;
    for (let i = 0; i < 2000; i++) last = b.when('k');
    expect(last).toBe(1_000_000);
  });

  it('jitters downwards only, so the cap stays an upper bound', () => {
    const b = new ItemExponentialBackoff<string>({ maxMs: 100, jitter: 0.5, random: () => 0.999 });
    for (let i = 0; i < 20; i++) {
      const d = b.when('k');
      expect(d).toBeLessThanOrEqual(100);
    }
    expect(b.when('k')).toBeGreaterThanOrEqual(50);
  });
});

describe('jitter helpers', () => {
  it('full jitter spans [0, ms)', () => {
    expect(fullJitter(1000, () => 0)).toBe(0);
    expect(fullJitter(1000, () => 0.5)).toBe(500);
    expect(jitterDown(1000, 0.2, () => 1)).toBe(800);
    expect(jitterUp(2000, 1.2, () => 1)).toBe(4400);
  });
});

describe('ResettingBackoff', () => {
  it('grows 800 ms → 30 s and resets after a healthy period', async () => {
    const clock = new FakeClock();
    const b = new ResettingBackoff({ initialMs: 800, maxMs: 30_000, resetAfterMs: 120_000, clock, random: () => 0 });
    const seq: number[] = [];
    for (let i = 0; i < 8; i++) {
      seq.push(b.next());
      await clock.advance(1000);
    }
    expect(seq).toEqual([800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
    await clock.advance(120_001);
    expect(b.next()).toBe(800);
  });
});
