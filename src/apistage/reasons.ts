// The reasons an ApiStage reports: the shared ones (src/kind/reasons.ts) and its own.
import type { SharedConditionReason, SharedEventReason } from '../kind/reasons.ts';

/** Reasons on the Ready / Reconciling / Stalled conditions. */
export type StageConditionReason =
  | SharedConditionReason
  /** Ready: the stage serves a deployment of the API's settled configuration. */
  | 'Served'
  /**
   * No ApiRoute on the API is Ready and AWS refuses to deploy an API without routes: Ready while
   * nothing was deployed yet, Stalled while an earlier deployment still serves removed routes.
   */
  | 'NothingToDeploy'
  /** Objects on the API are not yet Ready for their generation: a deployment waits for them. */
  | 'AwaitingSettle'
  /** autoDeploy: AWS has not yet deployed the settled configuration. */
  | 'AwaitingAutoDeploy'
  /** autoDeploy: AWS reports its last automatic deployment failed. */
  | 'AutoDeployFailed'
  /** A deployment made moments ago may not show in the listing yet. */
  | 'DeployInDoubt'
  /** Another stage of that name exists and the spec does not adopt it (or another ApiStage manages it). */
  | 'StageNameTaken'
  /** The stage named by an adopting spec was deleted outside the operator. */
  | 'AdoptedStageGone';

/** Reasons on Events. */
export type StageEventReason =
  | SharedEventReason
  | 'Deployed'
  | 'DeployedOutOfBand'
  | 'StageNameTaken'
  | 'AdoptionRefused'
  | 'AutoDeployFailed'
  | 'NothingToDeploy';
