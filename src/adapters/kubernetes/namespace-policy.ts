// The AWS role for a namespace comes from the Namespace's `apigw.dev/role-arn` annotation, which
// only cluster administrators can set; tenants cannot pick a role from their own specs.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { RoleNotAllowedError } from '../../apiintegration/errors.ts';
import type { NamespacePolicy } from '../../apiintegration/ports.ts';
import { pooled } from './connections.ts';
import { isNotFound } from './errors.ts';

export const ROLE_ANNOTATION = 'apigw.dev/role-arn';
export const ALLOWED_ROLES_ANNOTATION = 'apigw.dev/allowed-role-arns';

export class NamespaceAnnotationPolicy implements NamespacePolicy {
  private readonly api: CoreV1Api;
  private readonly cache = new Map<string, { role?: string; allowed: string[]; at: number }>();
  private readonly ttlMs: number;

  constructor(kc: KubeConfig, ttlMs = 60_000) {
    this.api = pooled(kc).makeApiClient(CoreV1Api);
    this.ttlMs = ttlMs;
  }

  async roleFor(namespace: string, requested?: string): Promise<string | undefined> {
    const { role, allowed } = await this.policy(namespace);
    if (!requested || requested === role) return role;
    if (allowed.includes(requested)) return requested;
    throw new RoleNotAllowedError(requested, namespace);
  }

  private async policy(namespace: string): Promise<{ role?: string; allowed: string[] }> {
    const hit = this.cache.get(namespace);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit;
    let annotations: Record<string, string> = {};
    try {
      const ns = await this.api.readNamespace({ name: namespace });
      annotations = ns.metadata?.annotations ?? {};
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const entry = {
      role: annotations[ROLE_ANNOTATION] || undefined,
      allowed: (annotations[ALLOWED_ROLES_ANNOTATION] ?? '').split(',').map((r) => r.trim()).filter(Boolean),
      at: Date.now(),
    };
    this.cache.set(namespace, entry);
    return entry;
  }
}

/** Used when the operator is configured not to read Namespaces: its own identity, and no spec roles. */
export const noNamespaceRoles: NamespacePolicy = {
  roleFor: async (namespace, requested) => {
    if (requested) throw new RoleNotAllowedError(requested, namespace);
    return undefined;
  },
};
