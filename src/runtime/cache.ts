// The informer's in-memory store: objects by `namespace/name` key, replaced wholesale after a
// list (reporting what was added, changed or removed since the previous view) and patched by
// watch events. Changes are detected by resourceVersion, as client-go and client-node do.
import type { ObjectLike } from './ports.ts';

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: ObjectLike): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

export type CacheChange<T> = { type: 'add'; obj: T } | { type: 'update'; old: T; obj: T } | { type: 'delete'; obj: T };

function rvOf(obj: ObjectLike): string | undefined {
  return obj.metadata?.resourceVersion;
}

export class ObjectCache<T extends ObjectLike> {
  private items = new Map<string, T>();

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Makes `objs` the whole content; returns the differences from what was there. */
  replace(objs: T[]): CacheChange<T>[] {
    const next = new Map<string, T>();
    const changes: CacheChange<T>[] = [];
    for (const obj of objs) {
      const key = objectKey(obj);
      next.set(key, obj);
      const old = this.items.get(key);
      if (!old) changes.push({ type: 'add', obj });
      else if (rvOf(old) !== rvOf(obj)) changes.push({ type: 'update', old, obj });
    }
    for (const [key, old] of this.items) if (!next.has(key)) changes.push({ type: 'delete', obj: old });
    this.items = next;
    return changes;
  }

  /** Stores an added or modified object; an unchanged resourceVersion is not a change. */
  upsert(obj: T): CacheChange<T> | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    if (!old) return { type: 'add', obj };
    return rvOf(old) === rvOf(obj) ? undefined : { type: 'update', old, obj };
  }

  /** Removes a deleted object; reports the event's copy, which holds its final state. */
  remove(obj: T): CacheChange<T> | undefined {
    const key = objectKey(obj);
    const had = this.items.delete(key);
    return had ? { type: 'delete', obj } : undefined;
  }
}
