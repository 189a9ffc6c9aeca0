// How the ApiIntegration kind plugs into the generic runtime, kept with the feature (as
// kubebuilder's SetupWithManager is): what the informer cache keeps of each object, and which
// updates are worth a reconcile.
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { specOrRequestChanged, trimmedForCache } from '../kind/cache.ts';

/** Keeps only what reconcile needs, labels included (a label move may move an object out of a shard). */
export const trimForCache = (obj: ApiIntegration): ApiIntegration => trimmedForCache(obj, { labels: true });

/** Reconcile on spec changes, deletion, reconcile requests and label moves, not on the operator's own writes. */
export function worthReconciling(old: ApiIntegration, cur: ApiIntegration): boolean {
  return (
    specOrRequestChanged(old, cur) ||
    JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {})
  );
}
