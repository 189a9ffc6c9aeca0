// How many ApiIntegrations the informer cache records on each API, kept current from the
// informer's events. The coalescing gateway reads it so that, after a restart, an API known to be
// shared is listed on its first drift check instead of after a GetIntegration (coalescing-gateway.ts).
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { recordedOf } from './recorded.ts';
import type { Place } from '../kind/record.ts';

const keyOf = (p: Place) => `${p.region}/${p.apiId}`;

export class ApiPopulation {
  private readonly counts = new Map<string, number>();
  /** The place each object was counted at, by `namespace/name`. */
  private readonly placeOf = new Map<string, string>();

  set(key: string, obj: ApiIntegration): void {
    this.remove(key);
    const at = recordedOf(obj).location;
    if (!at) return;
    const k = keyOf(at);
    this.placeOf.set(key, k);
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  remove(key: string): void {
    const k = this.placeOf.get(key);
    if (k === undefined) return;
    this.placeOf.delete(key);
    const n = (this.counts.get(k) ?? 1) - 1;
    if (n > 0) this.counts.set(k, n);
    else this.counts.delete(k);
  }

  of(place: Place): number {
    return this.counts.get(keyOf(place)) ?? 0;
  }
}
