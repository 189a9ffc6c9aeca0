// What the ApiStage core reads and what it returns: a plan of one step in the vocabulary every kind
// shares (src/kind/plan.ts), with the stage's own actions, reads and report.
import type { AllowedApis } from '../api/v1alpha1/tenancy.ts';
import type { ApiStage } from '../api/v1alpha1/stage-types.ts';
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { Location } from '../kind/ports.ts';
import type { KindPlan, Notice as KindNotice } from '../kind/plan.ts';
import type { Place } from '../kind/record.ts';
import type { ObservedDeployment, ObservedStage, StageFields } from './ports.ts';
import type { StageConditionReason, StageEventReason } from './reasons.ts';
import type { Member, Settlement } from './revision.ts';

export type StageAction =
  | { type: 'None' }
  | { type: 'AddFinalizer' }
  | { type: 'RemoveFinalizer' }
  | { type: 'ClearPending' }
  | { type: 'ClearDeployPending' }
  | { type: 'Record'; location: Place; stageName: string }
  | { type: 'Create'; location: Location; stageName: string; fields: StageFields; withFinalizer?: boolean }
  | {
      type: 'Update';
      location: Location;
      stageName: string;
      fields?: StageFields;
      removeRouteSettings: string[];
      removeAccessLog: boolean;
      changed: string[];
    }
  /** CreateDeployment with the stage's name: the stage serves it at once. */
  | { type: 'Deploy'; location: Location; stageName: string; revision: string }
  /** A deployment of this revision exists (a lost answer, found by listing): the stage is pointed at it. */
  | { type: 'Point'; location: Location; stageName: string; deploymentId: string }
  | { type: 'Delete'; location: Place; stageName: string };

/** What the stage serves, as the status records it. */
export interface Served {
  deploymentId?: string;
  revision?: string;
  /** Epoch ms of the deployment the operator made or found. */
  at?: number;
  /** `Kind/namespace/name` → generation of each object the deployment holds (for their Live condition). */
  objects?: Record<string, number>;
}

/** What the status describes. */
export interface StageReport {
  location: Place;
  stage?: ObservedStage;
  served?: Served;
  waitingOn?: Member[];
  /** The apigw.dev/deploy-requested-at value this step acts on. */
  handledDeploy?: string;
}

export type StageNeed =
  | { kind: 'stage'; place: Place; stageName: string }
  | { kind: 'deployments'; place: Place }
  /** Whether AWS holds any route on the API: none can be deployed without one. */
  | { kind: 'routes'; place: Place }
  /** The deployment an autoDeploy stage serves, for whether AWS's own deployment failed. */
  | { kind: 'deployment'; place: Place; deploymentId: string };

export type StagePlan = KindPlan<StageAction, StageConditionReason, StageEventReason, StageReport, StageNeed>;
export type StageNotice = KindNotice<StageEventReason>;

export interface DesiredStage {
  location: Location;
  /** undefined when the API does not exist. */
  protocol: Protocol | undefined;
  fields: StageFields;
}

/** AWS reads gathered for this pass, as decide asked for them. `undefined` = not looked; `null` = looked, absent. */
export interface StageObservation {
  stage?: ObservedStage | null;
  /** Every deployment of the API; null: the API is gone. */
  deployments?: ObservedDeployment[] | null;
  /** Whether AWS holds any route on the API. */
  apiHasRoutes?: boolean;
  /** The deployment the stage serves; null: gone. */
  deployment?: ObservedDeployment | null;
}

export interface StageDecideInput {
  obj: ApiStage;
  /** Epoch ms. */
  now: number;
  invalid?: string;
  desired?: DesiredStage;
  observation: StageObservation;
  /** What the API's ApiIntegrations and ApiRoutes say about what should be served. */
  settlement: Settlement;
  /** Another ApiStage that records this stage (namespace/name), if any. */
  claimedBy?: string;
  allowedApis?: AllowedApis;
  /** How long after a create or a deployment it may still be absent from AWS's answers. */
  createSettleMs?: number;
  notFoundGraceMs?: number;
  /** How long churn may hold a due deployment back before the API's current state is deployed anyway. */
  deployMaxWaitMs?: number;
  /** Epoch ms until which the API counts as changing: a deployment waits for the pause. */
  quietUntil?: number;
}
