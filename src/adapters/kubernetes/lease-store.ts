// The leader-election Lease through client-node. Times are sent as strings already in MicroTime
// form (6 fractional digits): the API server rejects the 3-digit form a plain Date serializes to.
import { CoordinationV1Api, type KubeConfig, type V1Lease, type V1MicroTime } from '@kubernetes/client-node';
import type { LeaseRecord, LeaseStore } from '../../runtime/ports.ts';
import { pooled } from './connections.ts';
import { isNotFound, translateKubeError } from './errors.ts';

export class KubeLeaseStore implements LeaseStore {
  private readonly api: CoordinationV1Api;
  private readonly namespace: string;
  private readonly name: string;

  constructor(kc: KubeConfig, namespace: string, name: string) {
    this.api = pooled(kc).makeApiClient(CoordinationV1Api);
    this.namespace = namespace;
    this.name = name;
  }

  async get(): Promise<{ record: LeaseRecord; resourceVersion: string } | undefined> {
    try {
      const lease = await this.api.readNamespacedLease({ namespace: this.namespace, name: this.name });
      return { record: toRecord(lease), resourceVersion: lease.metadata?.resourceVersion ?? '' };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw translateKubeError(err, 'read lease');
    }
  }

  async create(record: LeaseRecord): Promise<string> {
    try {
      const lease = await this.api.createNamespacedLease({ namespace: this.namespace, body: this.body(record) });
      return lease.metadata?.resourceVersion ?? '';
    } catch (err) {
      throw translateKubeError(err, 'create lease');
    }
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<string> {
    try {
      const lease = await this.api.replaceNamespacedLease({ namespace: this.namespace, name: this.name, body: this.body(record, resourceVersion) });
      return lease.metadata?.resourceVersion ?? '';
    } catch (err) {
      throw translateKubeError(err, 'update lease');
    }
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
  const time = (t: unknown) => (t === undefined || t === null ? undefined : typeof t === 'string' ? t : (t as Date).toISOString());
  return {
    holderIdentity: s.holderIdentity,
    leaseDurationSeconds: s.leaseDurationSeconds,
    acquireTime: time(s.acquireTime),
    renewTime: time(s.renewTime),
    leaseTransitions: s.leaseTransitions,
  };
}
