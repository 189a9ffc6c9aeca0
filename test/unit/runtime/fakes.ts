// Small in-memory implementations of the runtime's ports for unit tests: a ListWatcher whose
// watch streams the test drives by hand, and a LeaseStore with optimistic concurrency and
// per-candidate fault injection.
import {
  ConflictError,
  type LeaseRecord,
  type LeaseStore,
  type ListPage,
  type ListWatcher,
  type WatchEvent,
} from '../../../src/runtime/ports.ts';

export interface Obj {
  metadata: { namespace?: string; name: string; resourceVersion: string };
  data?: string;
}

export function obj(name: string, rv: string | number, data?: string, namespace = 'ns'): Obj {
  return { metadata: { namespace, name, resourceVersion: String(rv) }, ...(data === undefined ? {} : { data }) };
}

export interface ActiveWatch {
  opts: { resourceVersion: string; allowWatchBookmarks: boolean; timeoutSeconds: number; signal: AbortSignal };
  emit(event: WatchEvent<Obj>): void;
  /** The server ends the stream normally. */
  close(): void;
  /** The request fails. */
  fail(err: Error): void;
  ended: boolean;
}

export class FakeListWatcher implements ListWatcher<Obj> {
  items: Obj[] = [];
  resourceVersion = '1';
  listCalls: { limit?: number; continue?: string }[] = [];
  /** Errors thrown by the next list calls, in order. */
  listErrors: Error[] = [];
  /** While set, list calls wait for it. */
  listGate: Promise<void> | undefined;
  watches: ActiveWatch[] = [];

  async list(opts: { limit?: number; continue?: string; signal: AbortSignal }): Promise<ListPage<Obj>> {
    this.listCalls.push({ limit: opts.limit, continue: opts.continue });
    if (this.listGate) await this.listGate;
    const err = this.listErrors.shift();
    if (err) throw err;
    const start = opts.continue ? Number(opts.continue) : 0;
    const end = opts.limit ? start + opts.limit : this.items.length;
    const page: ListPage<Obj> = { items: this.items.slice(start, end), resourceVersion: this.resourceVersion };
    if (end < this.items.length) page.continue = String(end);
    return page;
  }

  watch(opts: ActiveWatch['opts'], onEvent: (event: WatchEvent<Obj>) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const w: ActiveWatch = {
        opts,
        ended: false,
        emit: (e) => {
          if (!w.ended) onEvent(e);
        },
        close: () => {
          w.ended = true;
          resolve();
        },
        fail: (err) => {
          w.ended = true;
          reject(err);
        },
      };
      opts.signal.addEventListener('abort', () => w.close(), { once: true });
      this.watches.push(w);
    });
  }

  get current(): ActiveWatch {
    const w = this.watches.at(-1);
    if (!w) throw new Error('no watch started');
    return w;
  }
}

export class MemoryLeaseStore {
  record: LeaseRecord | undefined;
  rv = 0;
  writes: { by: string; at: number; record: LeaseRecord }[] = [];

  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  /** A view for one candidate, whose calls can be made to fail or hang. */
  client(identity: string): LeaseStore & { failing: boolean; hanging: boolean } {
    const hangOr = <T>(fn: () => T, c: { failing: boolean; hanging: boolean }): Promise<T> => {
      if (c.hanging) return new Promise(() => undefined);
      if (c.failing) return Promise.reject(new Error('apiserver unavailable'));
      try {
        return Promise.resolve(fn());
      } catch (err) {
        return Promise.reject(err);
      }
    };
    const c = {
      failing: false,
      hanging: false,
      get: () =>
        hangOr(() => (this.record ? { record: { ...this.record }, resourceVersion: String(this.rv) } : undefined), c),
      create: (record: LeaseRecord) =>
        hangOr(() => {
          if (this.record) throw new ConflictError();
          return this.write(identity, record);
        }, c),
      update: (record: LeaseRecord, rv: string) =>
        hangOr(() => {
          if (String(this.rv) !== rv) throw new ConflictError();
          return this.write(identity, record);
        }, c),
    };
    return c;
  }

  private write(by: string, record: LeaseRecord): string {
    this.record = { ...record };
    this.rv++;
    this.writes.push({ by, at: this.now(), record: { ...record } });
    return String(this.rv);
  }
}
