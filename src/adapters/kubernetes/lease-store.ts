// The leader-election Lease, read and written as JSON through rest.ts. Times are sent as strings
// already in MicroTime form (6 fractional digits): the API server rejects the 3-digit form a plain
// Date serializes to.
import type { KubeConfig, V1Lease, V1MicroTime } from '@kubernetes/client-node';
import type { LeaseRecord, LeaseStore } from '../../runtime/ports.ts';
import { isNotFound, translateKubeError } from './errors.ts';
import { KubeRest } from './rest.ts';

export class KubeLeaseStore implements LeaseStore {
  private readonly rest: KubeRest;
  private readonly namespace: string;
  private readonly name: string;

  constructor(kc: KubeConfig, namespace: string, name: string) {
    this.rest = new KubeRest(kc);
    this.namespace = namespace;
    this.name = name;
  }

  async get(): Promise<{ record: LeaseRecord; resourceVersion: string } | undefined> {
    try {
      const lease = await this.rest.request<V1Lease>('GET', this.path(this.name));
      return { record: toRecord(lease), resourceVersion: lease.metadata?.resourceVersion ?? '' };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw translateKubeError(err, 'read lease');
    }
  }

  async create(record: LeaseRecord): Promise<string> {
    try {
      const lease = await this.rest.request<V1Lease>('POST', this.path(), { body: this.body(record) });
      return lease.metadata?.resourceVersion ?? '';
    } catch (err) {
      throw translateKubeError(err, 'create lease');
    }
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<string> {
    try {
      const lease = await this.rest.request<V1Lease>('PUT', this.path(this.name), {
        body: this.body(record, resourceVersion),
      });
      return lease.metadata?.resourceVersion ?? '';
    } catch (err) {
      throw translateKubeError(err, 'update lease');
    }
  }

  private path(name?: string): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  private body(r: LeaseRecord, resourceVersion?: string): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, ...(resourceVersion ? { resourceVersion } : {}) },
      spec: {
        holderIdentity: r.holderIdentity,
        leaseDurationSeconds: r.leaseDurationSeconds,
        acquireTime: r.acquireTime as unknown as V1MicroTime,
        renewTime: r.renewTime as unknown as V1MicroTime,
        leaseTransitions: r.leaseTransitions,
      },
    };
  }
}

function toRecord(lease: V1Lease): LeaseRecord {
  const s = lease.spec ?? {};
  const time = (t: unknown) =>
    t === undefined || t === null ? undefined : typeof t === 'string' ? t : (t as Date).toISOString();
  return {
    holderIdentity: s.holderIdentity,
    leaseDurationSeconds: s.leaseDurationSeconds,
    acquireTime: time(s.acquireTime),
    renewTime: time(s.renewTime),
    leaseTransitions: s.leaseTransitions,
  };
}
