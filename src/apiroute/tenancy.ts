// Tenancy for ApiRoutes, as for ApiIntegrations (src/apiintegration/decide.ts): the Namespace's
// apigw.dev/allowed-api-ids lists the APIs its objects may touch. Pure, around decideRoute:
// - a live, valid object naming an API its namespace may not touch is Stalled before any AWS call,
//   reads included (observe.ts does not read it either); looked at again on the wait interval,
//   since no Namespace is watched;
// - the other APIs a plan may write to come from annotations (recorded, pending, superseded), which
//   tenants can edit, so every write is held to the same list: a live object is Stalled, a deleted
//   one is let go without the AWS call, leaving that route in place for the administrator.
import { allows, apiNotAllowedMessage, type AllowedApis } from '../api/v1alpha1/tenancy.ts';
import { decideRoute } from './decide.ts';
import { NO_REQUEUE, WAIT, type RouteAction, type RouteDecideInput, type RoutePlan } from './plan.ts';

export interface ConfinedRouteInput extends RouteDecideInput {
  /** Which APIs the namespace may touch; absent: any. */
  allowedApis?: AllowedApis;
}

function apiNotAllowed(message: string): RoutePlan {
  return {
    action: { type: 'None' },
    outcome: { kind: 'Stalled', reason: 'ApiNotAllowed', message },
    notice: { type: 'Warning', reason: 'ApiNotAllowed', message },
    requeue: WAIT,
  };
}

/** The API an action sends a write to, if any (recording an id writes only the object). */
function writtenApi(a: RouteAction): string | undefined {
  return a.type === 'Create' || a.type === 'Update' || a.type === 'Delete' ? a.location.apiId : undefined;
}

export function decideRouteWithin(input: ConfinedRouteInput): RoutePlan {
  const { obj, allowedApis } = input;
  if (!allowedApis) return decideRoute(input);
  const deleting = obj.metadata.deletionTimestamp !== undefined;
  const namespace = obj.metadata.namespace;
  if (!deleting && !input.invalid && !allows(allowedApis, obj.spec.apiId))
    return apiNotAllowed(apiNotAllowedMessage(namespace, obj.spec.apiId, allowedApis));
  const plan = decideRoute(input);
  const apiId = writtenApi(plan.action);
  if (apiId === undefined || allows(allowedApis, apiId)) return plan;
  const message = apiNotAllowedMessage(namespace, apiId, allowedApis);
  if (!deleting) return apiNotAllowed(message);
  const id = 'routeId' in plan.action ? plan.action.routeId : '';
  return {
    action: { type: 'RemoveFinalizer' },
    event: { type: 'Warning', reason: 'ApiNotAllowed', message: `left route ${id} in place: ${message}` },
    requeue: NO_REQUEUE,
  };
}
