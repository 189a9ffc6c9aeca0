// The per-API listing that lets drift checks scale with APIs, not objects, for any kind: when
// enough distinct objects of one API are asked for within a window, one listing (all pages) answers
// them; concurrent refreshes of an API share one call, and a write drops the API's listing. What
// counts as "enough", and what a listing that lacks an object means, stay with each kind's gateway.
import type { Clock } from '../runtime/clock.ts';
import { apiKey, type Location } from './ports.ts';

/** One API's listing; `byId` undefined: the API did not exist when it was listed. */
export interface Listing<T> {
  at: number;
  byId: Map<string, T> | undefined;
}

export interface ListingCacheOptions<T> {
  clock: Clock;
  /** How long a listing answers drift checks. */
  ttlMs: number;
  /** How long an asked-for object counts towards its API's population. */
  windowMs: number;
  /** Every object of the API, all pages; undefined when the API does not exist. */
  list: (loc: Location, signal?: AbortSignal) => Promise<T[] | undefined>;
  idOf: (item: T) => string;
}

export class ListingCache<T> {
  private readonly opts: ListingCacheOptions<T>;
  private readonly listings = new Map<string, Listing<T>>();
  private readonly inflight = new Map<string, Promise<Listing<T>>>();
  private readonly askers = new Map<string, Map<string, number>>();

  constructor(opts: ListingCacheOptions<T>) {
    this.opts = opts;
  }

  /** The API's listing while it still answers drift checks. */
  fresh(loc: Location, now: number): Listing<T> | undefined {
    const held = this.listings.get(apiKey(loc));
    return held && now - held.at < this.opts.ttlMs ? held : undefined;
  }

  /** Records that `id` was asked for; how many distinct objects of the API were within the window. */
  asked(loc: Location, id: string, now: number): number {
    const key = apiKey(loc);
    let seen = this.askers.get(key);
    if (!seen) this.askers.set(key, (seen = new Map()));
    seen.set(id, now);
    for (const [k, t] of seen) if (now - t >= this.opts.windowMs) seen.delete(k);
    return seen.size;
  }

  /** Lists the API again, sharing a listing already under way. */
  refresh(loc: Location, signal?: AbortSignal): Promise<Listing<T>> {
    const key = apiKey(loc);
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.opts
      .list(loc, signal)
      .then((items) => {
        const listing: Listing<T> = {
          at: this.opts.clock.now(),
          byId: items ? new Map(items.map((i) => [this.opts.idOf(i), i])) : undefined,
        };
        this.listings.set(key, listing);
        return listing;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Runs a write with the API's listing dropped before and after it. */
  async writing<R>(loc: Location, write: () => Promise<R>): Promise<R> {
    this.listings.delete(apiKey(loc));
    try {
      return await write();
    } finally {
      this.listings.delete(apiKey(loc));
    }
  }
}
