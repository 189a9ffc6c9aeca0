// How the ApiStage kind plugs into the generic runtime, kept with the feature: what the informer
// cache keeps, which updates are worth a pass, and which stages a change to an ApiIntegration or an
// ApiRoute concerns (every stage of the API it was or is on: a change there may be due a deployment).
import { ANNOTATION_LOCATION } from '../api/v1alpha1/group.ts';
import { ANNOTATION_DEPLOY_REQUESTED, type ApiStage } from '../api/v1alpha1/stage-types.ts';
import { specOrRequestChanged, trimmedForCache } from '../kind/cache.ts';
import { locationKey, parseLocationKey, type Place } from '../kind/record.ts';
import { recordedStageOf } from './recorded.ts';
import { objectKey } from '../runtime/cache.ts';

/** Keeps only what reconcile needs. */
export const trimStageForCache = (obj: ApiStage): ApiStage => trimmedForCache(obj);

/** Reconcile on spec changes, deletion and reconcile or deploy requests, not on the operator's own writes. */
export const stageWorthReconciling = (old: ApiStage, cur: ApiStage): boolean =>
  specOrRequestChanged(old, cur, [ANNOTATION_DEPLOY_REQUESTED]);

/** The place a stage serves: its spec's API (stages do not move). */
export const stagePlace = (s: ApiStage, defaultRegion: string): Place => ({
  apiId: s.spec.apiId,
  region: s.spec.region ?? defaultRegion,
});

/** An ApiIntegration or ApiRoute, as far as which API it is on. */
interface OnApi {
  metadata: { annotations?: Record<string, string> };
  spec: { apiId: string; region?: string };
  status?: { observed?: { apiId?: string; region?: string } };
}

/** The APIs an object is on: where its spec sends it and where it is recorded. */
export function placesOf(o: OnApi | undefined, defaultRegion: string): string[] {
  if (!o) return [];
  const keys = [locationKey({ apiId: o.spec.apiId, region: o.spec.region ?? defaultRegion })];
  const recorded = parseLocationKey(o.metadata.annotations?.[ANNOTATION_LOCATION]);
  if (recorded) keys.push(locationKey(recorded));
  const seen = o.status?.observed;
  if (seen?.apiId && seen.region) keys.push(locationKey({ apiId: seen.apiId, region: seen.region }));
  return [...new Set(keys)];
}

/** The keys of the stages on any API the changed object was or is on. */
export function stagesConcerned(
  change: { old?: OnApi; cur: OnApi },
  stages: Iterable<ApiStage>,
  defaultRegion: string,
): string[] {
  const apis = new Set([...placesOf(change.old, defaultRegion), ...placesOf(change.cur, defaultRegion)]);
  const keys: string[] = [];
  for (const s of stages) if (apis.has(locationKey(stagePlace(s, defaultRegion)))) keys.push(objectKey(s));
  return keys;
}

/** The ApiStage, other than `self`, that records the stage `stageName` at `place`. */
export function stageClaimedBy(stages: Iterable<ApiStage>, place: Place, stageName: string, self: string) {
  for (const s of stages) {
    if (objectKey(s) === self) continue;
    const rec = recordedStageOf(s);
    if (rec.stageName === stageName && rec.location && locationKey(rec.location) === locationKey(place))
      return objectKey(s);
  }
  return undefined;
}
