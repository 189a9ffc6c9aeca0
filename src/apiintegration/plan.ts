// What `decide` reads and what it returns: the plan of one step, complete enough that the reconciler
// shell only carries it out. The plan names the action, the event it earns, the status it leads to,
// whether the pass decides again afterwards, and when to come back; the shell turns that name into
// a delay from its configuration (requeue.ts).
import type { MissingWait } from '../api/v1alpha1/not-found.ts';
import type { AllowedApis, AllowedCredentials } from '../api/v1alpha1/tenancy.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { IntegrationFields, ObservedIntegration } from './ports.ts';
import type { EventType, Location } from '../kind/ports.ts';
import type { Place } from '../kind/record.ts';
import type { ConditionReason, EventReason } from './reasons.ts';
import type { Outcome } from './status.ts';

export type Action =
  | { type: 'None' }
  | { type: 'AddFinalizer' }
  | { type: 'RemoveFinalizer' }
  | { type: 'ClearPending' }
  | { type: 'Record'; integrationId: string; location: Place; supersede?: { location: Place; integrationId: string } }
  | {
      type: 'Create';
      location: Location;
      fields: IntegrationFields;
      supersede?: { location: Place; integrationId: string };
      /** Add the finalizer in the same write as the pending marker (a new object). */
      withFinalizer?: boolean;
    }
  | { type: 'Update'; location: Location; integrationId: string; fields: IntegrationFields; changed: string[] }
  /** Hand a retained integration back: strip the ownership marker, then let the object go. */
  | { type: 'Release'; location: Place; integrationId: string; fields: IntegrationFields }
  | {
      type: 'Delete';
      location: Place;
      integrationId: string;
      then: 'RemoveFinalizer' | 'ClearSuperseded' | 'None';
      why: DeleteWhy;
    };

/**
 * Why an integration is being deleted; it shapes what the object says when routes block it.
 * `moved`: a newer integration replaces it (after an apiId/region change, or a removal AWS cannot make in place).
 */
export type DeleteWhy = 'object deleted' | 'moved' | 'extra';

/** A Kubernetes Event for a person reading `kubectl describe`. */
export interface Notice {
  type: EventType;
  reason: EventReason;
  message: string;
}

/** When to reconcile again, by name; the delays behind the names are the operator's configuration. */
export type Requeue =
  | { kind: 'none' }
  /** The next drift check: the API's drift slot when the place is known, else one interval with jitter. */
  | { kind: 'drift'; place?: Place }
  /** The action left more to do: come back at once. */
  | { kind: 'next-step' }
  /** Waiting on something outside the operator (an API being created): look again at the wait interval. */
  | { kind: 'wait' }
  /** Waiting on something that may never come (a mistyped apiId): the grace period, then a backoff. */
  | { kind: 'missing'; wait: MissingWait }
  /** A wait of known length (a create in doubt settling). */
  | { kind: 'after'; ms: number };

export interface Plan {
  action: Action;
  /** The status to report once the action has succeeded; absent for intermediate steps. */
  outcome?: Outcome;
  /** Recorded when the action succeeds (Created, Updated, DriftCorrected, Deleted, ...). */
  event?: Notice;
  /** Recorded when the status this plan reports is new (not on every pass). */
  notice?: Notice;
  requeue: Requeue;
  /**
   * The action changes what decide reads (the object's metadata, or AWS mid-way through an update):
   * decide again in this pass instead of reporting status.
   */
  continues?: boolean;
  /** The integration the status should describe. */
  report?: { integrationId: string; observed: ObservedIntegration; location: Place };
  /** Set when deciding needs a read from AWS first: read it, add it to the observation, decide again. */
  need?: Need;
}

export interface Desired {
  location: Location;
  fields: IntegrationFields;
  /** undefined when the API does not exist. */
  protocol: Protocol | undefined;
}

/** AWS reads gathered for this pass, as decide asked for them. `undefined` = not looked; `null` = looked, absent. */
export interface Observation {
  current?: ObservedIntegration | null;
  adoptee?: ObservedIntegration | null;
  /** Integrations carrying this object's ownership marker at the pending place (null: API gone). */
  claimed?: ObservedIntegration[] | null;
  /** For an adoptee marked by another object: whether that object still exists. */
  adopteeOwnerLive?: boolean;
}

export interface DecideInput {
  obj: ApiIntegration;
  /** Epoch ms. */
  now: number;
  /** How long after its marker a create that timed out may still land in AWS. */
  createSettleMs?: number;
  /** How long a missing API is waited for before the object is Stalled (--not-found-grace). */
  notFoundGraceMs?: number;
  /** Validation problems, already formatted for a person; empty when valid. */
  invalid?: string;
  desired?: Desired;
  observation: Observation;
  /** Which APIs the object's namespace may touch; absent: any. */
  allowedApis?: AllowedApis;
  /** Which roles the object's namespace may pass in spec.credentialsArn; absent: any. */
  allowedCredentials?: AllowedCredentials;
}

export type Need =
  { kind: 'list'; place: Place } | { kind: 'get'; place: Place; integrationId: string; as: 'current' | 'adoptee' };

// Builders the deciders share, so each plan reads as what it does.

export const NO_REQUEUE: Requeue = { kind: 'none' };
export const NEXT_STEP: Requeue = { kind: 'next-step' };
export const drift = (place?: Place): Requeue => (place ? { kind: 'drift', place } : { kind: 'drift' });

/** Asks for a read; a plan never treats what it has not looked at as absent. */
export const look = (need: Need): Plan => ({ action: { type: 'None' }, requeue: NO_REQUEUE, need });

/** Nothing to do in AWS; only a status to report (or nothing at all). */
export const report = (outcome: Outcome | undefined, requeue: Requeue): Plan => ({
  action: { type: 'None' },
  ...(outcome ? { outcome } : {}),
  requeue,
});

/** A write to the object's own metadata, after which the pass decides again. */
export const metadataStep = (type: 'AddFinalizer' | 'ClearPending'): Plan => ({
  action: { type },
  requeue: NEXT_STEP,
  continues: true,
});

export const progressing = (reason: ConditionReason, message: string): Outcome => ({
  kind: 'Progressing',
  reason,
  message,
});
export const stalled = (reason: ConditionReason, message: string): Outcome => ({ kind: 'Stalled', reason, message });

// Ready means AWS holds what the spec says, not that traffic sees it: the operator makes no deployments.
export const SYNCED: Outcome = {
  kind: 'Ready',
  reason: 'Synced',
  message:
    'the integration in AWS matches the spec (a WebSocket API, or a stage without autoDeploy, needs a deployment before traffic sees changes)',
};

const WHY_TEXT: Record<DeleteWhy, string> = {
  'object deleted': 'object deleted',
  moved: 'replaced by a new integration',
  extra: 'made by an interrupted create',
};

/**
 * Deletes one integration (after a look at the routes that may block it). Clearing the superseded
 * marker changes what decide reads, so that pass goes on; an extra is deleted one per pass.
 */
export function deleteStep(
  location: Place,
  integrationId: string,
  then: Extract<Action, { type: 'Delete' }>['then'],
  why: DeleteWhy,
): Plan {
  return {
    action: { type: 'Delete', location, integrationId, then, why },
    event: { type: 'Normal', reason: 'Deleted', message: `deleted integration ${integrationId} (${WHY_TEXT[why]})` },
    requeue: then === 'RemoveFinalizer' ? NO_REQUEUE : NEXT_STEP,
    ...(then === 'ClearSuperseded' ? { continues: true } : {}),
  };
}
