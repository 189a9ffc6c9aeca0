// The named requeues of an ApiRoute plan as delays.
import { describe, expect, it } from '@jest/globals';
import { routeRequeueAfter } from '../../../src/apiroute/requeue.ts';

const timing = { driftIntervalMs: 300_000, waitIntervalMs: 30_000, random: () => 0.5 };

describe('routeRequeueAfter', () => {
  it('none stops, soon waits the wait interval, drift comes at the API slot or one jittered interval', () => {
    expect(routeRequeueAfter('none', 0, timing)).toEqual({});
    expect(routeRequeueAfter('soon', 0, timing)).toEqual({ requeueAfterMs: 30_000 });
    expect(routeRequeueAfter('drift', 0, timing)).toEqual({ requeueAfterMs: 300_000 });
    const slot = routeRequeueAfter('drift', 0, timing, { region: 'us-east-1', apiId: 'api1' }).requeueAfterMs!;
    expect(slot).toBeGreaterThan(150_000);
    expect(slot).toBeLessThanOrEqual(450_000);
  });

  it('waits for something missing as ApiIntegration does: by the end of the grace period, then on a backoff', () => {
    expect(routeRequeueAfter({ missing: { stalled: false, graceLeftMs: 4_000 } }, 0, timing)).toEqual({
      requeueAfterMs: 4_000,
    });
    expect(routeRequeueAfter({ missing: { stalled: true, waitedMs: 200_000 } }, 0, timing)).toEqual({
      requeueAfterMs: 200_000,
    });
  });
});
