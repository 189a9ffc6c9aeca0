// The ApiStage decision core: a pure function from (object, validation, what the API's objects say,
// what AWS holds) to the one next step, in the style of the other kinds and tested as a table. This
// file owns the stage itself (create, adopt, settings, delete); decide-deploy.ts what it serves.
//
// A stage's name is unique per API, so a create cannot duplicate; what needs care is telling our own
// stage (a create whose answer was lost, found under the pending marker) from someone else's: an
// existing stage is taken over only when the spec says `adopt: true`.
import { effectiveDeletionPolicy } from '../api/v1alpha1/deletion-policy.ts';
import { FINALIZER } from '../api/v1alpha1/group.ts';
import { DEFAULT_NOT_FOUND_GRACE_MS, missingMessage, missingWait } from '../api/v1alpha1/not-found.ts';
import type { ApiStage } from '../api/v1alpha1/stage-types.ts';
import { allows, apiNotAllowedMessage } from '../api/v1alpha1/tenancy.ts';
import { NEXT_STEP, NO_REQUEUE, WAIT, drift, progressing, stalled } from '../kind/plan.ts';
import { samePlace, type Place } from '../kind/record.ts';
import { DEFAULT_SETTLE_MS } from '../kind/requeue.ts';
import { decideServing } from './decide-deploy.ts';
import { diffStage } from './diff.ts';
import type { DesiredStage, StageDecideInput, StagePlan } from './plan.ts';
import type { ObservedStage } from './ports.ts';
import type { StageConditionReason, StageEventReason } from './reasons.ts';
import { recordedStageOf, type RecordedStage } from './recorded.ts';

const hasFinalizer = (o: ApiStage) => (o.metadata.finalizers ?? []).includes(FINALIZER);
const observeOnly = (o: ApiStage) => o.spec.managementPolicy === 'ObserveOnly';
const where = (p: Place) => `API ${p.apiId} in ${p.region}`;
const none = (): StagePlan => ({ action: { type: 'None' }, requeue: NO_REQUEUE });
const step = (action: StagePlan['action']): StagePlan => ({ action, requeue: NEXT_STEP, continues: true });
/** Stalled until the spec or AWS changes; `warn`: the Warning a person sees when the status is new. */
const halt = (reason: StageConditionReason, message: string, warn?: StageEventReason): StagePlan => ({
  action: { type: 'None' },
  outcome: stalled(reason, message),
  ...(warn ? { notice: { type: 'Warning' as const, reason: warn, message } } : {}),
  requeue: WAIT,
});

export function decideStage(input: StageDecideInput): StagePlan {
  const { obj } = input;
  const rec = recordedStageOf(obj);
  if (obj.metadata.deletionTimestamp) return decideDeletion(input, rec);
  if (input.invalid) return { ...halt('InvalidSpec', input.invalid, 'InvalidSpec'), requeue: NO_REQUEUE };
  if (input.allowedApis && !allows(input.allowedApis, obj.spec.apiId)) {
    const message = apiNotAllowedMessage(obj.metadata.namespace, obj.spec.apiId, input.allowedApis);
    return halt('ApiNotAllowed', message, 'ApiNotAllowed');
  }
  const d = input.desired;
  if (!d) throw new Error('decideStage: a valid object needs its desired state');
  if (!d.protocol) return apiMissing(input, d);
  const stage = input.observation.stage;
  if (stage === undefined) return look(d, obj.spec.stageName);
  if (observeOnly(obj)) return decideObserveOnly(input, d, stage);
  if (!hasFinalizer(obj)) return firstVisit(input, rec, d, stage);
  return decideManaged(input, rec, d, stage);
}

const look = (d: DesiredStage, stageName: string): StagePlan => ({
  action: { type: 'None' },
  requeue: NO_REQUEUE,
  need: { kind: 'stage', place: d.location, stageName },
});

function apiMissing(input: StageDecideInput, d: DesiredStage): StagePlan {
  const graceMs = input.notFoundGraceMs ?? DEFAULT_NOT_FOUND_GRACE_MS;
  const w = missingWait(input.obj, 'ApiNotFound', input.now, graceMs);
  const message = missingMessage(w, graceMs, {
    fact: `API ${d.location.apiId} does not exist in ${d.location.region}`,
    fix: 'fix apiId or region, or create the API',
  });
  const plan: StagePlan = {
    action: { type: 'None' },
    outcome: progressing('ApiNotFound', message),
    requeue: { kind: 'missing', wait: w },
  };
  return w.stalled
    ? { ...plan, outcome: stalled('ApiNotFound', message), notice: { type: 'Warning', reason: 'ApiNotFound', message } }
    : plan;
}

/** The finalizer comes first; a brand-new stage's rides along with the create's pending marker. */
function firstVisit(
  input: StageDecideInput,
  rec: RecordedStage,
  d: DesiredStage,
  stage: ObservedStage | null,
): StagePlan {
  const plan = decideManaged(input, rec, d, stage);
  if (plan.action.type === 'Create') return { ...plan, action: { ...plan.action, withFinalizer: true } };
  return plan.action.type === 'None' && !plan.need ? plan : step({ type: 'AddFinalizer' });
}

function decideManaged(
  input: StageDecideInput,
  rec: RecordedStage,
  d: DesiredStage,
  stage: ObservedStage | null,
): StagePlan {
  const { obj } = input;
  const stageName = obj.spec.stageName;
  const ours = rec.stageName === stageName && samePlace(rec.location, d.location);
  if (rec.pending) return decidePending(input, rec, d, stage);
  if (ours) return stage ? decideInSync(input, d, stage) : decideGone(input, rec, d);
  if (rec.stageName && rec.location && !samePlace(rec.location, d.location))
    return moved(rec.stageName, rec.location, d);
  return decideUnrecorded(input, d, stage);
}

/** A stage this object has not recorded: made when the name is free, taken over only with spec.adopt. */
function decideUnrecorded(input: StageDecideInput, d: DesiredStage, stage: ObservedStage | null): StagePlan {
  const { obj } = input;
  const stageName = obj.spec.stageName;
  if (input.claimedBy)
    return halt(
      'StageNameTaken',
      `stage ${stageName} on ${where(d.location)} is managed by ApiStage ${input.claimedBy}; a stage name is unique per API`,
      'StageNameTaken',
    );
  if (!stage) {
    if (obj.spec.adopt)
      return halt(
        'AdoptionFailed',
        `stage ${stageName} does not exist on ${where(d.location)}; create it, or replace this ApiStage with one without spec.adopt (adopt cannot be turned off) to let the operator create it`,
      );
    return create(d, stageName, { reason: 'Created', message: `created stage ${stageName} on ${where(d.location)}` });
  }
  if (stage.apiGatewayManaged)
    return halt(
      'AdoptionRefused',
      `stage ${stageName} was made by quick create (apiGatewayManaged) and cannot be managed`,
      'AdoptionRefused',
    );
  if (!obj.spec.adopt)
    return halt(
      'StageNameTaken',
      `stage ${stageName} already exists on ${where(d.location)} and this ApiStage did not create it; to manage it, set spec.adopt: true`,
      'StageNameTaken',
    );
  return {
    ...step({ type: 'Record', location: d.location, stageName }),
    event: { type: 'Normal', reason: 'Adopted', message: `adopted existing stage ${stageName}` },
  };
}

/**
 * The spec sends a recorded stage to another API (or region). Stages do not move: creating one there
 * would leave the recorded stage behind, unmanaged, and lose the record of it.
 */
function moved(stageName: string, recorded: Place, d: DesiredStage): StagePlan {
  const message = `this ApiStage manages stage ${stageName} on ${where(recorded)} and a stage cannot move to ${where(d.location)}; restore spec.apiId and spec.region, or create another ApiStage for the other API`;
  return halt('InvalidSpec', message, 'InvalidSpec');
}

function create(
  d: DesiredStage,
  stageName: string,
  event: { reason: 'Created' | 'Recreated'; message: string },
): StagePlan {
  return {
    action: { type: 'Create', location: d.location, stageName, fields: d.fields },
    event: { type: 'Normal', ...event },
    // Created: what it serves is decided in the same pass.
    requeue: NEXT_STEP,
    continues: true,
  };
}

/** A CreateStage whose answer was not recorded: the stage under the marker is ours; else try again. */
function decidePending(
  input: StageDecideInput,
  rec: RecordedStage,
  d: DesiredStage,
  stage: ObservedStage | null,
): StagePlan {
  const stageName = input.obj.spec.stageName;
  if (!samePlace(rec.pending, d.location)) return step({ type: 'ClearPending' });
  // Another ApiStage's stage, or a quick-create one, existed before the create, which AWS then
  // refused: not ours to take. Without the marker, the create path says whose the name is.
  if (stage && (input.claimedBy || stage.apiGatewayManaged)) return step({ type: 'ClearPending' });
  if (stage)
    return {
      ...step({ type: 'Record', location: d.location, stageName }),
      event: {
        type: 'Normal',
        reason: 'Recovered',
        message: `recovered stage ${stageName} made by an interrupted create`,
      },
    };
  const settleLeft = (rec.pendingSince ?? 0) + (input.createSettleMs ?? DEFAULT_SETTLE_MS) - input.now;
  if (settleLeft > 0) return { action: { type: 'None' }, requeue: { kind: 'after', ms: settleLeft } };
  return step({ type: 'ClearPending' });
}

function decideGone(input: StageDecideInput, rec: RecordedStage, d: DesiredStage): StagePlan {
  const stageName = input.obj.spec.stageName;
  if (input.obj.spec.adopt)
    return halt(
      'AdoptedStageGone',
      `adopted stage ${stageName} no longer exists in AWS; replace this ApiStage with one without spec.adopt (adopt cannot be turned off) to let the operator create one`,
    );
  const settleLeft = (rec.recordedAt ?? 0) + (input.createSettleMs ?? DEFAULT_SETTLE_MS) - input.now;
  if (settleLeft > 0) return { action: { type: 'None' }, requeue: { kind: 'after', ms: settleLeft } };
  return create(d, stageName, {
    reason: 'Recreated',
    message: `stage ${stageName} was deleted outside the operator; created it again`,
  });
}

function decideInSync(input: StageDecideInput, d: DesiredStage, stage: ObservedStage): StagePlan {
  const diff = diffStage(d.fields, stage);
  if (diff.changed.length === 0) return decideServing(input, d, stage);
  const stageName = input.obj.spec.stageName;
  const what = `stage ${stageName}: ${diff.changed.join(', ')}`;
  const drifted = input.obj.status?.observedGeneration === input.obj.metadata.generation;
  return {
    action: {
      type: 'Update',
      location: d.location,
      stageName,
      ...(diff.update ? { fields: diff.update } : {}),
      removeRouteSettings: diff.removeRouteSettings,
      removeAccessLog: diff.removeAccessLog,
      changed: diff.changed,
    },
    event: drifted
      ? { type: 'Warning', reason: 'DriftCorrected', message: `corrected drift in ${what}` }
      : { type: 'Normal', reason: 'Updated', message: `updated ${what}` },
    // What the stage serves is decided next, in the same pass.
    requeue: NEXT_STEP,
    continues: true,
  };
}

function decideObserveOnly(input: StageDecideInput, d: DesiredStage, stage: ObservedStage | null): StagePlan {
  const stageName = input.obj.spec.stageName;
  if (!stage)
    return {
      action: { type: 'None' },
      outcome: progressing(
        'NotFound',
        `stage ${stageName} was not found on ${where(d.location)}; observing only, nothing will be created`,
      ),
      requeue: drift(d.location),
    };
  const diff = diffStage(d.fields, stage);
  const message =
    diff.changed.length === 0
      ? 'observed; AWS matches the spec'
      : `observed; AWS differs from the spec in: ${diff.changed.join(', ')} (ObserveOnly: not corrected)`;
  const served = { deploymentId: stage.deploymentId };
  return {
    action: { type: 'None' },
    outcome: { kind: 'Ready', reason: 'Observed', message },
    requeue: drift(d.location),
    report: { location: d.location, stage, served },
  };
}

function decideDeletion(input: StageDecideInput, rec: RecordedStage): StagePlan {
  const { obj } = input;
  if (!hasFinalizer(obj)) return none();
  if (observeOnly(obj) || effectiveDeletionPolicy(obj.spec) === 'Retain')
    return { action: { type: 'RemoveFinalizer' }, requeue: NO_REQUEUE };
  const place = rec.stageName && rec.location ? rec.location : rec.pending;
  if (!place) return { action: { type: 'RemoveFinalizer' }, requeue: NO_REQUEUE };
  const stageName = obj.spec.stageName;
  const refused = notAllowedOnDelete(input, place);
  if (refused) return refused;
  if (!rec.stageName) {
    const doubt = createdInDoubt(input, place);
    if (doubt) return doubt;
  }
  return {
    action: { type: 'Delete', location: place, stageName },
    event: { type: 'Normal', reason: 'Deleted', message: `deleted stage ${stageName}` },
    requeue: NO_REQUEUE,
  };
}

/** The record is in annotations, which tenants can edit: a delete goes only to an allowed API. */
function notAllowedOnDelete(input: StageDecideInput, place: Place): StagePlan | undefined {
  const { obj, allowedApis } = input;
  if (!allowedApis || allows(allowedApis, place.apiId)) return undefined;
  const why = apiNotAllowedMessage(obj.metadata.namespace, place.apiId, allowedApis);
  return {
    action: { type: 'RemoveFinalizer' },
    event: { type: 'Warning', reason: 'ApiNotAllowed', message: `left stage ${obj.spec.stageName} in place: ${why}` },
    requeue: NO_REQUEUE,
  };
}

/**
 * A create in doubt may have made the stage: whether it did is one read away. A stage another
 * ApiStage records, or a quick-create one, was there before (AWS refused the create): not deleted.
 * Undefined: the create made it, and it goes.
 */
function createdInDoubt(input: StageDecideInput, place: Place): StagePlan | undefined {
  const stage = input.observation.stage;
  const stageName = input.obj.spec.stageName;
  if (stage === undefined)
    return { action: { type: 'None' }, requeue: NO_REQUEUE, need: { kind: 'stage', place, stageName } };
  if (!stage || input.claimedBy || stage.apiGatewayManaged)
    return { action: { type: 'RemoveFinalizer' }, requeue: NO_REQUEUE };
  return undefined;
}
