// Write fencing: once this replica is not the leader, every write to AWS or Kubernetes fails before
// it is sent, so a replica that lost its lease cannot race the new leader. One typed decorator per
// port shape, for every kind: a gateway is fenced by its kind's verb table (ports.ts), which must
// name each method as a read or a write, so a new method does not compile until it is classified.
// Events are writes too; a former leader's events are dropped.
import type { EventType, GatewayVerbs, MetadataPatch, ObjectEvents, ObjectStore, PatchOptions } from './kind/ports.ts';

export class NotLeaderError extends Error {
  constructor() {
    super('not the leader: write refused');
    this.name = 'NotLeaderError';
  }
}

type IsLeading = () => boolean;

function guard(isLeading: IsLeading): void {
  if (!isLeading()) throw new NotLeaderError();
}

export class FencedStore<T, S> implements ObjectStore<T, S> {
  private readonly inner: ObjectStore<T, S>;
  private readonly isLeading: IsLeading;

  constructor(inner: ObjectStore<T, S>, isLeading: IsLeading) {
    this.inner = inner;
    this.isLeading = isLeading;
  }

  async patchMetadata(obj: T, patch: MetadataPatch, opts?: PatchOptions): Promise<T> {
    guard(this.isLeading);
    return this.inner.patchMetadata(obj, patch, opts);
  }

  async patchStatus(obj: T, status: S, signal?: AbortSignal): Promise<T> {
    guard(this.isLeading);
    return this.inner.patchStatus(obj, status, signal);
  }
}

export class FencedEvents<T, R extends string> implements ObjectEvents<T, R> {
  private readonly inner: ObjectEvents<T, R>;
  private readonly isLeading: IsLeading;

  constructor(inner: ObjectEvents<T, R>, isLeading: IsLeading) {
    this.inner = inner;
    this.isLeading = isLeading;
  }

  record(obj: T, type: EventType, reason: R, message: string): void {
    if (this.isLeading()) this.inner.record(obj, type, reason, message);
  }
}

type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * The gateway with every method its verb table calls a write refused once this replica stops
 * leading; reads pass (a standby's protocol lookups and listings stay warm).
 */
export function fencedGateway<G extends object>(inner: G, verbs: GatewayVerbs<G>, isLeading: IsLeading): G {
  const methods = inner as unknown as Record<string, Method>;
  const fenced: Record<string, Method> = {};
  for (const [name, verb] of Object.entries(verbs)) {
    // Looked up at each call, as a method call on the inner gateway would be.
    const call: Method = (...args) => (methods[name] as Method).apply(inner, args);
    fenced[name] =
      verb === 'read'
        ? call
        : async (...args) => {
            guard(isLeading);
            return call(...args);
          };
  }
  return fenced as unknown as G;
}
