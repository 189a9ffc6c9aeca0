// Objects on one API come due together (one listing answers them all); APIs are spread out.
import { describe, expect, it } from '@jest/globals';
import { apiPhase, driftDelayMs } from '../../../src/kind/drift-schedule.ts';

const MIN = 60_000;
const api = (apiId: string) => ({ region: 'us-east-1', apiId });

describe('drift schedule', () => {
  it('brings every object of an API due at the same instant, wherever its own last check was', () => {
    const interval = 5 * MIN;
    const dueAt = [0, 17_000, 61_000, 149_000, 299_000].map(
      (t) => t + driftDelayMs(1_000_000 + t, interval, api('abc1234')) + 1_000_000,
    );
    expect(new Set(dueAt).size).toBeLessThanOrEqual(2);
    // Two slots at most: objects checked either side of a slot land one interval apart.
    const slots = [...new Set(dueAt)].sort();
    if (slots.length === 2) expect(slots[1]! - slots[0]!).toBe(interval);
  });

  it('waits between half and one and a half intervals', () => {
    for (let t = 0; t < 20 * MIN; t += 7_919) {
      const d = driftDelayMs(t, 5 * MIN, api('x9y8z7'));
      expect(d).toBeGreaterThan(2.5 * MIN);
      expect(d).toBeLessThanOrEqual(7.5 * MIN);
    }
  });

  it('spreads APIs across the interval', () => {
    const phases = Array.from({ length: 200 }, (_, i) => apiPhase(api(`api${i}`)));
    const buckets = new Array(10).fill(0) as number[];
    for (const p of phases) buckets[Math.floor(p * 10)]!++;
    expect(Math.min(...buckets)).toBeGreaterThan(5);
  });
});
