// The delays every kind's requeues share, and those behind the retries after a failure: a kind's
// decide and failure.ts say which wait, the operator's configuration says how long.
import type { MissingWait } from '../api/v1alpha1/not-found.ts';
import type { Result } from '../runtime/controller.ts';
import { driftDelayMs } from './drift-schedule.ts';
import type { Requeue } from './plan.ts';
import type { Place } from './record.ts';

export interface RequeueTiming {
  driftIntervalMs: number;
  /** Waiting on something outside the operator (an API being created). */
  waitIntervalMs: number;
  /** Jitter source in [0, 1). */
  random: () => number;
}

/** The timing from a reconciler's settings; every kind waits 30 s on something outside it unless told. */
export function requeueTimingOf(d: { driftIntervalMs: number; waitIntervalMs?: number; random?: () => number }) {
  const timing: RequeueTiming = {
    driftIntervalMs: d.driftIntervalMs,
    waitIntervalMs: d.waitIntervalMs ?? 30_000,
    random: () => (d.random ?? Math.random)(),
  };
  return timing;
}

/**
 * How long after a create the resource may still be absent from AWS's answers (a create that timed
 * out may still land; a read may not show it yet), unless the operator is told (twice its request timeout).
 */
export const DEFAULT_SETTLE_MS = 30_000;

/** Concurrent-modification retries: exponential from 1 s to 1 min, with jitter. */
const CONFLICT_BASE_MS = 1000;
const CONFLICT_MAX_MS = 60_000;
/**
 * Retries while AWS credentials do not work: exponential from 5 s to 5 min, with jitter. Credentials
 * are fixed outside the object, so only looking again notices; the first looks come soon because a
 * fix is often a moment away (a trust policy, an association), later ones spare a cluster of objects.
 */
const CREDENTIALS_BASE_MS = 5000;
const CREDENTIALS_MAX_MS = 5 * 60_000;

/** Longest wait between looks for something missing once the object is Stalled. */
export const MISSING_MAX_RETRY_MS = 5 * 60_000;

/**
 * When to look again for something missing (the API, a referenced ApiIntegration): at the wait
 * interval, but at the end of the grace period if that comes first, so the object turns Stalled on
 * time; once Stalled, after about as long as it has waited so far (so the looks double apart),
 * never sooner than the wait interval, and at most 5 minutes apart.
 */
export function missingDelayMs(w: MissingWait, t: RequeueTiming): number {
  if (!w.stalled) return Math.max(1, Math.min(t.waitIntervalMs, Math.ceil(w.graceLeftMs)));
  return Math.min(MISSING_MAX_RETRY_MS, Math.max(t.waitIntervalMs, Math.round(w.waitedMs)));
}

/**
 * Until the next drift check. Objects on one API come due together, so one listing answers them;
 * APIs are spread apart. Without a known API, the interval with 20 % jitter either way.
 */
export function driftRequeueMs(now: number, t: RequeueTiming, place: Place | undefined): number {
  if (place) return driftDelayMs(now, t.driftIntervalMs, place);
  return Math.round(t.driftIntervalMs * (0.8 + t.random() * 0.4));
}

/** Exponential in `failures` from `base` up to `max`, jittered within its upper half. */
function backoffMs(failures: number, base: number, max: number, random: () => number): number {
  const cap = Math.min(max, base * 2 ** (failures - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** After the `failures`-th concurrent-modification refusal in a row. */
export function conflictDelayMs(failures: number, random: () => number): number {
  return backoffMs(failures, CONFLICT_BASE_MS, CONFLICT_MAX_MS, random);
}

/** After the `failures`-th credential failure in a row. */
export function credentialsRetryMs(failures: number, random: () => number): number {
  return backoffMs(failures, CREDENTIALS_BASE_MS, CREDENTIALS_MAX_MS, random);
}

/** A step that left more to do comes back at once, but after the queue's other keys had a turn. */
export const NEXT_STEP_MS = 50;

/** Looks at something blocked by other objects: from 5 s, growing to 5 min. */
export const BLOCKED_FIRST_RETRY_MS = 5_000;
export const BLOCKED_MAX_RETRY_MS = 5 * 60_000;

/**
 * The wait before looking again at something blocked, from how long it has been blocked: each wait
 * about as long as the time blocked so far (so the looks double apart), between 5 s and 5 min, so a
 * delete that routes block does not spend the account's shared call quota.
 */
export function blockedRetryMs(blockedForMs: number): number {
  return Math.min(BLOCKED_MAX_RETRY_MS, Math.max(BLOCKED_FIRST_RETRY_MS, Math.round(blockedForMs)));
}

/** What the shell knows when it turns a named requeue into a delay. */
export interface RequeueContext {
  now: number;
  /** The API the pass reported on, for the drift slot when the plan names none. */
  place?: Place;
  /** For `blocked`: how long it has been blocked so far. */
  blockedForMs?: number;
}

export function requeueAfter(r: Requeue, t: RequeueTiming, c: RequeueContext): Result {
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
    case 'blocked':
      return { requeueAfterMs: blockedRetryMs(c.blockedForMs ?? 0) };
    case 'drift':
      return { requeueAfterMs: driftRequeueMs(c.now, t, r.place ?? c.place) };
  }
}
