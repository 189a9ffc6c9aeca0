// Reads the group's objects for the command-line tools (`import`'s check for objects that already
// manage an API, `kubectl apigw tree` and `why`): plain lists and gets over the same REST client the
// operator uses, nothing cached, nothing written.
import type { KubeConfig } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../api/v1alpha1/group.ts';
import { isNotFound } from './errors.ts';
import { KubeRest } from './rest.ts';

/** An object of the group as the API server returns it; the tools read what they need of it. */
export interface ListedObject {
  kind?: string;
  metadata: { name: string; namespace: string; generation?: number; deletionTimestamp?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

const base = (namespace: string | undefined) =>
  namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}` : `/apis/${GROUP}/${VERSION}`;

export class KubeObjectReader {
  private readonly rest: KubeRest;

  constructor(kc: KubeConfig) {
    this.rest = new KubeRest(kc);
  }

  /** Every object of `plural`, in `namespace` or (undefined) in all namespaces; every page. */
  async list(plural: string, namespace?: string): Promise<ListedObject[]> {
    const items: ListedObject[] = [];
    let next: string | undefined;
    do {
      const page = await this.rest.request<{ items?: ListedObject[]; metadata?: { continue?: string } }>(
        'GET',
        `${base(namespace)}/${plural}`,
        { query: { limit: 500, continue: next } },
      );
      items.push(...(page.items ?? []));
      next = page.metadata?.continue || undefined;
    } while (next);
    return items;
  }

  /** One object, or undefined when it does not exist. */
  async get(plural: string, namespace: string, name: string): Promise<ListedObject | undefined> {
    try {
      return await this.rest.request<ListedObject>('GET', `${base(namespace)}/${plural}/${encodeURIComponent(name)}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
