// What an ApiStage remembers about AWS, in annotations (status is not restored by backup tools,
// annotations are): that it owns the stage and where, a create that may have happened, and a
// deployment that may have been made. The stage's name is its identity in AWS, so the record is
// the name and the place; a stage found under a pending marker is the create's own.
import { ANNOTATION_CREATE_PENDING, ANNOTATION_LOCATION, ANNOTATION_RECORDED_AT } from '../api/v1alpha1/group.ts';
import type { ApiStage } from '../api/v1alpha1/stage-types.ts';
import { locationKey, parseLocationKey, recordedIdOf, recordedTime, type Place } from '../kind/record.ts';

export const ANNOTATION_STAGE_NAME = 'apigw.dev/stage-name';
/** `revision@epochMs`: a CreateDeployment for that revision was sent and its answer not yet recorded. */
export const ANNOTATION_DEPLOY_PENDING = 'apigw.dev/deploy-pending';

export interface RecordedStage {
  stageName?: string;
  location?: Place;
  recordedAt?: number;
  /** A CreateStage at this place may have happened. */
  pending?: Place;
  pendingSince?: number;
  /** A CreateDeployment for this revision may have happened. */
  deployPending?: { revision: string; since: number };
}

function marker(value: string | undefined): { place?: Place; since?: number } {
  const [place, since] = (value ?? '').split('@');
  return { place: parseLocationKey(place), ...(since && /^\d+$/.test(since) ? { since: Number(since) } : {}) };
}

export function recordedStageOf(obj: ApiStage): RecordedStage {
  const a = obj.metadata.annotations ?? {};
  // A stage's status names its API at the top level, not in status.observed.
  const where = { apiId: obj.status?.apiId, region: obj.status?.region };
  const rec = recordedIdOf(
    { metadata: obj.metadata, status: { observed: where } },
    ANNOTATION_STAGE_NAME,
    obj.status?.stageName,
  );
  const pending = marker(a[ANNOTATION_CREATE_PENDING]);
  const [revision, since] = (a[ANNOTATION_DEPLOY_PENDING] ?? '').split('@');
  return {
    ...(rec ? { stageName: rec.id, location: rec.location, ...recordedTime(a[ANNOTATION_RECORDED_AT]) } : {}),
    ...(pending.place ? { pending: pending.place, pendingSince: pending.since } : {}),
    ...(revision && since && /^\d+$/.test(since) ? { deployPending: { revision, since: Number(since) } } : {}),
  };
}

/** Annotation changes that record the stage at `place`, at `now` (epoch ms), and close a pending create. */
export function recordStageAnnotations(stageName: string, place: Place, now: number): Record<string, string | null> {
  return {
    [ANNOTATION_STAGE_NAME]: stageName,
    [ANNOTATION_LOCATION]: locationKey(place),
    [ANNOTATION_RECORDED_AT]: new Date(now).toISOString(),
    [ANNOTATION_CREATE_PENDING]: null,
  };
}

export const stagePendingAnnotation = (place: Place, now: number) => ({
  [ANNOTATION_CREATE_PENDING]: `${locationKey(place)}@${Math.floor(now)}`,
});

export const deployPendingAnnotation = (revision: string, now: number) => ({
  [ANNOTATION_DEPLOY_PENDING]: `${revision}@${Math.floor(now)}`,
});

/**
 * A deployment's description names the revision it holds and the stage it was made for, so a lost
 * answer is found by listing, and a stage never takes another stage's deployment for its own.
 */
export const deploymentDescription = (revision: string, stageName: string) =>
  `apigw-operator revision ${revision} for stage ${stageName}`;

/** The revision a deployment made for `stageName` holds, from its description; undefined for any other. */
export function revisionOfDescription(description: string | undefined, stageName: string): string | undefined {
  const m = /^apigw-operator revision ([0-9a-f]+) for stage (.+)$/.exec(description ?? '');
  return m && m[2] === stageName ? m[1] : undefined;
}
