// What an ApiRoute remembers about AWS, in annotations (status is not restored by backup tools):
// the route id and where it lives, a create that may have happened, and an older route still to
// delete after a move.
//
// Ownership. Integrations carry an ownership marker in their description; routes cannot: they have
// neither tags nor a description (reference §1.15), and every other free-form field (operationName)
// is the user's. So ownership is recorded on the Kubernetes side only: an ApiRoute owns the route
// its `apigw.dev/route-id` annotation names, at the place its `apigw.dev/location` names. Two facts
// make that enough:
// - A route key is unique per API, so a create cannot duplicate: a second CreateRoute with the same
//   key is refused. A create whose response was lost is found again by listing the API's routes
//   and matching the key, with no marker in AWS.
// - What was ours is told apart from what was not by the pending marker written before CreateRoute
//   (place and key): a route found by key is adopted as the result of a lost create only while
//   that marker names it, and only if no other ApiRoute records it. A key taken without a pending
//   marker belongs to someone else, and the object refuses to create over it, saying how to adopt
//   it (spec.routeId). Before a create, decide reads a fresh listing, so a key taken earlier is
//   refused without a create. When CreateRoute is refused because the key exists, the reconciler
//   keeps the marker only if an earlier create under it got no answer (the Create action says
//   `inDoubt`): that one may have landed after a timeout. Otherwise the key is someone else's and
//   the marker goes.
// What this cannot tell apart: a person creating the same key by hand in the moment between a
// create of ours that timed out and its landing. That needs a lost response and a race with a
// person at once; the route is then managed as ours, which `deletionPolicy: Retain` undoes.
// The shared part of the record (places, times, the superseded marker) is src/kind/record.ts.
import { ANNOTATION_CREATE_PENDING, ANNOTATION_LOCATION, ANNOTATION_RECORDED_AT } from '../api/v1alpha1/group.ts';
import { ANNOTATION_ROUTE_ID, type ApiRoute } from '../api/v1alpha1/route-types.ts';
import { ANNOTATION_INTEGRATION_ID, type ApiIntegration } from '../api/v1alpha1/types.ts';
import {
  ANNOTATION_SUPERSEDED,
  locationKey,
  parseLocationKey,
  recordedIdOf,
  samePlace,
  type Place,
} from '../kind/record.ts';

export interface PendingCreate {
  place: Place;
  routeKey: string;
  /** When the marker was written (epoch ms). */
  since?: number;
}

export interface RecordedRoute {
  routeId?: string;
  location?: Place;
  /** When the id was recorded (epoch ms); absent in records written by older versions. */
  recordedAt?: number;
  /** A CreateRoute was (or is about to be) sent and its result is not recorded. */
  pending?: PendingCreate;
  /** A route replaced by a newer one (after a move), to delete. */
  superseded?: { location: Place; routeId: string };
}

/** Another ApiRoute's record, from the informer cache: ownership lives on the Kubernetes side. */
export interface RouteClaim {
  region: string;
  apiId: string;
  routeId: string;
  /** `namespace/name` of the ApiRoute that records the route. */
  owner: string;
}

// `region/apiId@ms routeKey`: the key may hold spaces and slashes, so it goes last.
const PENDING = /^([^@\s]+)@(\d+) (.+)$/;

function recordedPlace(obj: ApiRoute): Pick<RecordedRoute, 'routeId' | 'location' | 'recordedAt'> {
  const rec = recordedIdOf(obj, ANNOTATION_ROUTE_ID, obj.status?.routeId);
  if (!rec) return {};
  const { id, ...where } = rec;
  return { routeId: id, ...where };
}

/** The integration an ApiIntegration records and where, as a route resolving its integrationRef reads it. */
export function recordedIntegrationOf(obj: ApiIntegration): { integrationId?: string; location?: Place } {
  const rec = recordedIdOf(obj, ANNOTATION_INTEGRATION_ID, obj.status?.integrationId);
  return rec ? { integrationId: rec.id, location: rec.location } : {};
}

function pendingOf(value: string | undefined): PendingCreate | undefined {
  const m = PENDING.exec(value ?? '');
  const place = parseLocationKey(m?.[1]);
  return m && place ? { place, routeKey: m[3]!, since: Number(m[2]) } : undefined;
}

function supersededOf(value: string | undefined): RecordedRoute['superseded'] {
  const [region, apiId, routeId, ...rest] = value?.split('/') ?? [];
  return region && apiId && routeId && rest.length === 0 ? { location: { region, apiId }, routeId } : undefined;
}

export function recordedRouteOf(obj: ApiRoute): RecordedRoute {
  const a = obj.metadata.annotations ?? {};
  const pending = pendingOf(a[ANNOTATION_CREATE_PENDING]);
  const superseded = supersededOf(a[ANNOTATION_SUPERSEDED]);
  return { ...recordedPlace(obj), ...(pending ? { pending } : {}), ...(superseded ? { superseded } : {}) };
}

/** Written before CreateRoute, so a lost response is recognised by key on the next pass. */
export const routePendingAnnotation = (place: Place, routeKey: string, now: number) => ({
  [ANNOTATION_CREATE_PENDING]: `${locationKey(place)}@${Math.floor(now)} ${routeKey}`,
});

/** Annotation changes that record `routeId` at `place`, at `now` (epoch ms), and close any pending create. */
export function recordRouteAnnotations(
  routeId: string,
  place: Place,
  now: number,
  superseded?: { location: Place; routeId: string },
): Record<string, string | null> {
  return {
    [ANNOTATION_ROUTE_ID]: routeId,
    [ANNOTATION_LOCATION]: locationKey(place),
    [ANNOTATION_RECORDED_AT]: new Date(now).toISOString(),
    [ANNOTATION_CREATE_PENDING]: null,
    ...(superseded ? { [ANNOTATION_SUPERSEDED]: `${locationKey(superseded.location)}/${superseded.routeId}` } : {}),
  };
}

/** The ApiRoute other than this one that records `routeId` at `place`, if any. */
export function ownerElsewhere(claims: readonly RouteClaim[], place: Place, routeId: string): string | undefined {
  return claims.find((c) => c.routeId === routeId && samePlace(c, place))?.owner;
}
