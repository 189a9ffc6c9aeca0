// How the ApiRoute kind plugs into the generic runtime, kept with the feature (as kubebuilder's
// SetupWithManager is): which ApiRoutes an ApiIntegration's change concerns (a route follows its
// integration's id), what an ApiRoute claims for the ownership index, and which updates of either
// kind are worth a reconcile.
import { recordedPermissionBlocker } from '../api/v1alpha1/lambda-permission.ts';
import type { ApiRoute } from '../api/v1alpha1/route-types.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { specOrRequestChanged, trimmedForCache } from '../kind/cache.ts';
import { locationKey, type Place } from '../kind/record.ts';
import { recordedIntegrationOf, recordedRouteOf, type RouteClaim } from './recorded.ts';
import { objectKey } from '../runtime/cache.ts';

const placeKey = (p: Place | undefined) => (p ? locationKey(p) : '');

/** The keys of the ApiRoutes in `integration`'s namespace whose integrationRef names it. */
export function routesReferencing(integration: ApiIntegration, routes: Iterable<ApiRoute>): string[] {
  const { namespace, name } = integration.metadata;
  const keys: string[] = [];
  for (const r of routes)
    if (r.metadata.namespace === namespace && r.spec.integrationRef?.name === name) keys.push(objectKey(r));
  return keys;
}

/**
 * An ApiIntegration update concerns its routes when what they resolve through it changes: its
 * recorded integration or place, the start of its deletion, or what its function policy means for
 * their Live. (Its creation and removal always do; the informer's add and delete handlers map those
 * without asking.)
 */
export function integrationChangeConcernsRoutes(old: ApiIntegration, cur: ApiIntegration): boolean {
  const was = recordedIntegrationOf(old);
  const is = recordedIntegrationOf(cur);
  return (
    was.integrationId !== is.integrationId ||
    placeKey(was.location) !== placeKey(is.location) ||
    !old.metadata.deletionTimestamp !== !cur.metadata.deletionTimestamp ||
    blockerKey(old) !== blockerKey(cur)
  );
}

const blockerKey = (i: ApiIntegration): string => {
  const b = recordedPermissionBlocker(i);
  return b ? `${b.status}/${b.reason}/${b.message}` : '';
};

/** The routes an ApiRoute records (its route and one still to delete after a move), for the ownership index. */
export function routeClaimsOf(route: ApiRoute): RouteClaim[] {
  const rec = recordedRouteOf(route);
  const owner = objectKey(route);
  const claims: RouteClaim[] = [];
  if (rec.routeId && rec.location) claims.push({ ...rec.location, routeId: rec.routeId, owner });
  if (rec.superseded) claims.push({ ...rec.superseded.location, routeId: rec.superseded.routeId, owner });
  return claims;
}

/** The index key of a place: claims are looked up per API. */
export const claimIndexKey = (p: Place): string => placeKey(p);

/** Keeps only what reconcile needs. */
export const trimRouteForCache = (obj: ApiRoute): ApiRoute => trimmedForCache(obj);

/** Reconcile on spec changes, deletion and reconcile requests, not on the operator's own status/annotation writes. */
export const routeWorthReconciling = (old: ApiRoute, cur: ApiRoute): boolean => specOrRequestChanged(old, cur);
