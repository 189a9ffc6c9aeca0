// The reasons an ApiRoute reports: the shared ones (src/kind/reasons.ts) and its own.
import type { SharedConditionReason, SharedEventReason } from '../kind/reasons.ts';

/** Reasons on the Ready / Reconciling / Stalled conditions. */
export type RouteConditionReason =
  | SharedConditionReason
  /** The referenced ApiIntegration has no integration on this route's API yet. */
  | 'IntegrationNotReady'
  /** The referenced ApiIntegration does not exist (Stalled after the grace period). */
  | 'IntegrationNotFound'
  /** It exists but outside this operator's --label-selector (Stalled after the grace period). */
  | 'IntegrationNotSelected'
  /** Another route already has this key on the API, and this object does not own it. */
  | 'RouteKeyTaken'
  /** The route named by spec.routeId was deleted outside the operator. */
  | 'AdoptedRouteGone';

/** Reasons on Events. */
export type RouteEventReason = SharedEventReason | 'RouteKeyTaken' | 'IntegrationNotFound' | 'IntegrationNotSelected';
