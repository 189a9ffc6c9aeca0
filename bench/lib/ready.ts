// Follows one namespace's ApiIntegrations (or, given their collection path, ApiRoutes: the same
// metadata and Ready condition) through a watch and records, for each object, when it became Ready
// for each generation: the benchmarks' clock for convergence and update latency.
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../../test/support/poll.ts';
import type { ApiIntegration } from '../../src/api/v1alpha1/types.ts';
import { crPath, type Kube } from './kube.ts';

interface Seen {
  generation: number;
  /** generation → performance.now() when Ready for it was first seen. */
  readyAt: Map<number, number>;
}

export function isReady(o: ApiIntegration): boolean {
  const c = o.status?.conditions?.find((x) => x.type === 'Ready');
  return (
    c?.status === 'True' &&
    c.observedGeneration === o.metadata.generation &&
    o.status?.observedGeneration === o.metadata.generation
  );
}

export class ReadyTracker {
  private readonly seen = new Map<string, Seen>();
  private readonly ctl = new AbortController();
  private readonly kube: Kube;
  private readonly namespace: string;
  private readonly collection: (namespace: string) => string;
  private rv = '';
  private loop: Promise<void> | undefined;
  private ready = 0;

  /** `collection`: the namespaced list path of the kind to follow (ApiIntegrations by default). */
  constructor(kube: Kube, namespace: string, collection: (namespace: string) => string = crPath) {
    this.kube = kube;
    this.namespace = namespace;
    this.collection = collection;
  }

  async start(): Promise<void> {
    await this.list();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.ctl.abort();
    await this.loop;
  }

  /** Objects currently Ready for their generation. */
  readyCount(): number {
    return this.ready;
  }

  readyAt(name: string, generation: number): number | undefined {
    return this.seen.get(name)?.readyAt.get(generation);
  }

  /** The latest first-Ready time over all objects (for "all converged at"). */
  lastReadyAt(): number {
    let last = 0;
    for (const s of this.seen.values()) {
      const t = s.readyAt.get(s.generation);
      if (t !== undefined && t > last) last = t;
    }
    return last;
  }

  async waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    await eventually(
      what,
      () => {
        if (done()) return true;
        throw new Error(`${this.ready} Ready`);
      },
      timeoutMs,
      20,
    );
  }

  private apply(type: string, o: ApiIntegration): void {
    const name = o.metadata.name;
    const prev = this.seen.get(name);
    const wasReady = prev ? prev.readyAt.has(prev.generation) : false;
    if (type === 'DELETED') {
      if (wasReady) this.ready--;
      this.seen.delete(name);
      return;
    }
    const s: Seen = prev ?? { generation: o.metadata.generation, readyAt: new Map() };
    s.generation = o.metadata.generation;
    if (isReady(o) && !s.readyAt.has(s.generation)) s.readyAt.set(s.generation, performance.now());
    this.seen.set(name, s);
    const nowReady = s.readyAt.has(s.generation);
    if (nowReady !== wasReady) this.ready += nowReady ? 1 : -1;
  }

  private async list(): Promise<void> {
    let cont = '';
    do {
      const page = await this.kube.request<{
        items: ApiIntegration[];
        metadata: { resourceVersion: string; continue?: string };
      }>('GET', `${this.collection(this.namespace)}?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      for (const o of page.items) this.apply('ADDED', o);
      this.rv = page.metadata.resourceVersion;
      cont = page.metadata.continue ?? '';
    } while (cont);
  }

  private async run(): Promise<void> {
    while (!this.ctl.signal.aborted) {
      let gone = false;
      try {
        await this.kube.watch(
          `${this.collection(this.namespace)}?watch=1&allowWatchBookmarks=true&timeoutSeconds=600&resourceVersion=${this.rv}`,
          (type, obj) => {
            if (type === 'ERROR') {
              gone = true;
              return;
            }
            const rv = (obj.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
            if (rv) this.rv = rv;
            if (type !== 'BOOKMARK') this.apply(type, obj as unknown as ApiIntegration);
          },
          this.ctl.signal,
        );
        if (gone) await this.list();
      } catch {
        if (!this.ctl.signal.aborted) await sleep(200);
      }
    }
  }
}
