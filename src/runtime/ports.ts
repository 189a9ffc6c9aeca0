// What the generic controller runtime needs from the outside world. The Kubernetes adapter
// implements these; unit tests of the runtime use small in-memory versions.

/** A watchable object: only the metadata the runtime looks at. */
export interface ObjectLike {
  metadata?: { namespace?: string; name?: string; resourceVersion?: string; generation?: number; uid?: string };
}

export interface ListPage<T> {
  items: T[];
  resourceVersion: string;
  /** Continue token for the next page; absent on the last page. */
  continue?: string;
}

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; object: ObjectLike }
  | { type: 'ERROR'; status: { code?: number; reason?: string; message?: string } };

export interface ListWatcher<T extends ObjectLike> {
  list(opts: { limit?: number; continue?: string; signal: AbortSignal }): Promise<ListPage<T>>;
  /**
   * Streams events from `resourceVersion` until the server closes the stream (resolves), the signal
   * aborts (resolves), or the request fails (rejects; a `GoneError` when the version is too old).
   */
  watch(
    opts: { resourceVersion: string; allowWatchBookmarks: boolean; timeoutSeconds: number; signal: AbortSignal },
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<void>;
}

/** The resource version asked for is no longer available (HTTP 410 / watch ERROR 410): relist. */
export class GoneError extends Error {
  constructor(message = 'resource version too old (410 Gone)') {
    super(message);
    this.name = 'GoneError';
  }
}

/** Optimistic-concurrency failure (HTTP 409): someone else wrote first. */
export class ConflictError extends Error {
  constructor(message = 'conflict (409)') {
    super(message);
    this.name = 'ConflictError';
  }
}

export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** One coordination.k8s.io/v1 Lease. Writes carry the resourceVersion they were based on. */
export interface LeaseStore {
  get(signal?: AbortSignal): Promise<{ record: LeaseRecord; resourceVersion: string } | undefined>;
  /** Throws ConflictError if it already exists. Returns the new resourceVersion. */
  create(record: LeaseRecord, signal?: AbortSignal): Promise<string>;
  /** Throws ConflictError if `resourceVersion` is stale. Returns the new resourceVersion. */
  update(record: LeaseRecord, resourceVersion: string, signal?: AbortSignal): Promise<string>;
}
