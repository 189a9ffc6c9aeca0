// Writes to the operator's custom objects: metadata through merge patches (optionally guarded by the
// resourceVersion the decision was made on) and status through the /status subresource only.
// The controller never writes spec. Reads go through the informers' caches, except one: whether an
// object the label-selected cache lacks exists at all (sharding, src/apiroute/shard.ts).
import type { KubeConfig } from '@kubernetes/client-node';
import { PLURAL } from '../../api/v1alpha1/schema.ts';
import { GROUP, VERSION } from '../../api/v1alpha1/group.ts';
import { ROUTE_PLURAL } from '../../api/v1alpha1/route-schema.ts';
import type { ApiRoute, ApiRouteStatusT } from '../../api/v1alpha1/route-types.ts';
import type { ApiIntegration, ApiIntegrationStatusT } from '../../api/v1alpha1/types.ts';
import type { ApiIntegrationStore } from '../../apiintegration/ports.ts';
import type { ApiRouteStore } from '../../apiroute/ports.ts';
import { STAGE_PLURAL } from '../../api/v1alpha1/stage-schema.ts';
import type { ApiStage, ApiStageStatusT } from '../../api/v1alpha1/stage-types.ts';
import type { ApiStageStore } from '../../apistage/ports.ts';
import { mergePatch } from './merge-patch.ts';
import { isNotFound, translateKubeError } from './errors.ts';
import { KubeRest, MERGE_PATCH } from './rest.ts';

interface Stored<S> {
  metadata: { namespace: string; name: string; resourceVersion?: string };
  status?: S;
}

/** The writes of one kind; the kinds differ only in their plural and types. */
class KubeObjectStore<T extends Stored<S>, S extends object> {
  private readonly rest: KubeRest;
  private readonly fieldManager: string;
  private readonly plural: string;

  constructor(kc: KubeConfig, plural: string, fieldManager: string) {
    this.rest = new KubeRest(kc);
    this.plural = plural;
    this.fieldManager = fieldManager;
  }

  /** `signal` cancels the request in flight: a shutdown does not wait for a slow API server. */
  private patch(obj: T, sub: '' | '/status', body: unknown, signal?: AbortSignal): Promise<T> {
    const { namespace, name } = obj.metadata;
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${this.plural}/${encodeURIComponent(name)}${sub}`;
    return this.rest.request<T>('PATCH', path, {
      body,
      contentType: MERGE_PATCH,
      query: { fieldManager: this.fieldManager },
      signal,
    });
  }

  /** Whether the object exists: one GET, past any informer's label selector (a 404 says no). */
  async exists(namespace: string, name: string, signal?: AbortSignal): Promise<boolean> {
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${this.plural}/${encodeURIComponent(name)}`;
    try {
      await this.rest.request<T>('GET', path, { signal });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw translateKubeError(err, `get ${namespace}/${name}`);
    }
  }

  async patchMetadata(
    obj: T,
    patch: { finalizers?: string[]; annotations?: Record<string, string | null> },
    opts: { precondition?: boolean; signal?: AbortSignal } = {},
  ): Promise<T> {
    const metadata: Record<string, unknown> = {};
    if (patch.finalizers) metadata.finalizers = patch.finalizers;
    if (patch.annotations) metadata.annotations = patch.annotations;
    if (opts.precondition) metadata.resourceVersion = obj.metadata.resourceVersion;
    try {
      return await this.patch(obj, '', { metadata }, opts.signal);
    } catch (err) {
      throw translateKubeError(err, `patch ${obj.metadata.namespace}/${obj.metadata.name}`);
    }
  }

  async patchStatus(obj: T, status: S, signal?: AbortSignal): Promise<T> {
    const body = { status: mergePatch(obj.status ?? {}, status) };
    try {
      return await this.patch(obj, '/status', body, signal);
    } catch (err) {
      throw translateKubeError(err, `patch status of ${obj.metadata.namespace}/${obj.metadata.name}`);
    }
  }
}

export class KubeApiIntegrationStore
  extends KubeObjectStore<ApiIntegration, ApiIntegrationStatusT>
  implements ApiIntegrationStore
{
  constructor(kc: KubeConfig, fieldManager = 'apigw-operator') {
    super(kc, PLURAL, fieldManager);
  }
}

export class KubeApiRouteStore extends KubeObjectStore<ApiRoute, ApiRouteStatusT> implements ApiRouteStore {
  constructor(kc: KubeConfig, fieldManager = 'apigw-operator') {
    super(kc, ROUTE_PLURAL, fieldManager);
  }
}

export class KubeApiStageStore extends KubeObjectStore<ApiStage, ApiStageStatusT> implements ApiStageStore {
  constructor(kc: KubeConfig, fieldManager = 'apigw-operator') {
    super(kc, STAGE_PLURAL, fieldManager);
  }
}
