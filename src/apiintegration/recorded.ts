// What the object itself remembers about AWS, in annotations (status is not restored by backup
// tools, annotations are): the integration id and where it lives, a create that may have happened,
// and an older integration that still has to be deleted after a move or replacement.
// The shared part of the record (places, times, the superseded marker) is src/kind/record.ts.
import { ANNOTATION_INTEGRATION_ID, type ApiIntegration } from '../api/v1alpha1/types.ts';
import { ANNOTATION_CREATE_PENDING, ANNOTATION_LOCATION, ANNOTATION_RECORDED_AT } from '../api/v1alpha1/group.ts';
import { ANNOTATION_SUPERSEDED, locationKey, parseLocationKey, recordedIdOf, type Place } from '../kind/record.ts';

export interface Recorded {
  integrationId?: string;
  location?: Place;
  /** When the id was recorded (epoch ms); absent in records written by older versions. */
  recordedAt?: number;
  /** A CreateIntegration was (or is about to be) sent to this place and its result is not recorded. */
  pending?: Place;
  /** When the pending marker was written (epoch ms); absent in markers written by older versions. */
  pendingSince?: number;
  /** An integration replaced by a newer one, to delete. */
  superseded?: { location: Place; integrationId: string };
}

export function recordedOf(obj: ApiIntegration): Recorded {
  const a = obj.metadata.annotations ?? {};
  return {
    ...recordedIntegration(obj),
    ...pendingCreate(a[ANNOTATION_CREATE_PENDING]),
    ...supersededOf(a[ANNOTATION_SUPERSEDED]),
  };
}

/** The id and where it lives, from the annotations or, failing those, from status. */
function recordedIntegration(obj: ApiIntegration): Pick<Recorded, 'integrationId' | 'location' | 'recordedAt'> {
  const rec = recordedIdOf(obj, ANNOTATION_INTEGRATION_ID, obj.status?.integrationId);
  if (!rec) return {};
  const { id, ...where } = rec;
  return { integrationId: id, ...where };
}

/** `region/apiId@epochMs`; older markers carry no time. */
function pendingCreate(marker: string | undefined): Pick<Recorded, 'pending' | 'pendingSince'> {
  const [place, since] = (marker ?? '').split('@');
  const pending = parseLocationKey(place);
  if (!pending) return {};
  return since && /^\d+$/.test(since) ? { pending, pendingSince: Number(since) } : { pending };
}

/** `region/apiId/integrationId`. */
function supersededOf(marker: string | undefined): Pick<Recorded, 'superseded'> {
  const parts = marker?.split('/') ?? [];
  const [region, apiId, integrationId] = parts;
  return parts.length === 3 && region && apiId && integrationId
    ? { superseded: { location: { region, apiId }, integrationId } }
    : {};
}

/** Annotation changes that record `id` at `place`, at `now` (epoch ms), and close any pending create. */
export function recordAnnotations(
  id: string,
  place: Place,
  now: number,
  superseded?: { location: Place; integrationId: string },
): Record<string, string | null> {
  return {
    [ANNOTATION_INTEGRATION_ID]: id,
    [ANNOTATION_LOCATION]: locationKey(place),
    [ANNOTATION_RECORDED_AT]: new Date(now).toISOString(),
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
