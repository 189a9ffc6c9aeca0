// Writes to ApiIntegration objects: metadata through merge patches (optionally guarded by the
// resourceVersion the decision was made on) and status through the /status subresource only.
// The controller never writes spec.
import type { KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../api/v1alpha1/schema.ts';
import type { ApiIntegration, ApiIntegrationStatusT } from '../../api/v1alpha1/types.ts';
import type { ApiIntegrationStore } from '../../apiintegration/ports.ts';
import { mergePatch } from './merge-patch.ts';
import { translateKubeError } from './errors.ts';
import { KubeRest, MERGE_PATCH } from './rest.ts';

export class KubeApiIntegrationStore implements ApiIntegrationStore {
  private readonly rest: KubeRest;
  private readonly fieldManager: string;

  constructor(kc: KubeConfig, fieldManager = 'apigw-operator') {
    this.rest = new KubeRest(kc);
    this.fieldManager = fieldManager;
  }

  /** `signal` cancels the request in flight: a shutdown does not wait for a slow API server. */
  private patch(
    obj: ApiIntegration,
    sub: '' | '/status',
    body: unknown,
    signal?: AbortSignal,
  ): Promise<ApiIntegration> {
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(obj.metadata.namespace)}/${PLURAL}/${encodeURIComponent(obj.metadata.name)}${sub}`;
    return this.rest.request<ApiIntegration>('PATCH', path, {
      body,
      contentType: MERGE_PATCH,
      query: { fieldManager: this.fieldManager },
      signal,
    });
  }

  async patchMetadata(
    obj: ApiIntegration,
    patch: { finalizers?: string[]; annotations?: Record<string, string | null> },
    opts: { precondition?: boolean; signal?: AbortSignal } = {},
  ): Promise<ApiIntegration> {
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

  async patchStatus(obj: ApiIntegration, status: ApiIntegrationStatusT, signal?: AbortSignal): Promise<ApiIntegration> {
    const body = { status: mergePatch(obj.status ?? {}, status) };
    try {
      return await this.patch(obj, '/status', body, signal);
    } catch (err) {
      throw translateKubeError(err, `patch status of ${obj.metadata.namespace}/${obj.metadata.name}`);
    }
  }
}
