// Drift checks of routes that scale with APIs, not objects, as for integrations
// (src/apiintegration/coalescing-gateway.ts): route drift checks of one API come due together
// (drift-schedule.ts), and when several routes of one API are checked within a short window one
// GetRoutes listing answers them all. Reads asked `fresh` (creates, recovery by key, a pending
// reconcile request) always go to AWS, and any write drops the API's listing, so the operator
// never acts on its own stale view. A route a listing lacks is confirmed with GetRoute before it is
// declared gone.
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { Clock } from '../runtime/clock.ts';
import type { ObservedRoute, RouteFields, RouteGateway } from './ports.ts';
import type { Location } from '../kind/ports.ts';

export interface RouteCoalescingOptions {
  clock: Clock;
  /** How long a listing answers drift checks. */
  ttlMs: number;
  /** How long an asked-for route counts towards its API's population (a drift interval and a half). */
  windowMs: number;
}

interface Listing {
  at: number;
  byId: Map<string, ObservedRoute> | undefined;
}

const apiKey = (loc: Location) => `${loc.roleArn ?? ''}|${loc.region}|${loc.apiId}`;
/** Distinct routes asked for on one API within the window before a listing is worth it. */
const MIN_ROUTES_PER_LISTING = 2;

export class CoalescingRouteGateway implements RouteGateway {
  private readonly inner: RouteGateway;
  private readonly opts: RouteCoalescingOptions;
  private readonly listings = new Map<string, Listing>();
  private readonly inflight = new Map<string, Promise<Listing>>();
  private readonly askers = new Map<string, Map<string, number>>();

  constructor(inner: RouteGateway, opts: RouteCoalescingOptions) {
    this.inner = inner;
    this.opts = opts;
  }

  getApiProtocol(loc: Location, signal?: AbortSignal): Promise<Protocol | undefined> {
    return this.inner.getApiProtocol(loc, signal);
  }

  listRoutes(loc: Location, signal?: AbortSignal, fresh?: boolean): Promise<ObservedRoute[] | undefined> {
    return this.inner.listRoutes(loc, signal, fresh);
  }

  async getRoute(
    loc: Location,
    routeId: string,
    signal?: AbortSignal,
    fresh?: boolean,
  ): Promise<ObservedRoute | undefined> {
    if (fresh) return this.inner.getRoute(loc, routeId, signal, true);
    const key = apiKey(loc);
    const now = this.opts.clock.now();
    const held = this.listings.get(key);
    if (held && now - held.at < this.opts.ttlMs) return this.answer(held, loc, routeId, signal);
    if (!this.busyApi(key, routeId, now)) return this.inner.getRoute(loc, routeId, signal);
    try {
      return await this.answer(await this.refresh(loc, key, signal), loc, routeId, signal);
    } catch {
      // A listing can fail for reasons that do not concern this route (an expired page token).
      return this.inner.getRoute(loc, routeId, signal);
    }
  }

  private answer(listing: Listing, loc: Location, id: string, signal?: AbortSignal) {
    const hit = listing.byId?.get(id);
    return hit ? Promise.resolve(hit) : this.inner.getRoute(loc, id, signal, true);
  }

  /** Records who asked; true when enough distinct routes on this API are being checked. */
  private busyApi(key: string, id: string, now: number): boolean {
    let seen = this.askers.get(key);
    if (!seen) this.askers.set(key, (seen = new Map()));
    seen.set(id, now);
    for (const [k, t] of seen) if (now - t >= this.opts.windowMs) seen.delete(k);
    return seen.size >= MIN_ROUTES_PER_LISTING;
  }

  private refresh(loc: Location, key: string, signal?: AbortSignal): Promise<Listing> {
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.inner
      .listRoutes(loc, signal)
      .then((items) => {
        const listing: Listing = {
          at: this.opts.clock.now(),
          byId: items ? new Map(items.map((r) => [r.routeId, r])) : undefined,
        };
        this.listings.set(key, listing);
        return listing;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Runs a write with the API's listing dropped before and after it. */
  private async writing<T>(loc: Location, write: () => Promise<T>): Promise<T> {
    this.listings.delete(apiKey(loc));
    try {
      return await write();
    } finally {
      this.listings.delete(apiKey(loc));
    }
  }

  createRoute(loc: Location, fields: RouteFields & { routeKey: string }, signal?: AbortSignal): Promise<ObservedRoute> {
    return this.writing(loc, () => this.inner.createRoute(loc, fields, signal));
  }

  updateRoute(loc: Location, routeId: string, fields: RouteFields, signal?: AbortSignal): Promise<ObservedRoute> {
    return this.writing(loc, () => this.inner.updateRoute(loc, routeId, fields, signal));
  }

  deleteRouteRequestParameter(loc: Location, routeId: string, key: string, signal?: AbortSignal): Promise<void> {
    return this.writing(loc, () => this.inner.deleteRouteRequestParameter(loc, routeId, key, signal));
  }

  deleteRoute(loc: Location, routeId: string, signal?: AbortSignal): Promise<void> {
    return this.writing(loc, () => this.inner.deleteRoute(loc, routeId, signal));
  }
}
