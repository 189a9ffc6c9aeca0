// Every reason the operator puts on an ApiRoute's conditions or Events: CamelCase and stable,
// because users match on them (kubectl wait, alerts, Argo CD). The shared ones mean what they mean
// for ApiIntegration; the route-only ones are marked.

/** Reasons on the Ready / Reconciling / Stalled conditions. */
export type RouteConditionReason =
  // Ready=True
  | 'Synced'
  | 'Observed'
  // in progress (Reconciling=True)
  | 'Reconciling'
  | 'Moving'
  /** Reconciling within the grace period (--not-found-grace), Stalled after it; as for ApiIntegration. */
  | 'ApiNotFound'
  | 'NotFound'
  /** Route only: the referenced ApiIntegration has no integration on this route's API yet. */
  | 'IntegrationNotReady'
  /** Route only: the referenced ApiIntegration does not exist (Stalled after the grace period). */
  | 'IntegrationNotFound'
  /** Route only: it exists but outside this operator's --label-selector (Stalled after the grace period). */
  | 'IntegrationNotSelected'
  | 'ConcurrentModification'
  | 'AwsThrottled'
  | 'AwsUnavailable'
  // stalled until the spec, the permissions or the world change
  | 'InvalidSpec'
  | 'AwsRejected'
  | 'AwsAccessDenied'
  | 'QuotaExceeded'
  /** Route only: another route already has this key on the API, and this object does not own it. */
  | 'RouteKeyTaken'
  | 'AdoptionRefused'
  | 'AdoptionFailed'
  /** Route only: the route named by spec.routeId was deleted outside the operator. */
  | 'AdoptedRouteGone'
  | 'AwsCredentials'
  | 'RoleNotAllowed'
  /** The Namespace's apigw.dev/allowed-api-ids does not list the API (as for ApiIntegration). */
  | 'ApiNotAllowed'
  // the companions of the summary condition
  | 'Reconciled'
  | 'NotStalled';

/** Reasons on Events: what happened (Normal) or went wrong (Warning). */
export type RouteEventReason =
  | 'Created'
  | 'Recreated'
  | 'Moved'
  | 'Recovered'
  | 'Adopted'
  | 'Updated'
  | 'Deleted'
  | 'DriftCorrected'
  | 'InvalidSpec'
  | 'AwsRejected'
  | 'RouteKeyTaken'
  | 'ApiNotAllowed'
  | 'ApiNotFound'
  | 'IntegrationNotFound'
  | 'IntegrationNotSelected';
