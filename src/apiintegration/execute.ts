// Carries out one plan's action against the ports: the Kubernetes writes, the one AWS mutation, the
// event the plan names and an info line per action. Nothing here chooses what happens next; the
// plan says it, and the reconciler reads it.
import type { Logger } from 'pino';
import pRetry from 'p-retry';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { FINALIZER } from '../api/v1alpha1/group.ts';
import type { Clock } from '../runtime/clock.ts';
import { AwsError, createdNothing } from '../kind/errors.ts';
import { routesTargeting, type Blocked } from './in-use.ts';
import type { Action, Notice, Plan } from './plan.ts';
import type { ApiIntegrationStore, EventRecorder, IntegrationGateway, ObservedIntegration, RouteRef } from './ports.ts';
import { pendingAnnotation, recordAnnotations } from './recorded.ts';
import { clearPendingAnnotation, clearSupersededAnnotation, located, type Place } from '../kind/record.ts';

export interface StepContext {
  store: ApiIntegrationStore;
  gateway: IntegrationGateway;
  events: EventRecorder;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  /** The role the namespace policy chose for this object, if any. */
  roleArn: string | undefined;
}

export type ReportedIntegration = { integrationId: string; observed: ObservedIntegration; location: Place };

export interface StepResult {
  /** The object after the step's writes (absent when it did not change, or has been let go). */
  obj?: ApiIntegration;
  /** What AWS answered, for status; wins over the plan's report. */
  reported?: ReportedIntegration;
  /** A delete that routes block: nothing was deleted. */
  blocked?: Blocked;
}

type Of<T extends Action['type']> = Extract<Action, { type: T }>;

export function executeStep(ctx: StepContext, obj: ApiIntegration, plan: Plan): Promise<StepResult> {
  const a = plan.action;
  switch (a.type) {
    case 'None':
      return Promise.resolve({ reported: plan.report });
    case 'AddFinalizer':
      return patch(ctx, obj, { finalizers: [...(obj.metadata.finalizers ?? []), FINALIZER] });
    case 'ClearPending':
      return patch(ctx, obj, { annotations: clearPendingAnnotation() });
    case 'RemoveFinalizer':
      ctx.log.info({ action: 'RemoveFinalizer' }, 'releasing the object');
      return letGo(ctx, obj, plan.event);
    case 'Record':
      return record(ctx, obj, a, plan.event);
    case 'Create':
      return create(ctx, obj, a, plan.event);
    case 'Update':
      return update(ctx, obj, a, plan.event);
    case 'Release':
      return release(ctx, obj, a);
    case 'Delete':
      return remove(ctx, obj, a, plan.event);
  }
}

async function patch(
  ctx: StepContext,
  obj: ApiIntegration,
  changes: { finalizers?: string[]; annotations?: Record<string, string | null> },
): Promise<StepResult> {
  return { obj: await ctx.store.patchMetadata(obj, changes, { precondition: true, signal: ctx.signal }) };
}

async function letGo(ctx: StepContext, obj: ApiIntegration, event?: Notice): Promise<StepResult> {
  const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
  await ctx.store.patchMetadata(obj, { finalizers }, { precondition: true, signal: ctx.signal });
  announce(ctx, obj, event);
  return {};
}

function announce(ctx: StepContext, obj: ApiIntegration, event: Notice | undefined): void {
  if (event) ctx.events.record(obj, event.type, event.reason, event.message);
}

async function record(
  ctx: StepContext,
  obj: ApiIntegration,
  a: Of<'Record'>,
  event: Notice | undefined,
): Promise<StepResult> {
  const annotations = recordAnnotations(a.integrationId, a.location, ctx.clock.now(), a.supersede);
  const next = await patch(ctx, obj, { annotations });
  announce(ctx, obj, event);
  if (event) ctx.log.info({ action: event.reason, integrationId: a.integrationId }, event.message);
  return next;
}

async function create(
  ctx: StepContext,
  obj: ApiIntegration,
  a: Of<'Create'>,
  event: Notice | undefined,
): Promise<StepResult> {
  // The marker goes in first, with a resourceVersion precondition: a stale cache cannot lead to a
  // second create, and a crash after CreateIntegration leaves a trail that recovery follows. A new
  // object's finalizer rides along in the same write.
  const finalizers = a.withFinalizer ? { finalizers: [...(obj.metadata.finalizers ?? []), FINALIZER] } : {};
  const marked = await ctx.store.patchMetadata(
    obj,
    { annotations: pendingAnnotation(a.location, ctx.clock.now()), ...finalizers },
    { precondition: true, signal: ctx.signal },
  );
  let made: ObservedIntegration;
  try {
    made = await ctx.gateway.createIntegration(a.location, a.fields, ctx.signal);
  } catch (err) {
    // A refusal (400/403/quota, 409 concurrent modification, 429, or our own budget) or a create
    // never sent created nothing, so the marker can go; a timeout, reset or 5xx may have created it.
    if (createdNothing(err))
      await ctx.store.patchMetadata(marked, { annotations: clearPendingAnnotation() }, { signal: ctx.signal });
    throw err;
  }
  // Recording must not give up easily: until it lands, the next pass has to recover by listing.
  const annotations = recordAnnotations(made.integrationId, a.location, ctx.clock.now(), a.supersede);
  const next = await pRetry(() => ctx.store.patchMetadata(marked, { annotations }, { signal: ctx.signal }), {
    retries: 5,
    minTimeout: 200,
    maxTimeout: 3000,
    signal: ctx.signal,
  });
  // The event names the integration, whose id only AWS's answer tells.
  if (event) {
    ctx.log.info({ action: event.reason, integrationId: made.integrationId }, event.message);
    announce(ctx, obj, { ...event, message: `${event.message} (${made.integrationId})` });
  }
  return { obj: next, reported: { integrationId: made.integrationId, observed: made, location: a.location } };
}

async function update(
  ctx: StepContext,
  obj: ApiIntegration,
  a: Of<'Update'>,
  event: Notice | undefined,
): Promise<StepResult> {
  const updated = await ctx.gateway.updateIntegration(a.location, a.integrationId, a.fields, ctx.signal);
  ctx.log.info({ action: 'Update', integrationId: a.integrationId, changed: a.changed }, 'updated integration');
  ctx.log.debug({ integrationId: a.integrationId, fields: a.changed }, 'update diff');
  announce(ctx, obj, event);
  return { obj, reported: { integrationId: a.integrationId, observed: updated, location: a.location } };
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

/** Looks at the API's routes first: while a route targets the integration, no delete is sent. */
async function remove(
  ctx: StepContext,
  obj: ApiIntegration,
  a: Of<'Delete'>,
  event: Notice | undefined,
): Promise<StepResult> {
  const loc = located(a.location, ctx.roleArn);
  const routes = (await ctx.gateway.listRoutes(loc, ctx.signal)) ?? [];
  const blocking = routesTargeting(routes, a.integrationId);
  if (blocking.length > 0) return { blocked: blocked(obj, a, blocking) };
  try {
    await ctx.gateway.deleteIntegration(loc, a.integrationId, ctx.signal);
  } catch (err) {
    // A route made after the listing: AWS names the routes; the listing may know their keys.
    if (!(err instanceof AwsError && err.kind === 'InUse')) throw err;
    const named: RouteRef[] = (err.routeIds ?? []).map(
      (id) => routes.find((r) => r.routeId === id) ?? { routeId: id, routeKey: '' },
    );
    return { blocked: blocked(obj, a, named) };
  }
  ctx.log.info({ action: 'Delete', integrationId: a.integrationId, why: a.why }, 'deleted integration');
  announce(ctx, obj, event);
  if (a.then === 'RemoveFinalizer') return letGo(ctx, obj);
  if (a.then === 'ClearSuperseded') return patch(ctx, obj, { annotations: clearSupersededAnnotation() });
  return { obj };
}

function blocked(obj: ApiIntegration, a: Of<'Delete'>, routes: RouteRef[]): Blocked {
  const s = obj.status;
  const rec =
    a.why === 'moved' && s?.integrationId && s.observed?.apiId && s.observed.region
      ? { integrationId: s.integrationId, location: { apiId: s.observed.apiId, region: s.observed.region } }
      : undefined;
  return {
    integrationId: a.integrationId,
    location: a.location,
    why: a.why,
    routes,
    ...(rec ? { current: rec } : {}),
  };
}
