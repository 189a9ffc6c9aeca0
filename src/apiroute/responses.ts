// The route response of a two-way WebSocket route (spec.routeResponses): what the spec asks for,
// the one next Create/Update/DeleteRouteResponse once the route itself matches the spec, and
// carrying that call out. A route response lives under the route's id, so a route made again (a
// move, a recreate after an out-of-band delete) starts without one and gets it the same way; an
// out-of-band change is put back on the drift check. Left out of the spec, route responses are not
// managed: nothing is read or written.
import type { Protocol } from '../api/v1alpha1/group.ts';
import { ROUTE_RESPONSE_FIELDS } from '../api/v1alpha1/response-schema.ts';
import type { ApiRoute, ApiRouteSpecT } from '../api/v1alpha1/route-types.ts';
import { announce } from '../kind/execute.ts';
import { NEXT_STEP } from '../kind/plan.ts';
import { desiredResponses, nextResponseCall, sendResponseStep, type DesiredResponse } from '../kind/responses.ts';
import type { RouteStepContext, RouteStepResult } from './execute.ts';
import { look, type DesiredRoute, type RouteAction, type RouteDecideInput, type RoutePlan } from './plan.ts';

/** The route responses AWS should hold; undefined when the spec leaves them unmanaged or the API is not WebSocket. */
export function desiredRouteResponses(
  spec: ApiRouteSpecT,
  protocol: Protocol | undefined,
): DesiredResponse[] | undefined {
  if (protocol !== 'WEBSOCKET' || spec.routeResponses === undefined) return undefined;
  return desiredResponses(spec.routeResponses, 'routeResponseKey');
}

/**
 * Once the route matches the spec: `steady` when its responses match too, else the next response
 * call. The pass goes on after each, so a pass makes the whole list match.
 */
export function decideRouteResponses(
  input: RouteDecideInput,
  d: DesiredRoute,
  routeId: string,
  steady: RoutePlan,
): RoutePlan {
  const next = nextResponseCall({
    rows: ROUTE_RESPONSE_FIELDS,
    desired: d.responses,
    observed: input.observation.responses,
    obj: input.obj,
    noun: 'route response',
    of: `route ${routeId}`,
  });
  if (!next) return steady;
  if (next === 'look') return look({ kind: 'responses', place: d.location, routeId });
  return {
    action: { type: 'RouteResponse', location: d.location, routeId, step: next.step },
    event: next.event,
    requeue: NEXT_STEP,
    continues: true,
  };
}

/** A create or update of the route is followed at once by its responses (the pass goes on). */
export function thenResponses(plan: RoutePlan, d: DesiredRoute): RoutePlan {
  return (d.responses?.length ?? 0) > 0 ? { ...plan, continues: true } : plan;
}

/** Carries out one route response call; the plan's event says what it did. */
export async function executeRouteResponse(
  ctx: RouteStepContext,
  obj: ApiRoute,
  a: Extract<RouteAction, { type: 'RouteResponse' }>,
  { event }: RoutePlan,
): Promise<RouteStepResult> {
  const { location: loc, routeId, step } = a;
  const g = ctx.gateway;
  await sendResponseStep(step, {
    create: (r) => g.createRouteResponse(loc, routeId, r, ctx.signal),
    update: (r) => g.updateRouteResponse(loc, routeId, r, ctx.signal),
    remove: (id) => g.deleteRouteResponse(loc, routeId, id, ctx.signal),
  });
  ctx.log.info({ action: `${step.op}RouteResponse`, routeId, responseKey: step.key }, event?.message ?? '');
  announce(ctx, obj, event);
  return { obj };
}
