// The delays behind an ApiRoute plan's named requeues. `soon` after a write means the next step is
// already due, so the pass goes on (the reconciler decides again); `soon` after nothing means
// waiting on something outside this object (an ApiIntegration not ready yet), looked at again after
// the wait interval, or sooner when the ApiIntegration changes (setup.ts maps it to this key).
// `missing` is a wait on something that may never come (the API, the ApiIntegration itself), as for
// ApiIntegration: the grace period, then a growing backoff.
import { driftRequeueMs, missingDelayMs, type RequeueTiming } from '../kind/requeue.ts';
import type { Result } from '../runtime/controller.ts';
import type { Requeue } from './decide.ts';
import type { Place } from '../kind/record.ts';

/** When a pass that ended with `r` comes back; `place` spreads drift checks per API, as for integrations. */
export function routeRequeueAfter(r: Requeue, now: number, t: RequeueTiming, place?: Place): Result {
  if (typeof r === 'object') return { requeueAfterMs: missingDelayMs(r.missing, t) };
  switch (r) {
    case 'none':
      return {};
    case 'soon':
      return { requeueAfterMs: t.waitIntervalMs };
    case 'drift':
      return { requeueAfterMs: driftRequeueMs(now, t, place) };
  }
}
