// How the ApiIntegration kind plugs into the generic runtime, kept with the feature (as
// kubebuilder's SetupWithManager is): what the informer cache keeps of each object, and which
// updates are worth a reconcile.
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { ANNOTATION_RECONCILE_REQUESTED } from '../api/v1alpha1/group.ts';

/** Keeps only what reconcile needs: managedFields and last-applied copies are most of an object's size. */
export function trimForCache(obj: ApiIntegration): ApiIntegration {
  const { name, namespace, uid, generation, resourceVersion, deletionTimestamp, finalizers, annotations, labels } =
    obj.metadata;
  const kept = annotations
    ? Object.fromEntries(Object.entries(annotations).filter(([k]) => k.startsWith('apigw.dev/')))
    : undefined;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name,
      namespace,
      uid,
      generation,
      resourceVersion,
      deletionTimestamp,
      finalizers,
      annotations: kept,
      labels,
    },
    spec: obj.spec,
    status: obj.status,
  };
}

/** Reconcile on spec changes, deletion and label moves, not on the operator's own status/annotation writes. */
export function worthReconciling(old: ApiIntegration, cur: ApiIntegration): boolean {
  return (
    old.metadata.generation !== cur.metadata.generation ||
    old.metadata.deletionTimestamp !== cur.metadata.deletionTimestamp ||
    old.metadata.annotations?.[ANNOTATION_RECONCILE_REQUESTED] !==
      cur.metadata.annotations?.[ANNOTATION_RECONCILE_REQUESTED] ||
    JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {})
  );
}
