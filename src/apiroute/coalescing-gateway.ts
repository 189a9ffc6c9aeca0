// Drift checks of routes that scale with APIs, not objects, on the shared listing cache
// (src/kind/listing-cache.ts): route drift checks of one API come due together (drift-schedule.ts),
// and when several routes of one API are checked within a short window one GetRoutes listing
// answers them all. Reads asked `fresh` (creates, recovery by key, a pending
// reconcile request) always go to AWS, and any write drops the API's listing, so the operator
// never acts on its own stale view. A route a listing lacks is confirmed with GetRoute before it is
// declared gone.
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { Clock } from '../runtime/clock.ts';
import type { ObservedRoute, RouteFields, RouteGateway } from './ports.ts';
import { ListingCache, type Listing } from '../kind/listing-cache.ts';
import type { Location } from '../kind/ports.ts';

export interface RouteCoalescingOptions {
  clock: Clock;
  /** How long a listing answers drift checks. */
  ttlMs: number;
  /** How long an asked-for route counts towards its API's population (a drift interval and a half). */
  windowMs: number;
}

/** Distinct routes asked for on one API within the window before a listing is worth it. */
const MIN_ROUTES_PER_LISTING = 2;

export class CoalescingRouteGateway implements RouteGateway {
  private readonly inner: RouteGateway;
  private readonly clock: Clock;
  private readonly cache: ListingCache<ObservedRoute>;

  constructor(inner: RouteGateway, opts: RouteCoalescingOptions) {
    this.inner = inner;
    this.clock = opts.clock;
    this.cache = new ListingCache({
      ...opts,
      list: (loc, signal) => inner.listRoutes(loc, signal),
      idOf: (r) => r.routeId,
    });
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
    const now = this.clock.now();
    const held = this.cache.fresh(loc, now);
    if (held) return this.answer(held, loc, routeId, signal);
    if (this.cache.asked(loc, routeId, now) < MIN_ROUTES_PER_LISTING) return this.inner.getRoute(loc, routeId, signal);
    try {
      return await this.answer(await this.cache.refresh(loc, signal), loc, routeId, signal);
    } catch {
      // A listing can fail for reasons that do not concern this route (an expired page token).
      return this.inner.getRoute(loc, routeId, signal);
    }
  }

  private answer(listing: Listing<ObservedRoute>, loc: Location, id: string, signal?: AbortSignal) {
    const hit = listing.byId?.get(id);
    return hit ? Promise.resolve(hit) : this.inner.getRoute(loc, id, signal, true);
  }

  createRoute(loc: Location, fields: RouteFields & { routeKey: string }, signal?: AbortSignal): Promise<ObservedRoute> {
    return this.cache.writing(loc, () => this.inner.createRoute(loc, fields, signal));
  }

  updateRoute(loc: Location, routeId: string, fields: RouteFields, signal?: AbortSignal): Promise<ObservedRoute> {
    return this.cache.writing(loc, () => this.inner.updateRoute(loc, routeId, fields, signal));
  }

  deleteRouteRequestParameter(loc: Location, routeId: string, key: string, signal?: AbortSignal): Promise<void> {
    return this.cache.writing(loc, () => this.inner.deleteRouteRequestParameter(loc, routeId, key, signal));
  }

  deleteRoute(loc: Location, routeId: string, signal?: AbortSignal): Promise<void> {
    return this.cache.writing(loc, () => this.inner.deleteRoute(loc, routeId, signal));
  }

  // Route responses are read per route when their spec is set; no listing covers them.
  listRouteResponses(...args: Parameters<RouteGateway['listRouteResponses']>) {
    return this.inner.listRouteResponses(...args);
  }

  createRouteResponse(...args: Parameters<RouteGateway['createRouteResponse']>) {
    return this.inner.createRouteResponse(...args);
  }

  updateRouteResponse(...args: Parameters<RouteGateway['updateRouteResponse']>) {
    return this.inner.updateRouteResponse(...args);
  }

  deleteRouteResponse(...args: Parameters<RouteGateway['deleteRouteResponse']>) {
    return this.inner.deleteRouteResponse(...args);
  }
}
