// The AWS role for a namespace comes from the Namespace's `apigw.dev/role-arn` annotation, the
// APIs its objects may touch from `apigw.dev/allowed-api-ids`, and the roles its integrations may
// hand to API Gateway from `apigw.dev/allowed-credentials-arns`; only cluster administrators can set
// them, so tenants cannot pick a role or an API from their own specs. One cached read of the
// Namespace answers all three.
import type { KubeConfig, V1Namespace } from '@kubernetes/client-node';
import {
  ALLOWED_API_IDS_ANNOTATION,
  ALLOWED_CREDENTIALS_ARNS_ANNOTATION,
  ANY_APIS,
  ANY_CREDENTIALS,
  allowedApisOf,
  allowedCredentialsOf,
  type AllowedApis,
  type AllowedCredentials,
} from '../../api/v1alpha1/tenancy.ts';
import { RoleNotAllowedError } from '../../kind/errors.ts';
import type { IntegrationTenancy } from '../../apiintegration/ports.ts';
import type { NamespacePolicy } from '../../kind/ports.ts';
import type { Clock } from '../../runtime/clock.ts';
import { isNotFound } from './errors.ts';
import { KubeRest } from './rest.ts';

export const ROLE_ANNOTATION = 'apigw.dev/role-arn';
export const ALLOWED_ROLES_ANNOTATION = 'apigw.dev/allowed-role-arns';
export { ALLOWED_API_IDS_ANNOTATION, ALLOWED_CREDENTIALS_ARNS_ANNOTATION };

/**
 * How long a Namespace's annotations are trusted. No Namespace is watched (only `get` is granted),
 * so this bounds how late an administrator's change is seen; a refused object looks again on the
 * reconciler's wait interval (30 s), which this matches.
 */
export const NAMESPACE_POLICY_TTL_MS = 30_000;

interface Entry {
  role?: string;
  allowedRoles: string[];
  allowedApis: AllowedApis;
  allowedCredentials: AllowedCredentials;
  at: number;
}

export class NamespaceAnnotationPolicy implements NamespacePolicy, IntegrationTenancy {
  private readonly rest: KubeRest;
  private readonly cache = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly clock: Clock;
  private readonly requireAllowedApiIds: boolean;

  constructor(kc: KubeConfig, opts: { clock: Clock; ttlMs?: number; requireAllowedApiIds?: boolean }) {
    this.rest = new KubeRest(kc);
    this.clock = opts.clock;
    this.ttlMs = opts.ttlMs ?? NAMESPACE_POLICY_TTL_MS;
    this.requireAllowedApiIds = opts.requireAllowedApiIds ?? false;
  }

  async roleFor(namespace: string, requested?: string): Promise<string | undefined> {
    const { role, allowedRoles } = await this.policy(namespace);
    if (!requested || requested === role) return role;
    if (allowedRoles.includes(requested)) return requested;
    throw new RoleNotAllowedError(requested, namespace);
  }

  async allowedApis(namespace: string): Promise<AllowedApis> {
    return (await this.policy(namespace)).allowedApis;
  }

  async allowedCredentials(namespace: string): Promise<AllowedCredentials> {
    return (await this.policy(namespace)).allowedCredentials;
  }

  private async policy(namespace: string): Promise<Entry> {
    const hit = this.cache.get(namespace);
    if (hit && this.clock.now() - hit.at < this.ttlMs) return hit;
    let annotations: Record<string, string> = {};
    try {
      const ns = await this.rest.request<V1Namespace>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
      annotations = ns.metadata?.annotations ?? {};
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const entry: Entry = {
      role: annotations[ROLE_ANNOTATION] || undefined,
      allowedRoles: (annotations[ALLOWED_ROLES_ANNOTATION] ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
      allowedApis: allowedApisOf(annotations[ALLOWED_API_IDS_ANNOTATION], this.requireAllowedApiIds),
      allowedCredentials: allowedCredentialsOf(annotations[ALLOWED_CREDENTIALS_ARNS_ANNOTATION]),
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

/** Used when the operator reads no Namespace and does not require the list: every API and every role. */
export const unrestricted: IntegrationTenancy = {
  allowedApis: async () => ANY_APIS,
  allowedCredentials: async () => ANY_CREDENTIALS,
};
