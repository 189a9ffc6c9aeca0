// Carries out one ApiRoute plan's action against the ports: the Kubernetes writes, the AWS
// mutations, the event the action names and an info line per action. Nothing here chooses what
// happens next, with one exception the core asks for: a create or update refused because the key
// is taken says so (`again`), and the pass decides again on a fresh listing.
import type { Logger } from 'pino';
import pRetry from 'p-retry';
import type { ApiRoute } from '../api/v1alpha1/route-types.ts';
import { FINALIZER } from '../api/v1alpha1/group.ts';
import { createdNothing } from '../kind/errors.ts';
import { clearPendingAnnotation, clearSupersededAnnotation, located, type Place } from '../kind/record.ts';
import type { Clock } from '../runtime/clock.ts';
import type { RouteAction, RoutePlan } from './decide.ts';
import { RouteKeyExistsError } from './errors.ts';
import type { ApiRouteStore, ObservedRoute, RouteEventRecorder, RouteGateway } from './ports.ts';
import type { EventType } from '../kind/ports.ts';
import type { RouteEventReason } from './reasons.ts';
import { recordRouteAnnotations, routePendingAnnotation } from './recorded.ts';

export interface RouteStepContext {
  store: ApiRouteStore;
  gateway: RouteGateway;
  events: RouteEventRecorder;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  /** The role the namespace policy chose for this object, if any. */
  roleArn: string | undefined;
}

export type ReportedRoute = { routeId: string; observed: ObservedRoute; location: Place };

export interface RouteStepResult {
  /** The object after the step's writes (absent when it did not change, or has been let go). */
  obj?: ApiRoute;
  /** What AWS answered, for status; wins over the plan's report. */
  reported?: ReportedRoute;
  /** AWS refused the key: decide again in this pass, on a fresh listing. */
  again?: true;
}

type Of<T extends RouteAction['type']> = Extract<RouteAction, { type: T }>;
type Event = { type?: EventType; reason: RouteEventReason; message: string };
type MetadataPatch = { finalizers?: string[]; annotations?: Record<string, string | null> };

export function executeRouteStep(ctx: RouteStepContext, obj: ApiRoute, plan: RoutePlan): Promise<RouteStepResult> {
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
      return letGo(ctx, obj, a.event);
    case 'Record':
      return record(ctx, obj, a);
    case 'Create':
      return create(ctx, obj, a);
    case 'Update':
      return update(ctx, obj, a, plan.report);
    case 'Delete':
      return remove(ctx, obj, a);
  }
}

async function patch(ctx: RouteStepContext, obj: ApiRoute, changes: MetadataPatch): Promise<RouteStepResult> {
  return { obj: await ctx.store.patchMetadata(obj, changes, { precondition: true, signal: ctx.signal }) };
}

async function letGo(ctx: RouteStepContext, obj: ApiRoute, event?: Event): Promise<RouteStepResult> {
  const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
  await ctx.store.patchMetadata(obj, { finalizers }, { precondition: true, signal: ctx.signal });
  if (event) ctx.events.record(obj, event.type ?? 'Normal', event.reason, event.message);
  return {};
}

function announce(ctx: RouteStepContext, obj: ApiRoute, routeId: string, event: Event | undefined): void {
  if (!event) return;
  ctx.log.info({ action: event.reason, routeId }, event.message);
  ctx.events.record(obj, event.type ?? 'Normal', event.reason, event.message);
}

async function record(ctx: RouteStepContext, obj: ApiRoute, a: Of<'Record'>): Promise<RouteStepResult> {
  const next = await patch(ctx, obj, {
    annotations: recordRouteAnnotations(a.routeId, a.location, ctx.clock.now(), a.supersede),
  });
  announce(ctx, obj, a.routeId, a.event);
  return next;
}

async function create(ctx: RouteStepContext, obj: ApiRoute, a: Of<'Create'>): Promise<RouteStepResult> {
  // The marker goes in first, with a resourceVersion precondition: a stale cache cannot lead to a
  // second create, and a lost answer leaves the key to recover by. A new object's finalizer rides along.
  const finalizers = a.withFinalizer ? { finalizers: [...(obj.metadata.finalizers ?? []), FINALIZER] } : {};
  const marked = await ctx.store.patchMetadata(
    obj,
    { annotations: routePendingAnnotation(a.location, a.fields.routeKey, ctx.clock.now()), ...finalizers },
    { precondition: true, signal: ctx.signal },
  );
  let made: ObservedRoute;
  try {
    made = await ctx.gateway.createRoute(a.location, a.fields, ctx.signal);
  } catch (err) {
    return createRefused(ctx, marked, a, err);
  }
  // Recording must not give up easily: until it lands, the next pass has to recover by key.
  const annotations = recordRouteAnnotations(made.routeId, a.location, ctx.clock.now(), a.supersede);
  const next = await pRetry(() => ctx.store.patchMetadata(marked, { annotations }, { signal: ctx.signal }), {
    retries: 5,
    minTimeout: 200,
    maxTimeout: 3000,
    signal: ctx.signal,
  });
  // The event names the route, whose id only AWS's answer tells.
  announce(ctx, obj, made.routeId, { ...a.event, message: `${a.event.message} (${made.routeId})` });
  return { obj: next, reported: { routeId: made.routeId, observed: made, location: a.location } };
}

/**
 * The marker stays while a create may have landed: after a timeout, reset or 5xx, and after any
 * answer to a create sent while an earlier one is in doubt (that one may land yet). Otherwise the
 * refusal created nothing and the marker goes. A taken key is decided again on a fresh listing:
 * recovered when in doubt, refused as someone else's otherwise.
 */
async function createRefused(
  ctx: RouteStepContext,
  marked: ApiRoute,
  a: Of<'Create'>,
  err: unknown,
): Promise<RouteStepResult> {
  const settled = createdNothing(err) && !a.inDoubt;
  const next = settled
    ? await ctx.store.patchMetadata(marked, { annotations: clearPendingAnnotation() }, { signal: ctx.signal })
    : marked;
  if (!(err instanceof RouteKeyExistsError)) throw err;
  ctx.log.info({ action: 'Create', routeKey: err.routeKey, inDoubt: !!a.inDoubt }, 'route key already exists');
  return { obj: next, again: true };
}

async function update(
  ctx: RouteStepContext,
  obj: ApiRoute,
  a: Of<'Update'>,
  report: ReportedRoute | undefined,
): Promise<RouteStepResult> {
  const loc = a.location;
  let observed = report?.observed;
  try {
    if (a.fields) observed = await ctx.gateway.updateRoute(loc, a.routeId, a.fields, ctx.signal);
  } catch (err) {
    // Someone took the new key after the listing: the next decision says whose it is.
    if (err instanceof RouteKeyExistsError) return { again: true };
    throw err;
  }
  // UpdateRoute cannot remove a request parameter; each removed key is a call of its own.
  for (const key of a.removeRequestParameters)
    await ctx.gateway.deleteRouteRequestParameter(loc, a.routeId, key, ctx.signal);
  ctx.log.debug({ routeId: a.routeId, fields: a.changed }, 'update diff');
  announce(ctx, obj, a.routeId, a.event);
  return observed ? { reported: { routeId: a.routeId, observed, location: loc } } : {};
}

async function remove(ctx: RouteStepContext, obj: ApiRoute, a: Of<'Delete'>): Promise<RouteStepResult> {
  await ctx.gateway.deleteRoute(located(a.location, ctx.roleArn), a.routeId, ctx.signal);
  ctx.log.info({ action: 'Delete', routeId: a.routeId, then: a.then }, 'deleted route');
  if (a.then === 'RemoveFinalizer') {
    ctx.events.record(obj, 'Normal', 'Deleted', `deleted route ${a.routeId}`);
    return letGo(ctx, obj);
  }
  const cleared = a.then === 'ClearSuperseded' ? clearSupersededAnnotation() : clearPendingAnnotation();
  return patch(ctx, obj, { annotations: cleared });
}
