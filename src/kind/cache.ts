// What the informer caches keep of every kind's object: the metadata reconcile reads (its own
// annotations only), the spec and the status. managedFields and last-applied copies are most of an
// object's size, and thousands of objects are cached.
import { ANNOTATION_RECONCILE_REQUESTED } from '../api/v1alpha1/group.ts';

interface Cached {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    generation: number;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec: unknown;
  status?: unknown;
}

/** `obj` as the cache keeps it; `labels` too when the kind reconciles on label moves. */
export function trimmedForCache<T extends Cached>(obj: T, opts: { labels?: boolean } = {}): T {
  const { name, namespace, uid, generation, resourceVersion, deletionTimestamp, finalizers, annotations, labels } =
    obj.metadata;
  const kept = annotations
    ? Object.fromEntries(Object.entries(annotations).filter(([k]) => k.startsWith('apigw.dev/')))
    : undefined;
  const metadata = {
    name,
    namespace,
    uid,
    generation,
    resourceVersion,
    deletionTimestamp,
    finalizers,
    annotations: kept,
    ...(opts.labels ? { labels } : {}),
  };
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata, spec: obj.spec, status: obj.status } as T;
}

const annotation = (o: Cached, k: string) => o.metadata.annotations?.[k];

/**
 * Whether an update is worth a pass: a new generation, the start of deletion, or a change to one of
 * the annotations a person sets to ask for a pass (`requests`); not the operator's own writes.
 */
export function specOrRequestChanged(old: Cached, cur: Cached, requests: string[] = []): boolean {
  return (
    old.metadata.generation !== cur.metadata.generation ||
    old.metadata.deletionTimestamp !== cur.metadata.deletionTimestamp ||
    [ANNOTATION_RECONCILE_REQUESTED, ...requests].some((k) => annotation(old, k) !== annotation(cur, k))
  );
}
