// The status an ApiRoute reports: Ready / Reconciling / Stalled as for ApiIntegration (kstatus),
// with the route, the integration it targets and what AWS holds (the field table's observed rows).
// lastTransitionTime moves only when a condition's status flips, so a steady object's status (and
// resourceVersion) does not change.
import { OBSERVED_ROUTE_FIELDS, ROUTE_REPORTED_ONLY, routeFieldRule } from '../api/v1alpha1/route-fields.ts';
import type { ApiRoute, ApiRouteStatusT, ObservedRouteT } from '../api/v1alpha1/route-types.ts';
import { withoutUndefined } from '../api/v1alpha1/conditions.ts';
import { observedWhere, sharedStatus, type StatusBasis } from '../kind/status.ts';
import { integrationIdOf } from './desired.ts';
import type { ObservedRoute } from './ports.ts';
import type { RouteConditionReason } from './reasons.ts';

export interface RouteStatusInput extends StatusBasis<RouteConditionReason> {
  routeId?: string;
  observed?: ObservedRoute;
}

function observedBlock(input: RouteStatusInput): ObservedRouteT | undefined {
  const o = input.observed;
  if (!o) return undefined;
  const block = observedWhere(input);
  for (const f of OBSERVED_ROUTE_FIELDS) block[f] = o[f] ?? routeFieldRule(f).observedDefault;
  for (const f of ROUTE_REPORTED_ONLY) block[f] = o[f];
  return withoutUndefined(block) as ObservedRouteT;
}

export function nextRouteStatus(obj: ApiRoute, input: RouteStatusInput, now: Date): ApiRouteStatusT {
  const prev = obj.status;
  // A pass that names no route (a failure, a wait) keeps what the last one reported.
  const reported = input.routeId !== undefined;
  return withoutUndefined({
    ...sharedStatus(obj, input, now),
    routeId: (input.routeId ?? prev?.routeId) || undefined,
    integrationId: reported ? integrationIdOf(input.observed?.target) : prev?.integrationId,
    observed: reported ? observedBlock(input) : prev?.observed,
  });
}
