// The annotation record every kind keeps of its AWS object (status is not restored by backup tools,
// annotations are): the id under the kind's own annotation, where it lives, when it was recorded,
// and the markers for a create in doubt and for an older object still to delete. The kinds differ
// in the id annotation and in what their pending marker names; the places and times are shared.
import {
  ANNOTATION_CREATE_PENDING,
  ANNOTATION_LOCATION,
  ANNOTATION_RECONCILE_REQUESTED,
  ANNOTATION_RECORDED_AT,
} from '../api/v1alpha1/group.ts';
import type { Location } from './ports.ts';

export const ANNOTATION_SUPERSEDED = 'apigw.dev/superseded';

/** An API, without the account it is reached with. */
export type Place = Pick<Location, 'region' | 'apiId'>;

export function locationKey(loc: Place): string {
  return `${loc.region}/${loc.apiId}`;
}

export function parseLocationKey(value: string | undefined): Place | undefined {
  const m = value ? /^([a-z0-9-]+)\/([a-z0-9]+)$/.exec(value) : null;
  return m ? { region: m[1]!, apiId: m[2]! } : undefined;
}

export function recordedTime(value: string | undefined): { recordedAt?: number } {
  const at = value ? Date.parse(value) : NaN;
  return Number.isFinite(at) ? { recordedAt: at } : {};
}

/** What an object of any kind carries that its record is read from. */
export interface RecordHolder {
  metadata: { annotations?: Record<string, string> };
  status?: { observed?: { region?: string; apiId?: string } };
}

export interface RecordedId {
  id: string;
  location: Place;
  recordedAt?: number;
}

/**
 * The id `obj` records under `idAnnotation` and where it lives, from the annotations or, failing
 * those, from status (`statusId` and status.observed); undefined unless both are known.
 */
export function recordedIdOf(obj: RecordHolder, idAnnotation: string, statusId?: string): RecordedId | undefined {
  const a = obj.metadata.annotations ?? {};
  const id = a[idAnnotation] || statusId;
  const observed = obj.status?.observed;
  const location =
    parseLocationKey(a[ANNOTATION_LOCATION]) ??
    (observed?.apiId && observed.region ? { region: observed.region, apiId: observed.apiId } : undefined);
  return id && location ? { id, location, ...recordedTime(a[ANNOTATION_RECORDED_AT]) } : undefined;
}

export const clearPendingAnnotation = () => ({ [ANNOTATION_CREATE_PENDING]: null });
export const clearSupersededAnnotation = () => ({ [ANNOTATION_SUPERSEDED]: null });

export const samePlace = (a: Place | undefined, b: Place | undefined) =>
  !!a && !!b && a.region === b.region && a.apiId === b.apiId;

/** A recorded place, reached with the account the namespace's role gives. */
export const located = (p: Place, roleArn: string | undefined): Location => ({
  region: p.region,
  apiId: p.apiId,
  ...(roleArn ? { roleArn } : {}),
});

/** The reconcile request not yet acted on, if any (as Flux's reconcile.fluxcd.io/requestedAt). */
export function pendingRequest(o: {
  metadata: { annotations?: Record<string, string> };
  status?: { lastHandledReconcileAt?: string };
}): string | undefined {
  const requested = o.metadata.annotations?.[ANNOTATION_RECONCILE_REQUESTED];
  return requested && requested !== o.status?.lastHandledReconcileAt ? requested : undefined;
}
