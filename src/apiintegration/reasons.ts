// The reasons an ApiIntegration reports: the shared ones (src/kind/reasons.ts) and its own.
import type { SharedConditionReason, SharedEventReason } from '../kind/reasons.ts';

/** Reasons on the Ready / Reconciling / Stalled conditions. */
export type ConditionReason =
  | SharedConditionReason
  /** A removal AWS cannot make in place: a new integration replaces the old one. */
  | 'Replacing'
  /** A create timed out and may still land: waited for before creating again. */
  | 'CreateInDoubt'
  /** Routes still target an integration the operator must delete. */
  | 'IntegrationInUse'
  | 'RemovalNotSupported'
  | 'AdoptedIntegrationGone'
  | 'CredentialsNotAllowed';

/** Reasons on Events. */
export type EventReason =
  | SharedEventReason
  | 'Replaced'
  | 'IntegrationInUse'
  | 'RemovalNotSupported'
  | 'AdoptionRefused'
  | 'CredentialsNotAllowed'
  /**
   * spec.lambdaPermission: no statement lets the API invoke the function; the operator's own was
   * added or removed; its id is taken; AWS refused to remove one, which is left to a person.
   */
  | 'LambdaPermissionMissing'
  | 'LambdaPermissionAdded'
  | 'LambdaPermissionRemoved'
  | 'LambdaPermissionConflict'
  | 'LambdaPermissionLeftInPlace';
