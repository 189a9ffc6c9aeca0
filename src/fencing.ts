// Write fencing: once this replica is not the leader, every write to AWS or Kubernetes fails
// before it is sent, so a replica that lost its lease cannot race the new leader.
export class NotLeaderError extends Error {
  constructor() {
    super('not the leader: write refused');
    this.name = 'NotLeaderError';
  }
}

const WRITES = new Set(['createIntegration', 'updateIntegration', 'deleteIntegration', 'patchMetadata', 'patchStatus']);

export function fenced<T extends object>(target: T, isLeading: () => boolean): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      if (!WRITES.has(String(prop))) return value.bind(obj);
      return (...args: unknown[]) => {
        if (!isLeading()) return Promise.reject(new NotLeaderError());
        return value.apply(obj, args);
      };
    },
  });
}
