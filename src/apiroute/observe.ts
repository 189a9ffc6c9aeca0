// Gathering what the ApiRoute core needs: the desired state (the spec validated, first on its own,
// then against the API's protocol, before any AWS write), the ApiIntegration an integrationRef
// names (from the informer cache), the other ApiRoutes' claims, and the AWS reads decide asks for.
// Deciding stays in decide.ts: this module only answers its questions.
import type { ApiRoute } from '../api/v1alpha1/route-types.ts';
import { validateRouteSpec } from '../api/v1alpha1/route-validation.ts';
import { allows, type AllowedApis } from '../api/v1alpha1/tenancy.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { formatProblems } from '../api/v1alpha1/validation.ts';
import { located, pendingRequest, samePlace, type Place } from '../kind/record.ts';
import type { DesiredRoute, RouteNeed, RouteObservation, RoutePlan } from './plan.ts';
import { desiredRouteLocation, resolveTarget, type ReferencedIntegration } from './desired.ts';
import type { RouteGateway, ShardLookup } from './ports.ts';
import { desiredRouteResponses } from './responses.ts';
import { decideRouteWithin, type ConfinedRouteInput } from './tenancy.ts';
import { recordedIntegrationOf, recordedRouteOf, type RouteClaim } from './recorded.ts';

export interface RouteReadContext {
  gateway: RouteGateway;
  signal: AbortSignal;
  /** The role the namespace policy chose for this object, if any. */
  roleArn: string | undefined;
  defaultRegion: string;
  /** An ApiIntegration from the informer cache, by `namespace/name`. */
  integration(key: string): ApiIntegration | undefined;
  /** The routes ApiRoutes record at a place (an index over the ApiRoute cache; see setup.ts). */
  claimsAt(place: Place): readonly RouteClaim[];
  /** Which APIs the namespace may touch; absent: any. */
  allowedApis?: AllowedApis;
  /** With --label-selector: whether an ApiIntegration the cache lacks exists outside the selector. */
  shard?: ShardLookup;
}

/**
 * What the reconciler knows of the ApiIntegration `obj` names; undefined when it does not exist. Only
 * when a label selector keeps it out of the cache is the API server asked (shard.ts), and then only
 * about that one object.
 */
export async function referencedIntegration(
  ctx: RouteReadContext,
  obj: ApiRoute,
): Promise<ReferencedIntegration | undefined> {
  const name = obj.spec.integrationRef?.name;
  if (!name) return undefined;
  const found = ctx.integration(`${obj.metadata.namespace}/${name}`);
  if (!found) {
    const selector = await ctx.shard?.outsideSelector(obj.metadata.namespace, name, ctx.signal);
    return selector === undefined ? undefined : { outsideSelector: selector };
  }
  const rec = recordedIntegrationOf(found);
  return {
    ...(rec.integrationId && rec.location ? { integrationId: rec.integrationId, location: rec.location } : {}),
    ...(found.metadata.deletionTimestamp ? { deleting: true } : {}),
  };
}

/** What AWS should hold, or the spec's problems; nothing for an object being deleted. */
export async function desiredRouteState(
  ctx: RouteReadContext,
  obj: ApiRoute,
): Promise<{ desired?: DesiredRoute; invalid?: string }> {
  if (obj.metadata.deletionTimestamp) return {};
  const structural = validateRouteSpec(obj.spec);
  if (!structural.ok) return { invalid: formatProblems(structural.problems) };
  // An API the namespace may not touch is not even read; tenancy.ts says why.
  if (ctx.allowedApis && !allows(ctx.allowedApis, obj.spec.apiId)) return {};
  const location = desiredRouteLocation(obj.spec, ctx.defaultRegion, ctx.roleArn);
  const protocol = await ctx.gateway.getApiProtocol(location, ctx.signal);
  if (protocol) {
    const full = validateRouteSpec(obj.spec, protocol);
    if (!full.ok) return { invalid: formatProblems(full.problems) };
  }
  const target = resolveTarget(obj.spec, location, await referencedIntegration(ctx, obj));
  const responses = desiredRouteResponses(obj.spec, protocol);
  return { desired: { location, protocol, target, ...(responses ? { responses } : {}) } };
}

/** Other ApiRoutes' claims at every place this pass may list: where the route should be, and a pending create's. */
export function claimsFor(ctx: RouteReadContext, obj: ApiRoute, desired: DesiredRoute | undefined): RouteClaim[] {
  const self = `${obj.metadata.namespace}/${obj.metadata.name}`;
  const rec = recordedRouteOf(obj);
  const places = [desired?.location, rec.pending?.place].filter((p): p is Place => p !== undefined);
  const distinct = places.filter((p, i) => places.findIndex((q) => samePlace(p, q)) === i);
  return distinct.flatMap((p) => ctx.claimsAt(p)).filter((c) => c.owner !== self);
}

/** Plans ask for at most three reads (the route, a listing to say whose a key is, the route responses). */
const MAX_READS = 4;

/** Decides, reading from AWS whatever decide asks for first. */
export async function decideRouteWithReads(ctx: RouteReadContext, input: ConfinedRouteInput): Promise<RoutePlan> {
  let plan = decideRouteWithin(input);
  for (let reads = 0; plan.need && reads < MAX_READS; reads++) {
    const observation = { ...input.observation, ...(await observe(ctx, input.obj, plan.need)) };
    input = { ...input, observation };
    plan = decideRouteWithin(input);
  }
  if (plan.need) throw new Error(`decide asked again for ${plan.need.kind} after reading it`);
  return plan;
}

async function observe(ctx: RouteReadContext, obj: ApiRoute, need: RouteNeed): Promise<RouteObservation> {
  const at = located(need.place, ctx.roleArn);
  // Whether a key is free decides whether to create: never from a shared, possibly stale listing.
  if (need.kind === 'list') return { listing: (await ctx.gateway.listRoutes(at, ctx.signal, true)) ?? null };
  if (need.kind === 'responses')
    return { responses: (await ctx.gateway.listRouteResponses(at, need.routeId, ctx.signal)) ?? null };
  // A reconcile request wants AWS as it is now, not as a shared listing saw it a moment ago.
  const fresh = pendingRequest(obj) !== undefined;
  const found = (await ctx.gateway.getRoute(at, need.routeId, ctx.signal, fresh)) ?? null;
  return need.as === 'current' ? { current: found } : { adoptee: found };
}
