// The AWS role for a namespace comes from the Namespace's `apigw.dev/role-arn` annotation, which
// only cluster administrators can set; tenants cannot pick a role from their own specs.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { NamespacePolicy } from '../../apiintegration/ports.ts';
import { isNotFound } from './errors.ts';

export const ROLE_ANNOTATION = 'apigw.dev/role-arn';

export class NamespaceAnnotationPolicy implements NamespacePolicy {
  private readonly api: CoreV1Api;
  private readonly cache = new Map<string, { role?: string; at: number }>();
  private readonly ttlMs: number;

  constructor(kc: KubeConfig, ttlMs = 60_000) {
    this.api = kc.makeApiClient(CoreV1Api);
    this.ttlMs = ttlMs;
  }

  async roleFor(namespace: string): Promise<string | undefined> {
    const hit = this.cache.get(namespace);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.role;
    let role: string | undefined;
    try {
      const ns = await this.api.readNamespace({ name: namespace });
      role = ns.metadata?.annotations?.[ROLE_ANNOTATION] || undefined;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.cache.set(namespace, { role, at: Date.now() });
    return role;
  }
}

/** Used when the operator is configured not to read Namespaces: always its own identity. */
export const noNamespaceRoles: NamespacePolicy = { roleFor: async () => undefined };
