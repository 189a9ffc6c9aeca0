// List and watch of a custom resource over the shared connection pool, shaped as the runtime's
// ListWatcher port. Watches ask for bookmarks and a server-side timeout, and are read line by line
// from undici's stream: client-node's Watch went through fetch, web streams and readline, which cost
// more CPU per event than the operator's own handling of it. A malformed line ends the watch with
// an error, so the informer starts a new one rather than missing an event.
import type { KubeConfig } from '@kubernetes/client-node';
import { type ListPage, type ListWatcher, type ObjectLike, type WatchEvent } from '../../runtime/ports.ts';
import { translateKubeError } from './errors.ts';
import { KubeRest } from './rest.ts';

export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  /** Watch one namespace; all namespaces when absent. */
  namespace?: string;
  labelSelector?: string;
}

export class CustomResourceListWatcher<T extends ObjectLike> implements ListWatcher<T> {
  private readonly rest: KubeRest;
  private readonly kc: KubeConfig;
  private readonly ref: ResourceRef;

  constructor(kc: KubeConfig, ref: ResourceRef) {
    // Lists and watches share the pool of every other adapter built on the same KubeConfig.
    this.rest = new KubeRest(kc);
    this.kc = this.rest.kubeConfig;
    this.ref = ref;
  }

  private path(): string {
    const { group, version, plural, namespace } = this.ref;
    return namespace
      ? `/apis/${group}/${version}/namespaces/${namespace}/${plural}`
      : `/apis/${group}/${version}/${plural}`;
  }

  async list(opts: { limit?: number; continue?: string; signal: AbortSignal }): Promise<ListPage<T>> {
    const { plural, labelSelector } = this.ref;
    try {
      const res = await this.rest.request<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(
        'GET',
        this.path(),
        {
          query: { limit: opts.limit, continue: opts.continue, labelSelector },
        },
      );
      return {
        items: res.items ?? [],
        resourceVersion: res.metadata?.resourceVersion ?? '',
        continue: res.metadata?.continue || undefined,
      };
    } catch (err) {
      throw translateKubeError(err, `list ${plural}`);
    }
  }

  async watch(
    opts: { resourceVersion: string; allowWatchBookmarks: boolean; timeoutSeconds: number; signal: AbortSignal },
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<void> {
    const query = {
      watch: true,
      resourceVersion: opts.resourceVersion,
      allowWatchBookmarks: opts.allowWatchBookmarks,
      timeoutSeconds: opts.timeoutSeconds,
      labelSelector: this.ref.labelSelector,
    };
    try {
      await this.rest.streamLines(this.path(), { query, signal: opts.signal }, (line) => {
        const event = JSON.parse(line) as { type: string; object: unknown };
        onEvent({ type: event.type, object: event.object, status: event.object } as WatchEvent<T>);
      });
    } catch (err) {
      // The caller ending the stream is an ordinary end (a server that closes it resolves above).
      if (opts.signal.aborted) return;
      throw translateKubeError(err, `watch ${this.ref.plural}`);
    }
  }

  get kubeConfig(): KubeConfig {
    return this.kc;
  }
}
