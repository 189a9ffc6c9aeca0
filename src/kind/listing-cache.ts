// The per-API listing that lets drift checks scale with APIs, not objects, for any kind: when
// enough distinct objects of one API are asked for within a window, one listing (all pages) answers
// them; concurrent refreshes of an API share one call, and a write drops the API's listing, also the
// one a listing under way would store when it answers: it read AWS before the write. What
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
  private readonly inflight = new Map<string, { started: number; listing: Promise<Listing<T>> }>();
  /** Per API, how many writes have started or ended: a listing begun before a change is not kept. */
  private readonly writes = new Map<string, number>();
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

  /**
   * Lists the API again, sharing a listing already under way unless a write started or ended since it
   * began. A listing that a write overtook answers its own callers but is not kept for later checks.
   */
  refresh(loc: Location, signal?: AbortSignal): Promise<Listing<T>> {
    const key = apiKey(loc);
    const started = this.writes.get(key) ?? 0;
    const running = this.inflight.get(key);
    if (running?.started === started) return running.listing;
    const listing = this.opts
      .list(loc, signal)
      .then((items) => {
        const fresh: Listing<T> = {
          at: this.opts.clock.now(),
          byId: items ? new Map(items.map((i) => [this.opts.idOf(i), i])) : undefined,
        };
        if ((this.writes.get(key) ?? 0) === started) this.listings.set(key, fresh);
        return fresh;
      })
      .finally(() => {
        if (this.inflight.get(key)?.listing === listing) this.inflight.delete(key);
      });
    this.inflight.set(key, { started, listing });
    return listing;
  }

  /** Runs a write with the API's listing dropped before and after it. */
  async writing<R>(loc: Location, write: () => Promise<R>): Promise<R> {
    const key = apiKey(loc);
    const changed = () => {
      this.listings.delete(key);
      this.writes.set(key, (this.writes.get(key) ?? 0) + 1);
    };
    changed();
    try {
      return await write();
    } finally {
      changed();
    }
  }
}
