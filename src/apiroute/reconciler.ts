// The ApiRoute kind on the generic shell (src/kind/reconciler.ts): its seam gathers what decide
// needs (the namespace's role and tenancy, the desired state with the referenced ApiIntegration,
// the other ApiRoutes' claims, the reads decide asks for), carries the plan's action out
// (execute.ts), and words its status and failures. A key AWS refused in this pass is learned, and
// the next decision lists to say whose it is.
import type { Liveness } from '../api/v1alpha1/conditions.ts';
import { recordedPermissionBlocker } from '../api/v1alpha1/lambda-permission.ts';
import type { ApiRoute, ApiRouteStatusT } from '../api/v1alpha1/route-types.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import type { Place } from '../kind/record.ts';
import { KindReconciler, type Decision, type KindDeps, type Pass } from '../kind/reconciler.ts';
import { executeRouteStep, type RouteLearned } from './execute.ts';
import { routeFailureResponse } from './failure.ts';
import { claimsFor, decideRouteWithReads, desiredRouteState, type RouteReadContext } from './observe.ts';
import type { RoutePlan } from './plan.ts';
import type { RouteGateway, ShardLookup } from './ports.ts';
import type { RouteEventReason } from './reasons.ts';
import { recordedRouteOf, type RouteClaim } from './recorded.ts';
import { nextRouteStatus } from './status.ts';

export interface RouteReconcilerDeps extends KindDeps<ApiRoute, ApiRouteStatusT, RouteEventReason, RouteGateway> {
  /** An ApiIntegration from its informer cache, by `namespace/name`. */
  integration(key: string): ApiIntegration | undefined;
  /** The routes ApiRoutes record at a place, from an index over the ApiRoute cache (setup.ts). */
  claimsAt(place: Place): readonly RouteClaim[];
  /** With --label-selector: whether an ApiIntegration the cache lacks exists outside the selector. */
  shard?: ShardLookup;
}

/** What decide needs for `obj`, gathered and decided, reading AWS as decide asks. */
async function decideRoute(
  d: RouteReconcilerDeps,
  pass: Pass<RouteLearned>,
  obj: ApiRoute,
): Promise<Decision<RoutePlan>> {
  const roleArn = await d.policy.roleFor(obj.metadata.namespace, obj.spec.roleArn);
  const allowedApis = await d.tenancy?.allowedApis(obj.metadata.namespace);
  const { gateway, defaultRegion, shard, notFoundGraceMs, createSettleMs } = d;
  const reads: RouteReadContext = {
    gateway,
    defaultRegion,
    roleArn,
    signal: pass.signal,
    integration: (key) => d.integration(key),
    claimsAt: (place) => d.claimsAt(place),
    allowedApis,
    shard,
  };
  const { desired, invalid } = await desiredRouteState(reads, obj);
  const claims = claimsFor(reads, obj, desired);
  const observation = { ...pass.learned };
  const now = d.clock.now();
  const input = { obj, invalid, desired, observation, claims, allowedApis, now, createSettleMs, notFoundGraceMs };
  const plan = await decideRouteWithReads(reads, input);
  return { plan, protocol: desired?.protocol, roleArn };
}

/**
 * A caller of a route whose integration's Lambda function API Gateway may not invoke gets a 500,
 * whatever the stages serve: the route's Live says so, in its integration's words.
 */
function targetBlocker(d: RouteReconcilerDeps, obj: ApiRoute): Liveness | undefined {
  const name = obj.spec.integrationRef?.name;
  const target = name ? d.integration(`${obj.metadata.namespace}/${name}`) : undefined;
  const blocker = target ? recordedPermissionBlocker(target) : undefined;
  return blocker && { ...blocker, message: `its ApiIntegration ${name}: ${blocker.message}` };
}

/** The ApiRoute reconciler: the generic shell over this kind's seam. */
export class ApiRouteReconciler extends KindReconciler<
  ApiRoute,
  ApiRouteStatusT,
  RoutePlan,
  RouteLearned,
  RouteGateway
> {
  constructor(deps: RouteReconcilerDeps) {
    super(
      {
        kind: 'ApiRoute',
        decide: (pass, obj) => decideRoute(deps, pass, obj),
        execute: executeRouteStep,
        status: nextRouteStatus,
        failure: routeFailureResponse,
        recordedPlace: (obj) => recordedRouteOf(obj).location,
        liveBlocker: (obj) => targetBlocker(deps, obj),
      },
      deps,
    );
  }
}
