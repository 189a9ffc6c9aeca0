// List and watch of a custom resource through client-node, shaped as the runtime's ListWatcher port.
// Watches ask for bookmarks and a server-side timeout; client-node's 30 s inactivity timeout is
// treated as an ordinary end of stream, so the informer resumes from its last resourceVersion.
import type { KubeConfig } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node/dist/watch.js';
import { GoneError, type ListPage, type ListWatcher, type ObjectLike, type WatchEvent } from '../../runtime/ports.ts';
import { statusOf, translateKubeError } from './errors.ts';
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
  private readonly watcher: Watch;
  private readonly kc: KubeConfig;
  private readonly ref: ResourceRef;

  constructor(kc: KubeConfig, ref: ResourceRef) {
    // Lists and watches share the pool of every other adapter built on the same KubeConfig.
    this.rest = new KubeRest(kc);
    this.kc = this.rest.kubeConfig;
    this.ref = ref;
    this.watcher = new Watch(this.kc);
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

  watch(
    opts: { resourceVersion: string; allowWatchBookmarks: boolean; timeoutSeconds: number; signal: AbortSignal },
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      let controller: AbortController | undefined;
      const onAbort = () => controller?.abort();
      const finish = (err: unknown) => {
        opts.signal.removeEventListener('abort', onAbort);
        if (
          !err ||
          opts.signal.aborted ||
          (err as { name?: string }).name === 'TimeoutError' ||
          (err as { name?: string }).name === 'AbortError'
        )
          return resolve();
        reject(statusOf(err) === 410 ? new GoneError() : err);
      };
      const query = {
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: opts.allowWatchBookmarks,
        timeoutSeconds: opts.timeoutSeconds,
        ...(this.ref.labelSelector ? { labelSelector: this.ref.labelSelector } : {}),
      };
      this.watcher
        .watch(
          this.path(),
          query,
          (type: string, object: unknown) => onEvent({ type, object, status: object } as unknown as WatchEvent<T>),
          finish,
        )
        .then((c) => {
          controller = c;
          if (opts.signal.aborted) c.abort();
          else opts.signal.addEventListener('abort', onAbort, { once: true });
        }, finish);
    });
  }

  get kubeConfig(): KubeConfig {
    return this.kc;
  }
}
