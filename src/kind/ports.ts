// What every kind's reconciler needs beside its own gateway and store: where an AWS object lives,
// the event types, and the namespace policy and tenancy the cluster administrator sets. Adapters
// implement these; no kind's pure core sees an SDK type.
import type { AllowedApis } from '../api/v1alpha1/tenancy.ts';

/** Where an AWS object lives. `roleArn` selects the account (assumed through STS); absent = the operator's own. */
export interface Location {
  region: string;
  apiId: string;
  roleArn?: string;
}

/** An API as one account sees it: two roles may see different APIs under one id. */
export const apiKey = (loc: Location) => `${loc.roleArn ?? ''}|${loc.region}|${loc.apiId}`;

export type EventType = 'Normal' | 'Warning';

/** What a reconciler changes in an object's metadata: its finalizers and its own annotations. */
export interface MetadataPatch {
  finalizers?: string[];
  annotations?: Record<string, string | null>;
}

/** A metadata patch is sent with a resourceVersion precondition unless told otherwise. */
export interface PatchOptions {
  precondition?: boolean;
  signal?: AbortSignal;
}

/** Every kind's object store: a metadata patch and a status write. */
export interface ObjectStore<T, S> {
  /** Merge-patches metadata with a resourceVersion precondition (ConflictError when stale). */
  patchMetadata(obj: T, patch: MetadataPatch, opts?: PatchOptions): Promise<T>;
  /** Writes `status` through the /status subresource. */
  patchStatus(obj: T, status: S, signal?: AbortSignal): Promise<T>;
}

/** Every kind's event recorder, over the kind's own reasons. */
export interface ObjectEvents<T, R extends string> {
  record(obj: T, type: EventType, reason: R, message: string): void;
}

/**
 * Every method of a kind's gateway, named a read or a write: the write fence (fencing.ts) refuses
 * the writes once this replica stops leading. A method left out does not compile.
 */
export type GatewayVerbs<G> = { readonly [K in keyof G]: 'read' | 'write' };

/** Namespace policy set by the cluster administrator (annotations on the Namespace). */
export interface NamespacePolicy {
  /**
   * Role to assume for objects in `namespace` (undefined: the operator's own identity). A role
   * `requested` by a spec is returned only if the namespace allows it; otherwise RoleNotAllowedError.
   */
  roleFor(namespace: string, requested?: string): Promise<string | undefined>;
}

/**
 * Which API ids a namespace's objects may name, set by the cluster administrator (the Namespace's
 * apigw.dev/allowed-api-ids annotation). Every kind asks once per pass, then `allows(allowed, apiId)`
 * from api/v1alpha1/tenancy.ts.
 */
export interface ApiTenancy {
  allowedApis(namespace: string): Promise<AllowedApis>;
}
