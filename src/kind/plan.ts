// The one plan vocabulary every kind's `decide` speaks: the action to carry out, the event it earns,
// the status it leads to, whether the pass decides again, what to read first, and when to come back,
// by name. The generic shell (reconciler.ts) carries a plan out without deciding anything; the
// delays behind the names come from the operator's configuration (requeue.ts).
import type { Outcome } from '../api/v1alpha1/conditions.ts';
import type { MissingWait } from '../api/v1alpha1/not-found.ts';
import type { EventType } from './ports.ts';
import type { Place } from './record.ts';

/** When to reconcile again, by name. */
export type Requeue =
  | { kind: 'none' }
  /** The next drift check: the API's drift slot (the plan's place, else what the pass reported on). */
  | { kind: 'drift'; place?: Place }
  /** The action left more to do: come back at once, after the queue's other keys had a turn. */
  | { kind: 'next-step' }
  /** Waiting on something outside the object (an API being created, an ApiIntegration not ready). */
  | { kind: 'wait' }
  /** Waiting on something that may never come (a mistyped apiId): the grace period, then a backoff. */
  | { kind: 'missing'; wait: MissingWait }
  /** A wait of known length (a create in doubt settling). */
  | { kind: 'after'; ms: number }
  /**
   * Blocked by other objects only their owners can change (routes targeting an integration to
   * delete): looked at again on a backoff that grows with how long `what` has been blocked.
   */
  | { kind: 'blocked'; what: string };

/** A Kubernetes Event for a person reading `kubectl describe`. */
export interface Notice<Reason extends string> {
  type: EventType;
  reason: Reason;
  message: string;
}

/** Every kind's plan: its own actions, reads, reasons and report, in one shape. */
export interface KindPlan<Action extends { type: string }, Reason extends string, Event extends string, Report, Need> {
  action: Action;
  /** The status to report once the action has succeeded; absent for intermediate steps. */
  outcome?: Outcome<Reason>;
  /** Recorded when the action succeeds (Created, Updated, DriftCorrected, Deleted, ...). */
  event?: Notice<Event>;
  /** Recorded when the status this plan reports is new (not on every pass). */
  notice?: Notice<Event>;
  requeue: Requeue;
  /** The action changes what decide reads (the object's metadata): decide again in this pass. */
  continues?: boolean;
  /** What the status should describe when the action itself answers nothing. */
  report?: Report;
  /** Deciding needs a read first: read it, add it to the observation, decide again. */
  need?: Need;
}

export const NO_REQUEUE: Requeue = { kind: 'none' };
export const NEXT_STEP: Requeue = { kind: 'next-step' };
export const WAIT: Requeue = { kind: 'wait' };
export const drift = (place?: Place): Requeue => (place ? { kind: 'drift', place } : { kind: 'drift' });

export const progressing = <R extends string>(reason: R, message: string): Outcome<R> => ({
  kind: 'Progressing',
  reason,
  message,
});
export const stalled = <R extends string>(reason: R, message: string): Outcome<R> => ({
  kind: 'Stalled',
  reason,
  message,
});
