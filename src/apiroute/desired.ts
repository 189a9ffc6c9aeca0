// What AWS should hold for an ApiRoute: the spec's route fields (the rows of the route field table,
// the CreateRoute / UpdateRoute input) with the target resolved to `integrations/<id>`. An integrationRef resolves through the
// named ApiIntegration's recorded integration, so the route follows that integration's id.
import { ROUTE_FIELD_NAMES } from '../api/v1alpha1/route-fields.ts';
import type { ApiRouteSpecT } from '../api/v1alpha1/route-types.ts';
import { samePlace, type Place } from '../kind/record.ts';
import type { RouteFields } from './ports.ts';
import type { Location } from '../kind/ports.ts';

/** What the reconciler knows of the ApiIntegration an integrationRef names, from its cache. */
export interface ReferencedIntegration {
  /** The integration the ApiIntegration records, and where; absent until it has created one. */
  integrationId?: string;
  location?: Place;
  /** The ApiIntegration is being deleted. */
  deleting?: boolean;
  /**
   * Sharding: the ApiIntegration exists but does not match this operator's --label-selector (given
   * here), so this operator's cache lacks it and never sees it change.
   */
  outsideSelector?: string;
}

export type TargetResolution =
  | { kind: 'resolved'; target: string; integrationId: string }
  /** Not yet: a person-readable reason naming the ApiIntegration. */
  | { kind: 'waiting'; message: string }
  /**
   * Not there, as far as this operator can see: perhaps on its way, perhaps a typo or a missing
   * shard label. Waited for through the grace period, then Stalled (not-found.ts).
   */
  | { kind: 'missing'; reason: 'IntegrationNotFound' | 'IntegrationNotSelected'; fact: string; fix: string };

const TARGET_PREFIX = 'integrations/';

/** The integration id in a `integrations/<id>` target. */
export const integrationIdOf = (target: string | undefined): string | undefined =>
  target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;

/**
 * The target the route should have. `ref` is undefined when the named ApiIntegration does not exist
 * in the namespace (as far as this operator can see); a route only targets an integration of its own API.
 */
export function resolveTarget(spec: ApiRouteSpecT, place: Place, ref?: ReferencedIntegration): TargetResolution {
  if (spec.target) return { kind: 'resolved', target: spec.target, integrationId: integrationIdOf(spec.target)! };
  const name = spec.integrationRef?.name ?? '';
  const waiting = (message: string): TargetResolution => ({ kind: 'waiting', message });
  if (!ref)
    return {
      kind: 'missing',
      reason: 'IntegrationNotFound',
      fact: `ApiIntegration ${name} does not exist in this namespace`,
      fix: 'fix integrationRef.name, or create the ApiIntegration',
    };
  if (ref.outsideSelector !== undefined)
    return {
      kind: 'missing',
      reason: 'IntegrationNotSelected',
      fact: `ApiIntegration ${name} exists but does not match this operator's --label-selector '${ref.outsideSelector}'`,
      fix: 'give it the same label as this route (both kinds of one path need the shard label)',
    };
  if (ref.deleting)
    return waiting(
      `ApiIntegration ${name} is being deleted; its integration stays until this route is deleted or points elsewhere`,
    );
  if (!ref.integrationId || !ref.location)
    return waiting(`ApiIntegration ${name} has no integration in AWS yet; waiting for it`);
  if (!samePlace(ref.location, place))
    return waiting(
      `ApiIntegration ${name} is on API ${ref.location.apiId} in ${ref.location.region}, but this route is on API ${place.apiId} in ${place.region}; a route can only target an integration of its own API (waiting in case it is moving)`,
    );
  return { kind: 'resolved', target: `${TARGET_PREFIX}${ref.integrationId}`, integrationId: ref.integrationId };
}

/** The CreateRoute input for the spec: every row of the field table it sets, with the resolved target. */
export function desiredRouteFields(spec: ApiRouteSpecT, target: string): RouteFields & { routeKey: string } {
  const out: Record<string, unknown> = {};
  for (const f of ROUTE_FIELD_NAMES) if (spec[f] !== undefined) out[f] = spec[f];
  return { ...(out as RouteFields), routeKey: spec.routeKey, target };
}

export function desiredRouteLocation(spec: ApiRouteSpecT, defaultRegion: string, roleArn?: string): Location {
  return { region: spec.region ?? defaultRegion, apiId: spec.apiId, ...(roleArn ? { roleArn } : {}) };
}
