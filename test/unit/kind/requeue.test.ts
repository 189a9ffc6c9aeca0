// The delays behind every kind's named requeues: the controller reads 0 as "do not requeue", so
// every wait that means "come back" is positive; drift checks land on the API's slot.
import { describe, expect, it } from '@jest/globals';
import { driftDelayMs } from '../../../src/kind/drift-schedule.ts';
import { blockedRetryMs, conflictDelayMs, missingDelayMs, requeueAfter } from '../../../src/kind/requeue.ts';

const timing = { driftIntervalMs: 300_000, waitIntervalMs: 30_000, random: () => 0 };
const now = Date.UTC(2026, 5, 1);
const api1 = { region: 'us-east-1', apiId: 'api1' };

describe('requeueAfter', () => {
  it.each([
    ['nothing to come back for', { kind: 'none' } as const, {}],
    ['the next step of a move or cleanup', { kind: 'next-step' } as const, { requeueAfterMs: 50 }],
    ['an API not there yet', { kind: 'wait' } as const, { requeueAfterMs: 30_000 }],
    [
      'an API missing, well within the grace period',
      { kind: 'missing', wait: { stalled: false, graceLeftMs: 90_000 } } as const,
      { requeueAfterMs: 30_000 },
    ],
    [
      'a missing ApiIntegration near the end of the grace period: at its end, so it turns Stalled on time',
      { kind: 'missing', wait: { stalled: false, graceLeftMs: 4_000 } } as const,
      { requeueAfterMs: 4_000 },
    ],
    [
      'something missing past the grace period: about as long as it has waited',
      { kind: 'missing', wait: { stalled: true, waitedMs: 200_000 } } as const,
      { requeueAfterMs: 200_000 },
    ],
    ['a create settling', { kind: 'after', ms: 1234.4 } as const, { requeueAfterMs: 1234 }],
    ['a wait that has just run out', { kind: 'after', ms: 0.2 } as const, { requeueAfterMs: 1 }],
    [
      'a drift check on a known API',
      { kind: 'drift', place: api1 } as const,
      { requeueAfterMs: driftDelayMs(now, 300_000, api1) },
    ],
  ])('%s', (_what, requeue, expected) => {
    expect(requeueAfter(requeue, timing, { now })).toEqual(expected);
  });

  it('puts a drift check without a place of its own on the slot of the API the pass reported on', () => {
    expect(requeueAfter({ kind: 'drift' }, timing, { now, place: api1 })).toEqual({
      requeueAfterMs: driftDelayMs(now, 300_000, api1),
    });
  });

  it('looks again at something blocked after about as long as it has been blocked', () => {
    expect(requeueAfter({ kind: 'blocked', what: 'int1' }, timing, { now, blockedForMs: 0 })).toEqual({
      requeueAfterMs: 5_000,
    });
    expect(requeueAfter({ kind: 'blocked', what: 'int1' }, timing, { now, blockedForMs: 40_000 })).toEqual({
      requeueAfterMs: 40_000,
    });
  });

  it('spreads drift checks with no API slot over 0.8 to 1.2 intervals', () => {
    expect(requeueAfter({ kind: 'drift' }, timing, { now })).toEqual({ requeueAfterMs: 240_000 });
    expect(requeueAfter({ kind: 'drift' }, { ...timing, random: () => 0.999999 }, { now })).toEqual({
      requeueAfterMs: 360_000,
    });
  });
});

describe('conflictDelayMs', () => {
  it('doubles from about a second to about a minute, never below half its step', () => {
    expect([1, 2, 3, 7, 8, 20].map((n) => conflictDelayMs(n, () => 0))).toEqual([
      500, 1000, 2000, 30_000, 30_000, 30_000,
    ]);
    expect([1, 7, 20].map((n) => conflictDelayMs(n, () => 0.999999))).toEqual([1000, 60_000, 60_000]);
  });
});

describe('missingDelayMs', () => {
  it('within the grace period: the wait interval, or sooner so the object turns Stalled on time', () => {
    expect(
      [120_000, 30_000, 12_345, 0].map((graceLeftMs) => missingDelayMs({ stalled: false, graceLeftMs }, timing)),
    ).toEqual([30_000, 30_000, 12_345, 1]);
  });

  it('once Stalled: about as long as it has waited, so looks double apart, from the wait interval up to 5 min', () => {
    const after = (waitedMs: number) => missingDelayMs({ stalled: true, waitedMs }, timing);
    expect([5_000, 120_000, 240_000, 480_000, 3_600_000].map(after)).toEqual([
      30_000, 120_000, 240_000, 300_000, 300_000,
    ]);
  });
});

describe('the backoff while blocked (a delete that routes block)', () => {
  it('starts at seconds, roughly doubles, and stops growing at five minutes', () => {
    let t = 0;
    const waits: number[] = [];
    while (t < 30 * 60_000) {
      const w = blockedRetryMs(t);
      waits.push(w);
      t += w;
    }
    expect(waits.slice(0, 4)).toEqual([5_000, 5_000, 10_000, 20_000]);
    expect(Math.max(...waits)).toBe(5 * 60_000);
    // Half an hour blocked costs about a dozen looks, not thousands of calls.
    expect(waits.length).toBeLessThan(15);
  });
});
