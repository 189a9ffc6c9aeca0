// An integration that routes still target cannot be deleted: AWS answers 409 "Cannot delete
// Integration because it is referenced by the following Routes" and keeps refusing until the routes
// change, which only their owner can do. So the operator looks at the API's routes before any
// delete, sends none while routes target the integration, says which routes block it, and looks
// again on a backoff that grows to minutes (a `blocked` requeue) instead of spending the account's
// shared call quota. decide asks for the routes before every delete (plan.ts, deleteStep).
import type { DeleteWhy, Notice } from './plan.ts';
import type { RouteRef } from './ports.ts';
import type { Place } from '../kind/record.ts';
import type { Outcome } from './status.ts';

/** Routes whose target is this integration. */
export function routesTargeting(routes: RouteRef[], integrationId: string): RouteRef[] {
  return routes.filter((r) => r.target === `integrations/${integrationId}`);
}

export interface Blocked {
  integrationId: string;
  location: Place;
  why: DeleteWhy;
  routes: RouteRef[];
  /** For a move: the integration that replaced the blocked one. */
  current?: { integrationId: string; location: Place };
}

const describeRoutes = (routes: RouteRef[]) =>
  routes.map((r) => (r.routeKey ? `${r.routeId} (${r.routeKey})` : r.routeId)).join(', ');

/** What the object says while a delete waits for routes: Ready=False, still reconciling. */
export function inUseOutcome(b: Blocked): Outcome {
  const routes = describeRoutes(b.routes);
  const where = `integration ${b.integrationId} on API ${b.location.apiId}`;
  const fix = 'retarget or delete those routes and the operator finishes by itself';
  const message =
    b.why === 'moved'
      ? `replaced by integration ${b.current?.integrationId ?? '?'} on API ${b.current?.location.apiId ?? '?'}; the old ${where} cannot be deleted while routes target it: ${routes}; ${fix}`
      : b.why === 'extra'
        ? `${where} was made by an interrupted create and cannot be deleted while routes target it: ${routes}; ${fix}`
        : `cannot delete ${where} while routes target it: ${routes}; ${fix}`;
  return { kind: 'Progressing', reason: 'IntegrationInUse', message };
}

/** The status while blocked, and the Warning a person sees when which routes block it changes. */
export function inUseReport(b: Blocked): { outcome: Outcome; notice: Notice } {
  const outcome = inUseOutcome(b);
  return { outcome, notice: { type: 'Warning', reason: 'IntegrationInUse', message: outcome.message } };
}
