// The status an ApiRoute reports: Ready / Reconciling / Stalled as for ApiIntegration (kstatus),
// with the route, the integration it targets and what AWS holds. lastTransitionTime moves only when
// a condition's status flips, so a steady object's status (and resourceVersion) does not change.
import type { ApiRoute, ApiRouteStatusT, ObservedRouteT } from '../api/v1alpha1/route-types.ts';
import type { ConditionT, Protocol } from '../api/v1alpha1/types.ts';
import type { RouteOutcome } from './decide.ts';
import { integrationIdOf } from './desired.ts';
import type { ObservedRoute } from './ports.ts';
import type { RouteConditionReason } from './reasons.ts';
import type { Place } from './recorded.ts';

export { statusChanged } from '../apiintegration/status.ts';

export interface RouteStatusInput {
  outcome: RouteOutcome;
  routeId?: string;
  observed?: ObservedRoute;
  location?: Place;
  protocol?: Protocol;
  /** A reconcile request (annotation value) this pass has acted on. */
  handledRequest?: string;
}

type ConditionType = 'Ready' | 'Reconciling' | 'Stalled';

interface Said {
  type: ConditionType;
  status: 'True' | 'False';
  reason: RouteConditionReason;
  message: string;
}

/** Exactly one of Ready, Reconciling and Stalled is True. */
function conditionsFor({ kind, reason, message }: RouteOutcome): Said[] {
  const is = (k: RouteOutcome['kind']) => (kind === k ? 'True' : 'False');
  return [
    { type: 'Ready', status: is('Ready'), reason, message },
    kind === 'Progressing'
      ? { type: 'Reconciling', status: 'True', reason, message }
      : { type: 'Reconciling', status: 'False', reason: kind === 'Ready' ? 'Reconciled' : reason, message: '' },
    kind === 'Stalled'
      ? { type: 'Stalled', status: 'True', reason, message }
      : { type: 'Stalled', status: 'False', reason: 'NotStalled', message: '' },
  ];
}

function stamped(prev: ConditionT[] | undefined, c: Said, at: { generation: number; now: string }): ConditionT {
  const old = prev?.find((p) => p.type === c.type);
  return {
    ...c,
    observedGeneration: at.generation,
    lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : at.now,
  };
}

function observedBlock(input: RouteStatusInput): ObservedRouteT | undefined {
  const o = input.observed;
  if (!o) return undefined;
  return withoutUndefined({
    apiId: input.location?.apiId,
    region: input.location?.region,
    protocolType: input.protocol,
    routeKey: o.routeKey,
    target: o.target,
    // AWS's documented default; moto leaves it out.
    authorizationType: o.authorizationType ?? 'NONE',
    apiKeyRequired: o.apiKeyRequired,
    apiGatewayManaged: o.apiGatewayManaged,
  });
}

export function nextRouteStatus(obj: ApiRoute, input: RouteStatusInput, now: Date): ApiRouteStatusT {
  const prev = obj.status;
  const at = { generation: obj.metadata.generation, now: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  const conditions = conditionsFor(input.outcome).map((c) => stamped(prev?.conditions, c, at));
  // A pass that names no route (a failure, a wait) keeps what the last one reported.
  const reported = input.routeId !== undefined;
  return withoutUndefined({
    observedGeneration: at.generation,
    conditions,
    routeId: (input.routeId ?? prev?.routeId) || undefined,
    integrationId: reported ? integrationIdOf(input.observed?.target) : prev?.integrationId,
    observed: reported ? observedBlock(input) : prev?.observed,
    lastHandledReconcileAt: (input.handledRequest ?? prev?.lastHandledReconcileAt) || undefined,
  });
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
