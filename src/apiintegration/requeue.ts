// The delays behind an ApiIntegration plan's named requeues: decide says which wait, the shared
// timing (src/kind/requeue.ts) and the operator's configuration say how long.
import type { Result } from '../runtime/controller.ts';
import { driftRequeueMs, missingDelayMs, type RequeueTiming } from '../kind/requeue.ts';
import type { Requeue } from './plan.ts';

/** A step that left more to do comes back at once, but after the queue's other keys had a turn. */
export const NEXT_STEP_MS = 50;

export function requeueAfter(r: Requeue, now: number, t: RequeueTiming): Result {
  switch (r.kind) {
    case 'none':
      return {};
    // Always a positive delay: the controller, like controller-runtime, reads 0 as "do not requeue".
    case 'after':
      return { requeueAfterMs: Math.max(1, Math.round(r.ms)) };
    case 'next-step':
      return { requeueAfterMs: NEXT_STEP_MS };
    case 'wait':
      return { requeueAfterMs: t.waitIntervalMs };
    case 'missing':
      return { requeueAfterMs: missingDelayMs(r.wait, t) };
    case 'drift':
      return { requeueAfterMs: driftRequeueMs(now, t, r.place) };
  }
}
