// What `decideRoute` reads and what it returns: the plan of one step in the vocabulary every kind
// shares (src/kind/plan.ts), with ApiRoute's own actions, reads and observations.
import type { Outcome } from '../api/v1alpha1/conditions.ts';
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { ApiRoute } from '../api/v1alpha1/route-types.ts';
import type { Location } from '../kind/ports.ts';
import { NEXT_STEP, NO_REQUEUE, type KindPlan, type Notice, type Requeue } from '../kind/plan.ts';
import type { Place } from '../kind/record.ts';
import type { DesiredResponse, ObservedResponse, ResponseStep } from '../kind/responses.ts';
import type { TargetResolution } from './desired.ts';
import type { ObservedRoute, RouteFields } from './ports.ts';
import type { RouteConditionReason, RouteEventReason } from './reasons.ts';
import type { RouteClaim } from './recorded.ts';

export { NEXT_STEP, NO_REQUEUE, WAIT, drift, progressing, stalled } from '../kind/plan.ts';
export type { Requeue } from '../kind/plan.ts';

type Superseded = { location: Place; routeId: string };

export type RouteAction =
  | { type: 'None' }
  | { type: 'AddFinalizer' }
  | { type: 'RemoveFinalizer' }
  | { type: 'ClearPending' }
  | { type: 'Record'; routeId: string; location: Place; supersede?: Superseded }
  | {
      type: 'Create';
      location: Location;
      fields: RouteFields & { routeKey: string };
      supersede?: Superseded;
      /** Add the finalizer in the same write as the pending marker (a new object). */
      withFinalizer?: boolean;
      /**
       * An earlier CreateRoute under the pending marker got no answer. If this one is refused because
       * the key exists, keep the marker: the earlier one may have made the route, and the next
       * listing recovers it. Without this flag such a refusal means someone else holds the key, and
       * the marker is cleared.
       */
      inDoubt?: true;
    }
  | {
      type: 'Update';
      location: Location;
      routeId: string;
      /** UpdateRoute input; absent when only request parameters are removed. */
      fields?: RouteFields;
      /** DeleteRouteRequestParameter, one per key, after the update. */
      removeRequestParameters: string[];
      changed: string[];
    }
  | { type: 'Delete'; location: Place; routeId: string; then: 'RemoveFinalizer' | 'ClearSuperseded' | 'ClearPending' }
  /** One Create/Update/DeleteRouteResponse (responses.ts). */
  | { type: 'RouteResponse'; location: Location; routeId: string; step: ResponseStep };

export type RouteOutcome = Outcome<RouteConditionReason>;
export type RouteNotice = Notice<RouteEventReason>;

/** The route the status describes. */
export type ReportedRoute = { routeId: string; observed: ObservedRoute; location: Place };

/**
 * A read decide needs. A `list` is answered with a fresh GetRoutes, never the shared drift listing:
 * it says whether a key is free and whose it is, and a stale answer would send a create into
 * someone's key or recover a route that is not ours.
 */
export type RouteNeed =
  | { kind: 'list'; place: Place }
  | { kind: 'get'; place: Place; routeId: string; as: 'current' | 'adoptee' }
  /** GetRouteResponses, before deciding whether they match the spec. */
  | { kind: 'responses'; place: Place; routeId: string };

export type RoutePlan = KindPlan<RouteAction, RouteConditionReason, RouteEventReason, ReportedRoute, RouteNeed>;

export interface DesiredRoute {
  location: Location;
  /** undefined when the API does not exist. */
  protocol: Protocol | undefined;
  target: TargetResolution;
  /** The route responses AWS should hold; undefined: not managed (responses.ts). */
  responses?: DesiredResponse[];
}

/** AWS reads gathered for this pass, as decide asked for them. `undefined` = not looked; `null` = looked, absent. */
export interface RouteObservation {
  current?: ObservedRoute | null;
  adoptee?: ObservedRoute | null;
  /** Every route at the place the last `list` need named; null: the API is gone. */
  listing?: ObservedRoute[] | null;
  /** The route responses of the route in AWS (null: the route is gone). */
  responses?: ObservedResponse[] | null;
  /** Learned in this pass: AWS refused a create or update because the key exists. List before trying again. */
  keyRefused?: true;
}

export interface RouteDecideInput {
  obj: ApiRoute;
  /** Epoch ms. */
  now: number;
  /** How long a missing API or ApiIntegration is waited for before the object is Stalled (--not-found-grace). */
  notFoundGraceMs?: number;
  /** Validation problems, already formatted for a person; empty when valid. */
  invalid?: string;
  desired?: DesiredRoute;
  observation: RouteObservation;
  /** The routes other ApiRoutes record (from the informer cache), for ownership. */
  claims?: readonly RouteClaim[];
  /** How long a route recorded moments ago may still read as absent. */
  createSettleMs?: number;
}

// Builders the deciders share, so each plan reads as what it does.

/** Asks for a read; a plan never treats what it has not looked at as absent. */
export const look = (need: RouteNeed): RoutePlan => ({ action: { type: 'None' }, requeue: NO_REQUEUE, need });

/** Nothing to do in AWS; only a status to report (or nothing at all). */
export const report = (outcome: RouteOutcome | undefined, requeue: Requeue = NO_REQUEUE): RoutePlan => ({
  action: { type: 'None' },
  ...(outcome ? { outcome } : {}),
  requeue,
});

/** A write after which the next step is due at once: the pass decides again on the changed object. */
export const nextStep = (action: RouteAction, event?: RouteNotice): RoutePlan => ({
  action,
  ...(event ? { event } : {}),
  requeue: NEXT_STEP,
  continues: true,
});

// Ready means AWS holds what the spec says, not that traffic sees it: an ApiStage deploys it, and Live says when it is served.
export const SYNCED: RouteOutcome = {
  kind: 'Ready',
  reason: 'Synced',
  message:
    'the route in AWS matches the spec; callers see it once the stages of its API serve it (ApiStage; condition Live)',
};
