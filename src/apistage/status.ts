// The status an ApiStage reports: the kstatus conditions, the stage and its API, what it serves
// (the deployment and the revision of the API it holds), the objects holding the next deployment
// back, and the stage's settings as AWS reports them.
import { withoutUndefined, type Outcome } from '../api/v1alpha1/conditions.ts';
import type { Protocol } from '../api/v1alpha1/group.ts';
import { OBSERVED_STAGE_FIELDS, STAGE_REPORTED_ONLY } from '../api/v1alpha1/stage-fields.ts';
import type { ApiStage, ApiStageStatusT, ObservedStageT } from '../api/v1alpha1/stage-types.ts';
import type { StatusInput } from '../kind/reconciler.ts';
import { sharedStatus } from '../kind/status.ts';
import type { StageReport } from './plan.ts';
import type { ObservedStage } from './ports.ts';
import type { StageConditionReason } from './reasons.ts';
import type { Member } from './revision.ts';

export type StageOutcome = Outcome<StageConditionReason>;

/** status.waitingOn lists at most this many objects. */
const WAITING_ON_MAX = 100;

function observedBlock(stage: ObservedStage, protocol: Protocol | undefined): ObservedStageT {
  const block: Record<string, unknown> = { protocolType: protocol };
  for (const f of OBSERVED_STAGE_FIELDS) block[f] = stage[f];
  for (const f of STAGE_REPORTED_ONLY) block[f] = stage[f];
  return withoutUndefined(block) as ObservedStageT;
}

/** Why a member holds a deployment back, or why it is left out of one. */
function waitReason(m: Member): string {
  if (m.state !== 'stalled') return m.reason ?? 'Reconciling';
  return m.reason === 'IntegrationInUse' ? `Blocked: ${m.reason}` : `Stalled: ${m.reason ?? ''}`;
}

const waiting = (members: Member[]) =>
  members
    .slice(0, WAITING_ON_MAX)
    .map((m) => ({ kind: m.kind, namespace: m.namespace, name: m.name, reason: waitReason(m) }));

type Input = StatusInput<StageConditionReason, StageReport>;

/** What the stage serves: this pass's answer, field by field, else what the last one recorded. */
function servedPart(prev: ApiStageStatusT | undefined, served: StageReport['served']) {
  const now = {
    deploymentId: served?.deploymentId,
    deployedRevision: served?.revision,
    lastDeployedAt: served?.at !== undefined ? new Date(served.at).toISOString() : undefined,
    servedObjects: served?.objects,
  };
  const kept = {
    deploymentId: prev?.deploymentId,
    deployedRevision: prev?.deployedRevision,
    lastDeployedAt: prev?.lastDeployedAt,
    servedObjects: prev?.servedObjects,
  };
  const merged: Record<string, unknown> = { ...kept };
  for (const [k, v] of Object.entries(now)) if (v !== undefined) merged[k] = v;
  return merged as typeof kept;
}

/** Where the stage is and what AWS reports of it: this pass's report, else the last one's. */
function stagePart(prev: ApiStageStatusT | undefined, input: Input) {
  const { location, stage } = input;
  if (!location)
    return { apiId: prev?.apiId, region: prev?.region, stageName: prev?.stageName, observed: prev?.observed };
  return {
    apiId: location.apiId,
    region: location.region,
    stageName: stage?.stageName ?? prev?.stageName,
    observed: stage ? observedBlock(stage, input.protocol) : prev?.observed,
  };
}

function waitingPart(prev: ApiStageStatusT | undefined, members: Member[] | undefined) {
  if (!members) return prev?.waitingOn;
  return members.length > 0 ? waiting(members) : undefined;
}

export function nextStageStatus(obj: ApiStage, input: Input, now: Date): ApiStageStatusT {
  const prev = obj.status;
  return withoutUndefined({
    ...sharedStatus(obj, input, now),
    ...stagePart(prev, input),
    ...servedPart(prev, input.served),
    lastHandledDeployAt: input.handledDeploy ?? prev?.lastHandledDeployAt,
    waitingOn: waitingPart(prev, input.waitingOn),
  });
}
