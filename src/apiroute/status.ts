// The status an ApiRoute reports: Ready / Reconciling / Stalled as for ApiIntegration (kstatus),
// with the route, the integration it targets and what AWS holds (the field table's observed rows).
// lastTransitionTime moves only when a condition's status flips, so a steady object's status (and
// resourceVersion) does not change.
import { OBSERVED_ROUTE_FIELDS, ROUTE_REPORTED_ONLY, routeFieldRule } from '../api/v1alpha1/route-fields.ts';
import type { ApiRoute, ApiRouteStatusT, ObservedRouteT } from '../api/v1alpha1/route-types.ts';
import { observedConditions, withoutUndefined } from '../api/v1alpha1/conditions.ts';
import { effectiveDeletionPolicy } from '../api/v1alpha1/deletion-policy.ts';
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { RouteOutcome } from './plan.ts';
import { integrationIdOf } from './desired.ts';
import type { ObservedRoute } from './ports.ts';
import type { Place } from '../kind/record.ts';

export { statusChanged } from '../api/v1alpha1/conditions.ts';

export interface RouteStatusInput {
  outcome: RouteOutcome;
  routeId?: string;
  observed?: ObservedRoute;
  location?: Place;
  protocol?: Protocol;
  /** A reconcile request (annotation value) this pass has acted on. */
  handledRequest?: string;
}

function observedBlock(input: RouteStatusInput): ObservedRouteT | undefined {
  const o = input.observed;
  if (!o) return undefined;
  const block: Record<string, unknown> = {
    apiId: input.location?.apiId,
    region: input.location?.region,
    protocolType: input.protocol,
  };
  for (const f of OBSERVED_ROUTE_FIELDS) block[f] = o[f] ?? routeFieldRule(f).observedDefault;
  for (const f of ROUTE_REPORTED_ONLY) block[f] = o[f];
  return withoutUndefined(block) as ObservedRouteT;
}

export function nextRouteStatus(obj: ApiRoute, input: RouteStatusInput, now: Date): ApiRouteStatusT {
  const prev = obj.status;
  // A pass that names no route (a failure, a wait) keeps what the last one reported.
  const reported = input.routeId !== undefined;
  return withoutUndefined({
    ...observedConditions(obj, input.outcome, now),
    routeId: (input.routeId ?? prev?.routeId) || undefined,
    integrationId: reported ? integrationIdOf(input.observed?.target) : prev?.integrationId,
    deletionPolicy: effectiveDeletionPolicy(obj.spec),
    observed: reported ? observedBlock(input) : prev?.observed,
    lastHandledReconcileAt: (input.handledRequest ?? prev?.lastHandledReconcileAt) || undefined,
  });
}
