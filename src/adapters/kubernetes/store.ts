// Writes to ApiIntegration objects: metadata through merge patches (optionally guarded by the
// resourceVersion the decision was made on) and status through the /status subresource only.
// The controller never writes spec.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../api/v1alpha1/schema.ts';
import type { ApiIntegration, ApiIntegrationStatusT } from '../../api/v1alpha1/types.ts';
import type { ApiIntegrationStore } from '../../apiintegration/ports.ts';
import { mergePatch } from './merge-patch.ts';
import { pooled } from './connections.ts';
import { translateKubeError } from './errors.ts';

const mergePatchHeader = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class KubeApiIntegrationStore implements ApiIntegrationStore {
  private readonly api: CustomObjectsApi;
  private readonly fieldManager: string;

  constructor(kc: KubeConfig, fieldManager = 'apigw-operator') {
    this.api = pooled(kc).makeApiClient(CustomObjectsApi);
    this.fieldManager = fieldManager;
  }

  async patchMetadata(
    obj: ApiIntegration,
    patch: { finalizers?: string[]; annotations?: Record<string, string | null> },
    opts: { precondition?: boolean } = {},
  ): Promise<ApiIntegration> {
    const metadata: Record<string, unknown> = {};
    if (patch.finalizers) metadata.finalizers = patch.finalizers;
    if (patch.annotations) metadata.annotations = patch.annotations;
    if (opts.precondition) metadata.resourceVersion = obj.metadata.resourceVersion;
    try {
      return (await this.api.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, plural: PLURAL, namespace: obj.metadata.namespace, name: obj.metadata.name, body: { metadata }, fieldManager: this.fieldManager },
        mergePatchHeader,
      )) as ApiIntegration;
    } catch (err) {
      throw translateKubeError(err, `patch ${obj.metadata.namespace}/${obj.metadata.name}`);
    }
  }

  async patchStatus(obj: ApiIntegration, status: ApiIntegrationStatusT): Promise<ApiIntegration> {
    const body = { status: mergePatch(obj.status ?? {}, status) };
    try {
      return (await this.api.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, plural: PLURAL, namespace: obj.metadata.namespace, name: obj.metadata.name, body, fieldManager: this.fieldManager },
        mergePatchHeader,
      )) as ApiIntegration;
    } catch (err) {
      throw translateKubeError(err, `patch status of ${obj.metadata.namespace}/${obj.metadata.name}`);
    }
  }
}
