// Carries out one ApiRoute plan's action against the ports: the Kubernetes writes and the AWS
// mutations (with the steps every kind shares, src/kind/execute.ts), the event the plan names and
// an info line per action. Nothing here chooses what happens next; the plan says it. A create or
// update AWS refuses because the key is taken is reported back as learned, and decide, on a fresh
// listing, says whose the key is.
import type { ApiRoute } from '../api/v1alpha1/route-types.ts';
import { announce, createMarked, letGo, executorOf, patchObject, type StepContext } from '../kind/execute.ts';
import type { StepDone } from '../kind/reconciler.ts';
import { clearPendingAnnotation, clearSupersededAnnotation, located } from '../kind/record.ts';
import { RouteKeyExistsError } from './errors.ts';
import type { ReportedRoute, RouteAction, RouteNotice, RouteObservation, RoutePlan } from './plan.ts';
import type { ApiRouteStore, ObservedRoute, RouteGateway } from './ports.ts';
import type { RouteEventReason } from './reasons.ts';
import { recordRouteAnnotations, routePendingAnnotation } from './recorded.ts';
import { executeRouteResponse } from './responses.ts';

export interface RouteStepContext extends StepContext<ApiRoute, RouteEventReason> {
  store: ApiRouteStore;
  gateway: RouteGateway;
}

export type RouteLearned = Pick<RouteObservation, 'keyRefused'>;
export type RouteStepResult = StepDone<ApiRoute, ReportedRoute, RouteLearned>;

type Of<T extends RouteAction['type']> = Extract<RouteAction, { type: T }>;

/** AWS refused the key: decide again in this pass, on a fresh listing. */
const keyRefused = (): RouteStepResult => ({ learned: { keyRefused: true } });

export const executeRouteStep = executorOf<
  RouteAction,
  RouteEventReason,
  RoutePlan,
  ApiRoute,
  RouteStepContext,
  RouteStepResult
>({
  Record: record,
  Create: create,
  Update: update,
  Delete: remove,
  RouteResponse: executeRouteResponse,
});

/** Records the event, with an info line naming the route. */
function tell(ctx: RouteStepContext, obj: ApiRoute, routeId: string, event: RouteNotice | undefined): void {
  if (event) ctx.log.info({ action: event.reason, routeId }, event.message);
  announce(ctx, obj, event);
}

async function record(ctx: RouteStepContext, obj: ApiRoute, a: Of<'Record'>, { event }: RoutePlan) {
  const annotations = recordRouteAnnotations(a.routeId, a.location, ctx.clock.now(), a.supersede);
  const next = await patchObject(ctx, obj, { annotations });
  tell(ctx, obj, a.routeId, event);
  return next;
}

async function create(
  ctx: RouteStepContext,
  obj: ApiRoute,
  a: Of<'Create'>,
  { event }: RoutePlan,
): Promise<RouteStepResult> {
  // A lost answer leaves the marker, naming the place and key to recover by.
  const done = await createMarked(ctx, obj, {
    marker: routePendingAnnotation(a.location, a.fields.routeKey, ctx.clock.now()),
    withFinalizer: a.withFinalizer,
    inDoubt: a.inDoubt,
    send: () => ctx.gateway.createRoute(a.location, a.fields, ctx.signal),
    record: (made) => recordRouteAnnotations(made.routeId, a.location, ctx.clock.now(), a.supersede),
  });
  if ('refused' in done) {
    // A taken key is decided again on a fresh listing: recovered when in doubt, someone else's otherwise.
    const err = done.refused;
    if (!(err instanceof RouteKeyExistsError)) throw err;
    ctx.log.info({ action: 'Create', routeKey: err.routeKey, inDoubt: !!a.inDoubt }, 'route key already exists');
    return { obj: done.obj, ...keyRefused() };
  }
  const { made } = done;
  // The event names the route, whose id only AWS's answer tells.
  if (event) tell(ctx, obj, made.routeId, { ...event, message: `${event.message} (${made.routeId})` });
  return { obj: done.obj, reported: { routeId: made.routeId, observed: made, location: a.location } };
}

async function update(
  ctx: RouteStepContext,
  obj: ApiRoute,
  a: Of<'Update'>,
  { event }: RoutePlan,
): Promise<RouteStepResult> {
  const loc = a.location;
  let updated: ObservedRoute | undefined;
  try {
    if (a.fields) updated = await ctx.gateway.updateRoute(loc, a.routeId, a.fields, ctx.signal);
  } catch (err) {
    // Someone took the new key after the listing: the next decision says whose it is.
    if (err instanceof RouteKeyExistsError) return keyRefused();
    throw err;
  }
  // UpdateRoute cannot remove a request parameter; each removed key is a call of its own.
  for (const key of a.removeRequestParameters)
    await ctx.gateway.deleteRouteRequestParameter(loc, a.routeId, key, ctx.signal);
  ctx.log.debug({ routeId: a.routeId, fields: a.changed }, 'update diff');
  tell(ctx, obj, a.routeId, event);
  // Without an UpdateRoute, status describes the route as the plan read it.
  return updated ? { reported: { routeId: a.routeId, observed: updated, location: loc } } : {};
}

async function remove(
  ctx: RouteStepContext,
  obj: ApiRoute,
  a: Of<'Delete'>,
  { event }: RoutePlan,
): Promise<RouteStepResult> {
  await ctx.gateway.deleteRoute(located(a.location, ctx.roleArn), a.routeId, ctx.signal);
  ctx.log.info({ action: 'Delete', routeId: a.routeId, then: a.then }, 'deleted route');
  announce(ctx, obj, event);
  if (a.then === 'RemoveFinalizer') return letGo(ctx, obj);
  const cleared = a.then === 'ClearSuperseded' ? clearSupersededAnnotation() : clearPendingAnnotation();
  return patchObject(ctx, obj, { annotations: cleared });
}
