// The AWS role for a namespace comes from the Namespace's `apigw.dev/role-arn` annotation, which
// only cluster administrators can set; tenants cannot pick a role from their own specs.
import type { KubeConfig, V1Namespace } from '@kubernetes/client-node';
import { RoleNotAllowedError } from '../../apiintegration/errors.ts';
import type { NamespacePolicy } from '../../apiintegration/ports.ts';
import type { Clock } from '../../runtime/clock.ts';
import { isNotFound } from './errors.ts';
import { KubeRest } from './rest.ts';

export const ROLE_ANNOTATION = 'apigw.dev/role-arn';
export const ALLOWED_ROLES_ANNOTATION = 'apigw.dev/allowed-role-arns';

export class NamespaceAnnotationPolicy implements NamespacePolicy {
  private readonly rest: KubeRest;
  private readonly cache = new Map<string, { role?: string; allowed: string[]; at: number }>();
  private readonly ttlMs: number;
  private readonly clock: Clock;

  constructor(kc: KubeConfig, opts: { clock: Clock; ttlMs?: number }) {
    this.rest = new KubeRest(kc);
    this.clock = opts.clock;
    this.ttlMs = opts.ttlMs ?? 60_000;
  }

  async roleFor(namespace: string, requested?: string): Promise<string | undefined> {
    const { role, allowed } = await this.policy(namespace);
    if (!requested || requested === role) return role;
    if (allowed.includes(requested)) return requested;
    throw new RoleNotAllowedError(requested, namespace);
  }

  private async policy(namespace: string): Promise<{ role?: string; allowed: string[] }> {
    const hit = this.cache.get(namespace);
    if (hit && this.clock.now() - hit.at < this.ttlMs) return hit;
    let annotations: Record<string, string> = {};
    try {
      const ns = await this.rest.request<V1Namespace>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
      annotations = ns.metadata?.annotations ?? {};
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const entry = {
      role: annotations[ROLE_ANNOTATION] || undefined,
      allowed: (annotations[ALLOWED_ROLES_ANNOTATION] ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
      at: this.clock.now(),
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
