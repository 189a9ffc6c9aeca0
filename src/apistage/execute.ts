// Carries out one ApiStage plan's action: the Kubernetes writes and the AWS calls (with the steps
// every kind shares, src/kind/execute.ts), the event the plan names and an info line per action.
// Nothing here chooses what happens next; the plan says it.
import type { ApiStage } from '../api/v1alpha1/stage-types.ts';
import { announce, createMarked, executorOf, letGo, patchObject, type StepContext as Ctx } from '../kind/execute.ts';
import type { StepDone } from '../kind/reconciler.ts';
import { located } from '../kind/record.ts';
import type { StageAction, StagePlan, StageReport } from './plan.ts';
import type { StageGateway } from './ports.ts';
import type { StageEventReason } from './reasons.ts';
import {
  ANNOTATION_DEPLOY_PENDING,
  deployPendingAnnotation,
  deploymentDescription,
  recordStageAnnotations,
  stagePendingAnnotation,
} from './recorded.ts';

export interface StageStepContext extends Ctx<ApiStage, StageEventReason> {
  gateway: StageGateway;
}

export type StageStepResult = StepDone<ApiStage, StageReport, never>;

type Of<T extends StageAction['type']> = Extract<StageAction, { type: T }>;

export const executeStageStep = executorOf<
  StageAction,
  StageEventReason,
  StagePlan,
  ApiStage,
  StageStepContext,
  StageStepResult
>({
  ClearDeployPending: clearDeployPending,
  Record: record,
  Create: create,
  Update: update,
  Deploy: deploy,
  Point: point,
  Delete: remove,
});

async function clearDeployPending(ctx: StageStepContext, obj: ApiStage): Promise<StageStepResult> {
  return patchObject(ctx, obj, { annotations: { [ANNOTATION_DEPLOY_PENDING]: null } });
}

async function record(ctx: StageStepContext, obj: ApiStage, a: Of<'Record'>, { event }: StagePlan) {
  const next = await patchObject(ctx, obj, {
    annotations: recordStageAnnotations(a.stageName, a.location, ctx.clock.now()),
  });
  if (event) ctx.log.info({ action: event.reason, stageName: a.stageName }, event.message);
  announce(ctx, obj, event);
  return next;
}

async function create(
  ctx: StageStepContext,
  obj: ApiStage,
  a: Of<'Create'>,
  { event }: StagePlan,
): Promise<StageStepResult> {
  const done = await createMarked(ctx, obj, {
    marker: stagePendingAnnotation(a.location, ctx.clock.now()),
    withFinalizer: a.withFinalizer,
    send: () => ctx.gateway.createStage(a.location, a.stageName, a.fields, ctx.signal),
    record: () => recordStageAnnotations(a.stageName, a.location, ctx.clock.now()),
  });
  if ('refused' in done) throw done.refused;
  if (event) ctx.log.info({ action: event.reason, stageName: a.stageName }, event.message);
  announce(ctx, obj, event);
  return { obj: done.obj };
}

async function update(
  ctx: StageStepContext,
  obj: ApiStage,
  a: Of<'Update'>,
  { event }: StagePlan,
): Promise<StageStepResult> {
  if (a.fields) await ctx.gateway.updateStage(a.location, a.stageName, a.fields, ctx.signal);
  // UpdateStage cannot remove a route's settings or access logging; each is a call of its own.
  for (const key of a.removeRouteSettings)
    await ctx.gateway.deleteRouteSettings(a.location, a.stageName, key, ctx.signal);
  if (a.removeAccessLog) await ctx.gateway.deleteAccessLogSettings(a.location, a.stageName, ctx.signal);
  ctx.log.info({ action: 'Update', stageName: a.stageName, changed: a.changed }, 'updated stage');
  announce(ctx, obj, event);
  return {};
}

/**
 * The marker names the revision before CreateDeployment is sent: a lost answer is then found by
 * listing (the description names the revision) instead of deploying again.
 */
async function deploy(
  ctx: StageStepContext,
  obj: ApiStage,
  a: Of<'Deploy'>,
  plan: StagePlan,
): Promise<StageStepResult> {
  const done = await createMarked(ctx, obj, {
    marker: deployPendingAnnotation(a.revision, ctx.clock.now()),
    send: () =>
      ctx.gateway.createDeployment(
        a.location,
        { stageName: a.stageName, description: deploymentDescription(a.revision, a.stageName) },
        ctx.signal,
      ),
    record: () => ({ [ANNOTATION_DEPLOY_PENDING]: null }),
  });
  if ('refused' in done) throw done.refused;
  const { deploymentId, createdDate } = done.made;
  ctx.log.info({ action: 'Deploy', stageName: a.stageName, deploymentId, revision: a.revision }, 'deployed');
  if (plan.event) announce(ctx, obj, { ...plan.event, message: `${plan.event.message} (${deploymentId})` });
  const served = { ...plan.report?.served, deploymentId, revision: a.revision, at: createdDate ?? ctx.clock.now() };
  return { obj: done.obj, reported: { ...plan.report!, served } };
}

async function point(ctx: StageStepContext, obj: ApiStage, a: Of<'Point'>, plan: StagePlan): Promise<StageStepResult> {
  await ctx.gateway.updateStage(a.location, a.stageName, { deploymentId: a.deploymentId }, ctx.signal);
  ctx.log.info(
    { action: 'Point', stageName: a.stageName, deploymentId: a.deploymentId },
    'stage pointed at a found deployment',
  );
  announce(ctx, obj, plan.event);
  const next = await patchObject(ctx, obj, { annotations: { [ANNOTATION_DEPLOY_PENDING]: null } });
  return { ...next, reported: plan.report };
}

async function remove(ctx: StageStepContext, obj: ApiStage, a: Of<'Delete'>, { event }: StagePlan) {
  await ctx.gateway.deleteStage(located(a.location, ctx.roleArn), a.stageName, ctx.signal);
  ctx.log.info({ action: 'Delete', stageName: a.stageName }, 'deleted stage');
  announce(ctx, obj, event);
  return letGo(ctx, obj);
}
