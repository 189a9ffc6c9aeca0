// What `decide` reads and what it returns: the plan of one step in the vocabulary every kind shares
// (src/kind/plan.ts), with ApiIntegration's own actions, reads and observations.
import type { AllowedApis, AllowedCredentials } from '../api/v1alpha1/tenancy.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { IntegrationFields, ObservedIntegration, RouteRef } from './ports.ts';
import type { PermissionAction, PermissionLearned, PermissionReport, PolicyRead } from './permission-ports.ts';
import type { LambdaFunction } from './permission.ts';
import type { Location } from '../kind/ports.ts';
import { NEXT_STEP, NO_REQUEUE, type KindPlan, type Notice as KindNotice, type Requeue } from '../kind/plan.ts';
import type { Place } from '../kind/record.ts';
import type { DesiredResponse, ObservedResponse, ResponseStep } from '../kind/responses.ts';
import { inUseReport, routesTargeting, type Blocked } from './in-use.ts';
import type { ConditionReason, EventReason } from './reasons.ts';
import type { Outcome } from './status.ts';

export { NEXT_STEP, NO_REQUEUE, drift, progressing, stalled } from '../kind/plan.ts';
export type { Requeue } from '../kind/plan.ts';

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
      /** spec.lambdaPermission Check: what the policy read before the write found, for the status. */
      permission?: PermissionReport;
    }
  | {
      type: 'Update';
      location: Location;
      integrationId: string;
      fields: IntegrationFields;
      changed: string[];
      permission?: PermissionReport;
    }
  /** Hand a retained integration back: strip the ownership marker, then let the object go. */
  | { type: 'Release'; location: Place; integrationId: string; fields: IntegrationFields }
  | {
      type: 'Delete';
      location: Place;
      integrationId: string;
      then: 'RemoveFinalizer' | 'ClearSuperseded' | 'None';
      why: DeleteWhy;
    }
  /** One Create/Update/DeleteIntegrationResponse (responses.ts). */
  | { type: 'IntegrationResponse'; location: Location; integrationId: string; step: ResponseStep }
  | PermissionAction;

/**
 * Why an integration is being deleted; it shapes what the object says when routes block it.
 * `moved`: a newer integration replaces it (after an apiId/region change, or a removal AWS cannot make in place).
 */
export type DeleteWhy = 'object deleted' | 'moved' | 'extra';

export type Notice = KindNotice<EventReason>;

/** The integration the status describes. */
export type ReportedIntegration = {
  integrationId: string;
  observed: ObservedIntegration;
  location: Place;
  /** spec.lambdaPermission's finding and record; absent: as the status said before. */
  permission?: PermissionReport;
};

export type Plan = KindPlan<Action, ConditionReason, EventReason, ReportedIntegration, Need>;

export interface Desired {
  location: Location;
  fields: IntegrationFields;
  /** undefined when the API does not exist. */
  protocol: Protocol | undefined;
  /** The integration responses AWS should hold; undefined: not managed (responses.ts). */
  responses?: DesiredResponse[];
}

/** AWS reads gathered for this pass, as decide asked for them. `undefined` = not looked; `null` = looked, absent. */
export interface Observation {
  current?: ObservedIntegration | null;
  adoptee?: ObservedIntegration | null;
  /** Integrations carrying this object's ownership marker at the pending place (null: API gone). */
  claimed?: ObservedIntegration[] | null;
  /** For an adoptee marked by another object: whether that object still exists. */
  adopteeOwnerLive?: boolean;
  /** The routes of the API an integration is to be deleted from (null: API gone). */
  routes?: RouteRef[] | null;
  /** The integration responses of the integration in AWS (null: the integration is gone). */
  responses?: ObservedResponse[] | null;
  /** Learned in this pass: AWS refused the delete of `integrationId` because these routes target it. */
  inUse?: { integrationId: string; routeIds: string[] };
  /** The policy of the function the integration invokes (spec.lambdaPermission). */
  policy?: PolicyRead;
  /** Learned in this pass from a permission write. */
  permission?: PermissionLearned;
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
  /**
   * spec.lambdaPermission: present when the operator can look at Lambda permissions, with the
   * account of the object's API (its role's, else the operator's) or why it is not known.
   */
  lambda?: { apiAccount: string } | { accountUnknown: string };
  /** Whether the operator may write function policies (--manage-lambda-permissions); without, Managed reads as Check. */
  lambdaWrites?: boolean;
  /** Among the objects whose statements this one records, the uids of other ApiIntegrations that exist. */
  liveRecordOwners?: readonly string[];
}

export type Need =
  | { kind: 'list'; place: Place }
  | { kind: 'get'; place: Place; integrationId: string; as: 'current' | 'adoptee' }
  /** The API's routes, before deleting `integrationId`: no delete is sent while routes target it. */
  | { kind: 'routes'; place: Place; integrationId: string }
  /** GetIntegrationResponses, before deciding whether they match the spec. */
  | { kind: 'responses'; place: Place; integrationId: string }
  /** The policy of the function a Lambda integration invokes. */
  | { kind: 'policy'; fn: LambdaFunction };

// Builders the deciders share, so each plan reads as what it does.

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

// Ready means AWS holds what the spec says, not that traffic sees it: an ApiStage deploys it, and Live says when it is served.
export const SYNCED: Outcome = {
  kind: 'Ready',
  reason: 'Synced',
  message:
    'the integration in AWS matches the spec; callers see it once the stages of its API serve it (ApiStage; condition Live)',
};

const WHY_TEXT: Record<DeleteWhy, string> = {
  'object deleted': 'object deleted',
  moved: 'replaced by a new integration',
  extra: 'made by an interrupted create',
};

/**
 * Deletes one integration, once a look at the API's routes shows none targeting it: while routes
 * do, AWS refuses the delete, so none is sent, the object says which routes block it, and looks
 * again on a growing backoff. Clearing the superseded marker changes what decide reads, so that
 * pass goes on; an extra is deleted one per pass.
 */
export function deleteStep(
  { obs, obj }: { obs: Observation; obj: ApiIntegration },
  target: { location: Place; integrationId: string },
  then: Extract<Action, { type: 'Delete' }>['then'],
  why: DeleteWhy,
): Plan {
  const { location, integrationId } = target;
  const refused = obs.inUse?.integrationId === integrationId ? obs.inUse.routeIds : undefined;
  if (obs.routes === undefined) return look({ kind: 'routes', place: location, integrationId });
  const routes = obs.routes ?? [];
  // AWS names the routes made after the listing; the listing may know their keys.
  const blocking = refused
    ? refused.map((id) => routes.find((r) => r.routeId === id) ?? { routeId: id, routeKey: '' })
    : routesTargeting(routes, integrationId);
  if (blocking.length > 0) return blockedDelete(obj, { location, integrationId, why, routes: blocking });
  return {
    action: { type: 'Delete', location, integrationId, then, why },
    event: { type: 'Normal', reason: 'Deleted', message: `deleted integration ${integrationId} (${WHY_TEXT[why]})` },
    requeue: then === 'RemoveFinalizer' ? NO_REQUEUE : NEXT_STEP,
    ...(then === 'ClearSuperseded' ? { continues: true } : {}),
  };
}

/** Ready=False while routes block a delete; a Warning when which routes block it changes. */
function blockedDelete(obj: ApiIntegration, b: Omit<Blocked, 'current'>): Plan {
  const s = obj.status;
  const current =
    b.why === 'moved' && s?.integrationId && s.observed?.apiId && s.observed.region
      ? { integrationId: s.integrationId, location: { apiId: s.observed.apiId, region: s.observed.region } }
      : undefined;
  const { outcome, notice } = inUseReport({ ...b, ...(current ? { current } : {}) });
  return { action: { type: 'None' }, outcome, notice, requeue: { kind: 'blocked', what: b.integrationId } };
}
