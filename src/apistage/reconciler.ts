// The ApiStage kind on the generic shell (src/kind/reconciler.ts): its seam gathers what decide needs
// (the namespace's role and tenancy, the desired state, what the API's objects say should be served,
// the reads decide asks for), carries the plan's action out (execute.ts), and words its status.
import type { ApiStage, ApiStageStatusT } from '../api/v1alpha1/stage-types.ts';
import { failureOf, type FailureResponse } from '../kind/failure.ts';
import { KindReconciler, type Decision, type KindDeps, type Pass } from '../kind/reconciler.ts';
import type { Place } from '../kind/record.ts';
import { executeStageStep } from './execute.ts';
import { decideStageWithReads, desiredStageState, type ServedObjects } from './observe.ts';
import type { StagePlan } from './plan.ts';
import type { StageGateway } from './ports.ts';
import type { StageConditionReason, StageEventReason } from './reasons.ts';
import { membersAt, settlementOf } from './revision.ts';
import { nextStageStatus } from './status.ts';

export interface StageReconcilerDeps extends KindDeps<ApiStage, ApiStageStatusT, StageEventReason, StageGateway> {
  /** Another ApiStage that records the stage `stageName` at `place`, other than `self` (namespace/name). */
  claimedBy(place: Place, stageName: string, self: string): string | undefined;
  served: ServedObjects;
  /** How long churn may hold a due deployment back (--deploy-max-wait). */
  deployMaxWaitMs?: number;
}

/** How soon to look again while the caches of what stages serve are still listing. */
const CACHE_WAIT_MS = 1000;

/** What decide needs for `obj`, gathered and decided, reading AWS as decide asks. */
async function decideApiStage(d: StageReconcilerDeps, pass: Pass<never>, obj: ApiStage): Promise<Decision<StagePlan>> {
  // A half-listed cache would read as routes gone (a NothingToDeploy) or a new revision (a deployment).
  if (!d.served.synced()) return { plan: { action: { type: 'None' }, requeue: { kind: 'after', ms: CACHE_WAIT_MS } } };
  const { namespace, name } = obj.metadata;
  const roleArn = await d.policy.roleFor(namespace, obj.spec.roleArn);
  const allowedApis = await d.tenancy?.allowedApis(namespace);
  const { gateway, defaultRegion, createSettleMs, notFoundGraceMs, deployMaxWaitMs } = d;
  const reads = { gateway, defaultRegion, signal: pass.signal, roleArn, allowedApis };
  const { desired, invalid } = await desiredStageState(reads, obj);
  const place = desired?.location ?? { apiId: obj.spec.apiId, region: obj.spec.region ?? defaultRegion };
  const objects = { integrations: d.served.integrations(), routes: d.served.routes() };
  const settlement = settlementOf(membersAt(place, defaultRegion, objects));
  const claimedBy = d.claimedBy(place, obj.spec.stageName, `${namespace}/${name}`);
  const quietUntil = d.served.quietUntil?.(place);
  const input = {
    obj,
    now: d.clock.now(),
    invalid,
    desired,
    observation: {},
    settlement,
    ...(claimedBy ? { claimedBy } : {}),
    allowedApis,
    createSettleMs,
    notFoundGraceMs,
    deployMaxWaitMs,
    ...(quietUntil !== undefined ? { quietUntil } : {}),
  };
  const plan = await decideStageWithReads(reads, input);
  return { plan, protocol: desired?.protocol, roleArn };
}

const stageReasonOf = (e: { reason: string }) =>
  (e.reason === 'IntegrationInUse' ? 'AwsRejected' : e.reason) as StageConditionReason;

/** The ApiStage reconciler: the generic shell over this kind's seam. */
export class ApiStageReconciler extends KindReconciler<ApiStage, ApiStageStatusT, StagePlan, never, StageGateway> {
  constructor(deps: StageReconcilerDeps) {
    super(
      {
        kind: 'ApiStage',
        decide: (pass, obj) => decideApiStage(deps, pass, obj),
        execute: executeStageStep,
        status: nextStageStatus,
        failure: (err, obj): FailureResponse<StageConditionReason, StageEventReason> =>
          failureOf(err, { obj, reasonOf: stageReasonOf }),
      },
      deps,
    );
  }
}
