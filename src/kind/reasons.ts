// The reasons every kind shares, on conditions and on Events: CamelCase and stable, because users
// match on them (kubectl wait, alerts, Argo CD), and they mean the same on every kind. A kind adds
// its own in its reasons.ts; a reason outside a kind's union does not compile. docs/aws.md explains each.

/** Condition reasons every kind may report. */
export type SharedConditionReason =
  // Ready=True
  | 'Synced'
  | 'Observed'
  // in progress (Reconciling=True)
  | 'Reconciling'
  | 'Moving'
  /** Reconciling within the grace period (--not-found-grace), Stalled after it. */
  | 'ApiNotFound'
  | 'NotFound'
  | 'ConcurrentModification'
  | 'AwsThrottled'
  | 'AwsUnavailable'
  // stalled until the spec, the permissions or the world change
  | 'InvalidSpec'
  | 'AwsRejected'
  | 'AwsAccessDenied'
  | 'QuotaExceeded'
  | 'AdoptionRefused'
  | 'AdoptionFailed'
  | 'AwsCredentials'
  | 'RoleNotAllowed'
  /** The Namespace's apigw.dev/allowed-api-ids does not list the API. */
  | 'ApiNotAllowed'
  // the companions of the summary condition
  | 'Reconciled'
  | 'NotStalled';

/** Event reasons every kind may record: what happened (Normal) or went wrong (Warning). */
export type SharedEventReason =
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
  | 'ApiNotAllowed'
  | 'ApiNotFound';
