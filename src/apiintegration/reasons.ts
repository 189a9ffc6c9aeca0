// Every reason the operator puts on a condition or an Event, in one place: CamelCase and stable,
// because users match on them (kubectl wait, alerts, Argo CD). A reason outside this list does
// not compile. docs/aws.md explains each one.

/** Reasons on the Ready / Reconciling / Stalled conditions. */
export type ConditionReason =
  // Ready=True
  | 'Synced'
  | 'Observed'
  // in progress (Reconciling=True)
  | 'Reconciling'
  | 'Moving'
  | 'Replacing'
  | 'CreateInDoubt'
  /** Reconciling within the grace period (--not-found-grace), Stalled after it. */
  | 'ApiNotFound'
  | 'NotFound'
  | 'IntegrationInUse'
  | 'ConcurrentModification'
  | 'AwsThrottled'
  | 'AwsUnavailable'
  // stalled until the spec, the permissions or the world change
  | 'InvalidSpec'
  | 'AwsRejected'
  | 'AwsAccessDenied'
  | 'QuotaExceeded'
  | 'RemovalNotSupported'
  | 'AdoptionRefused'
  | 'AdoptionFailed'
  | 'AdoptedIntegrationGone'
  | 'AwsCredentials'
  | 'RoleNotAllowed'
  | 'ApiNotAllowed'
  | 'CredentialsNotAllowed'
  // the companions of the summary condition
  | 'Reconciled'
  | 'NotStalled';

/** Reasons on Events: what happened (Normal) or went wrong (Warning). */
export type EventReason =
  | 'Created'
  | 'Recreated'
  | 'Moved'
  | 'Replaced'
  | 'Recovered'
  | 'Adopted'
  | 'Updated'
  | 'Deleted'
  | 'DriftCorrected'
  | 'InvalidSpec'
  | 'AwsRejected'
  | 'IntegrationInUse'
  | 'RemovalNotSupported'
  | 'AdoptionRefused'
  | 'ApiNotAllowed'
  | 'CredentialsNotAllowed'
  | 'ApiNotFound';
