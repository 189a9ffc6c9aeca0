// What the object itself remembers about AWS, in annotations (status is not restored by backup
// tools, annotations are): the integration id and where it lives, a create that may have happened,
// and an older integration that still has to be deleted after a move or replacement.
import {
  ANNOTATION_CREATE_PENDING,
  ANNOTATION_INTEGRATION_ID,
  ANNOTATION_LOCATION,
  type ApiIntegration,
} from '../api/v1alpha1/types.ts';
import { locationKey, parseLocationKey } from './desired.ts';
import type { Location } from './ports.ts';

export const ANNOTATION_SUPERSEDED = 'apigw.dev/superseded';

export type Place = Pick<Location, 'region' | 'apiId'>;

export interface Recorded {
  integrationId?: string;
  location?: Place;
  /** A CreateIntegration was (or is about to be) sent to this place and its result is not recorded. */
  pending?: Place;
  /** When the pending marker was written (epoch ms); absent in markers written by older versions. */
  pendingSince?: number;
  /** An integration replaced by a newer one, to delete. */
  superseded?: { location: Place; integrationId: string };
}

export function recordedOf(obj: ApiIntegration): Recorded {
  const a = obj.metadata.annotations ?? {};
  const out: Recorded = {};
  const id = a[ANNOTATION_INTEGRATION_ID] || obj.status?.integrationId;
  const loc =
    parseLocationKey(a[ANNOTATION_LOCATION]) ??
    (obj.status?.observed?.apiId && obj.status.observed.region
      ? { region: obj.status.observed.region, apiId: obj.status.observed.apiId }
      : undefined);
  if (id && loc) {
    out.integrationId = id;
    out.location = loc;
  }
  const [place, since] = (a[ANNOTATION_CREATE_PENDING] ?? '').split('@');
  const pending = parseLocationKey(place);
  if (pending) out.pending = pending;
  if (pending && since && /^\d+$/.test(since)) out.pendingSince = Number(since);
  const sup = a[ANNOTATION_SUPERSEDED]?.split('/');
  if (sup?.length === 3 && sup[0] && sup[1] && sup[2])
    out.superseded = { location: { region: sup[0], apiId: sup[1] }, integrationId: sup[2] };
  return out;
}

/** Annotation changes that record `id` at `place` and close any pending create. */
export function recordAnnotations(
  id: string,
  place: Place,
  superseded?: { location: Place; integrationId: string },
): Record<string, string | null> {
  return {
    [ANNOTATION_INTEGRATION_ID]: id,
    [ANNOTATION_LOCATION]: locationKey(place),
    [ANNOTATION_CREATE_PENDING]: null,
    ...(superseded
      ? { [ANNOTATION_SUPERSEDED]: `${locationKey(superseded.location)}/${superseded.integrationId}` }
      : {}),
  };
}

/** Written before CreateIntegration; the time bounds how long a create that timed out may still land. */
export const pendingAnnotation = (place: Place, now: number) => ({
  [ANNOTATION_CREATE_PENDING]: `${locationKey(place)}@${Math.floor(now)}`,
});
export const clearPendingAnnotation = () => ({ [ANNOTATION_CREATE_PENDING]: null });
export const clearSupersededAnnotation = () => ({ [ANNOTATION_SUPERSEDED]: null });

export const samePlace = (a: Place | undefined, b: Place | undefined) =>
  !!a && !!b && a.region === b.region && a.apiId === b.apiId;
