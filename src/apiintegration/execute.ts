// Carries out one ApiIntegration plan's action against the ports: the Kubernetes writes and the one
// AWS mutation (with the steps every kind shares, src/kind/execute.ts), the event the plan names and
// an info line per action. Nothing here chooses what happens next; the plan says it. A delete AWS
// refuses because routes target the integration is reported back as learned, for decide to act on.
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { AwsError } from '../kind/errors.ts';
import { announce, createMarked, letGo, executorOf, patchObject, type StepContext as Ctx } from '../kind/execute.ts';
import type { StepDone } from '../kind/reconciler.ts';
import { clearSupersededAnnotation, located } from '../kind/record.ts';
import { addPermission, recordPermissions, removePermission } from './execute-permission.ts';
import type { LambdaPolicies } from './permission-ports.ts';
import type { Action, Observation, Plan, ReportedIntegration } from './plan.ts';
import type { ApiIntegrationStore, IntegrationGateway } from './ports.ts';
import type { EventReason } from './reasons.ts';
import { pendingAnnotation, recordAnnotations } from './recorded.ts';
import { executeIntegrationResponse } from './responses.ts';

export interface StepContext extends Ctx<ApiIntegration, EventReason> {
  store: ApiIntegrationStore;
  gateway: IntegrationGateway;
  /** Lambda function policies (spec.lambdaPermission); absent: no permission plans are made. */
  lambda?: LambdaPolicies;
}

export type { ReportedIntegration } from './plan.ts';

export type StepResult = StepDone<ApiIntegration, ReportedIntegration, Pick<Observation, 'inUse' | 'permission'>>;

type Of<T extends Action['type']> = Extract<Action, { type: T }>;

export const executeStep = executorOf<Action, EventReason, Plan, ApiIntegration, StepContext, StepResult>({
  Record: record,
  Create: create,
  Update: update,
  Release: release,
  Delete: remove,
  IntegrationResponse: executeIntegrationResponse,
  AddPermission: addPermission,
  RemovePermission: removePermission,
  RecordPermissions: recordPermissions,
});

async function record(ctx: StepContext, obj: ApiIntegration, a: Of<'Record'>, { event }: Plan): Promise<StepResult> {
  const annotations = recordAnnotations(a.integrationId, a.location, ctx.clock.now(), a.supersede);
  const next = await patchObject(ctx, obj, { annotations });
  announce(ctx, obj, event);
  if (event) ctx.log.info({ action: event.reason, integrationId: a.integrationId }, event.message);
  return next;
}

async function create(ctx: StepContext, obj: ApiIntegration, a: Of<'Create'>, { event }: Plan): Promise<StepResult> {
  const done = await createMarked(ctx, obj, {
    marker: pendingAnnotation(a.location, ctx.clock.now()),
    withFinalizer: a.withFinalizer,
    send: () => ctx.gateway.createIntegration(a.location, a.fields, ctx.signal),
    record: (made) => recordAnnotations(made.integrationId, a.location, ctx.clock.now(), a.supersede),
  });
  if ('refused' in done) throw done.refused;
  const { made } = done;
  // The event names the integration, whose id only AWS's answer tells.
  if (event) {
    ctx.log.info({ action: event.reason, integrationId: made.integrationId }, event.message);
    announce(ctx, obj, { ...event, message: `${event.message} (${made.integrationId})` });
  }
  const reported = { integrationId: made.integrationId, observed: made, location: a.location };
  return { obj: done.obj, reported: { ...reported, ...(a.permission ? { permission: a.permission } : {}) } };
}

async function update(ctx: StepContext, obj: ApiIntegration, a: Of<'Update'>, { event }: Plan): Promise<StepResult> {
  const updated = await ctx.gateway.updateIntegration(a.location, a.integrationId, a.fields, ctx.signal);
  ctx.log.info({ action: 'Update', integrationId: a.integrationId, changed: a.changed }, 'updated integration');
  ctx.log.debug({ integrationId: a.integrationId, fields: a.changed }, 'update diff');
  announce(ctx, obj, event);
  const reported = { integrationId: a.integrationId, observed: updated, location: a.location };
  return { obj, reported: { ...reported, ...(a.permission ? { permission: a.permission } : {}) } };
}

/** Strips the ownership marker from a retained integration so another object may adopt it later. */
async function release(ctx: StepContext, obj: ApiIntegration, a: Of<'Release'>): Promise<StepResult> {
  try {
    await ctx.gateway.updateIntegration(located(a.location, ctx.roleArn), a.integrationId, a.fields, ctx.signal);
    ctx.log.info({ action: 'Release', integrationId: a.integrationId }, 'retained integration released');
  } catch (err) {
    // Gone, or refused for good: the marker stays, which adoption tolerates once this object is gone.
    const settled = err instanceof AwsError && (err.terminal || err.httpStatus === 404);
    if (!settled) throw err;
    ctx.log.warn(
      { integrationId: a.integrationId, err: err.message, awsRequestId: err.requestId },
      'could not strip the ownership marker of a retained integration',
    );
  }
  return letGo(ctx, obj);
}

async function remove(ctx: StepContext, obj: ApiIntegration, a: Of<'Delete'>, { event }: Plan): Promise<StepResult> {
  try {
    await ctx.gateway.deleteIntegration(located(a.location, ctx.roleArn), a.integrationId, ctx.signal);
  } catch (err) {
    // A route made after decide's look at the routes: AWS names them, and decide says what that means.
    if (!(err instanceof AwsError && err.kind === 'InUse')) throw err;
    return { learned: { inUse: { integrationId: a.integrationId, routeIds: err.routeIds ?? [] } } };
  }
  ctx.log.info({ action: 'Delete', integrationId: a.integrationId, why: a.why }, 'deleted integration');
  announce(ctx, obj, event);
  if (a.then === 'RemoveFinalizer') return letGo(ctx, obj);
  if (a.then === 'ClearSuperseded') return patchObject(ctx, obj, { annotations: clearSupersededAnnotation() });
  return { obj };
}
