// Drift checks that scale with APIs, not objects: when several objects on one API are checked
// within a short window, one GetIntegrations listing (all pages) answers them all. Any write
// through this gateway drops the API's listing, so the operator never acts on its own stale view;
// a recorded integration missing from a listing is confirmed with GetIntegration before it is
// declared gone, and a listing that fails falls back to per-object reads. Route listings, read
// before every delete, are shared per API the same way. The listing cache itself is shared with
// ApiRoute (src/kind/listing-cache.ts).
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { Clock } from '../runtime/clock.ts';
import type { IntegrationFields, IntegrationGateway, ObservedIntegration, RouteRef } from './ports.ts';
import { ListingCache, type Listing } from '../kind/listing-cache.ts';
import { apiKey, type Location } from '../kind/ports.ts';

export interface CoalescingOptions {
  clock: Clock;
  /** How long a listing answers drift checks. */
  ttlMs: number;
  /**
   * How long a route listing answers deletes: short, since a user retargeting routes expects the
   * delete to follow, but long enough for a batch of deletes (an Argo CD prune) to share one.
   */
  routesTtlMs?: number;
  /** How long an asked-for integration counts towards its API's population (a drift interval and a half). */
  windowMs?: number;
  /** Distinct integrations asked for on one API within windowMs before a listing is worth it. */
  minObjectsPerListing?: number;
  /**
   * How many objects the informer cache records on the API. After a restart nobody has asked yet,
   * so without it every API would pay a GetIntegration before its listing (40 APIs: 40 calls of
   * the start-up's AWS budget); with it, an API the cache knows to be shared is listed at once.
   */
  population?: (loc: Location) => number;
}

export class CoalescingGateway implements IntegrationGateway {
  private readonly inner: IntegrationGateway;
  private readonly opts: Required<Omit<CoalescingOptions, 'population'>> & Pick<CoalescingOptions, 'population'>;
  private readonly cache: ListingCache<ObservedIntegration>;
  private readonly routes = new Map<string, { at: number; routes: Promise<RouteRef[] | undefined> }>();

  constructor(inner: IntegrationGateway, opts: CoalescingOptions) {
    this.inner = inner;
    this.opts = { minObjectsPerListing: 2, windowMs: opts.ttlMs * 3, routesTtlMs: 2000, ...opts };
    this.cache = new ListingCache({
      ...this.opts,
      list: (loc, signal) => inner.listIntegrations(loc, signal),
      idOf: (i) => i.integrationId,
    });
  }

  getApiProtocol(loc: Location, signal?: AbortSignal): Promise<Protocol | undefined> {
    return this.inner.getApiProtocol(loc, signal);
  }

  listIntegrations(loc: Location, signal?: AbortSignal): Promise<ObservedIntegration[] | undefined> {
    return this.inner.listIntegrations(loc, signal);
  }

  /** Shared by every delete on the API within routesTtlMs; a failed listing is not kept. */
  listRoutes(loc: Location, signal?: AbortSignal): Promise<RouteRef[] | undefined> {
    const key = apiKey(loc);
    const now = this.opts.clock.now();
    const hit = this.routes.get(key);
    if (hit && now - hit.at < this.opts.routesTtlMs) return hit.routes;
    const routes = this.inner.listRoutes(loc, signal);
    const entry = { at: now, routes };
    this.routes.set(key, entry);
    routes.catch(() => {
      if (this.routes.get(key) === entry) this.routes.delete(key);
    });
    for (const [k, v] of this.routes) if (now - v.at >= this.opts.routesTtlMs && k !== key) this.routes.delete(k);
    return routes;
  }

  async getIntegration(
    loc: Location,
    integrationId: string,
    signal?: AbortSignal,
    bypass?: boolean,
  ): Promise<ObservedIntegration | undefined> {
    if (bypass) return this.inner.getIntegration(loc, integrationId, signal);
    const now = this.opts.clock.now();
    const fresh = this.cache.fresh(loc, now);
    if (fresh) return this.answer(fresh, loc, integrationId, signal);
    const busy = this.cache.asked(loc, integrationId, now) >= this.opts.minObjectsPerListing;
    const shared = (this.opts.population?.(loc) ?? 0) >= this.opts.minObjectsPerListing;
    if (!busy && !shared) return this.inner.getIntegration(loc, integrationId, signal);
    let listing: Listing<ObservedIntegration>;
    try {
      listing = await this.cache.refresh(loc, signal);
    } catch {
      // A listing can fail for reasons that do not concern this object (an expired page token).
      return this.inner.getIntegration(loc, integrationId, signal);
    }
    return this.answer(listing, loc, integrationId, signal);
  }

  private async answer(
    listing: Listing<ObservedIntegration>,
    loc: Location,
    id: string,
    signal?: AbortSignal,
  ): Promise<ObservedIntegration | undefined> {
    if (listing.byId === undefined) return this.inner.getIntegration(loc, id, signal);
    return listing.byId.get(id) ?? this.inner.getIntegration(loc, id, signal);
  }

  async createIntegration(
    loc: Location,
    fields: IntegrationFields,
    signal?: AbortSignal,
  ): Promise<ObservedIntegration> {
    return await this.cache.writing(loc, () => this.inner.createIntegration(loc, fields, signal));
  }

  async updateIntegration(
    loc: Location,
    integrationId: string,
    fields: IntegrationFields,
    signal?: AbortSignal,
  ): Promise<ObservedIntegration> {
    return await this.cache.writing(loc, () => this.inner.updateIntegration(loc, integrationId, fields, signal));
  }

  async deleteIntegration(loc: Location, integrationId: string, signal?: AbortSignal): Promise<void> {
    await this.cache.writing(loc, () => this.inner.deleteIntegration(loc, integrationId, signal));
  }

  // Integration responses are read per integration when their spec is set; no listing covers them.
  listIntegrationResponses(...args: Parameters<IntegrationGateway['listIntegrationResponses']>) {
    return this.inner.listIntegrationResponses(...args);
  }

  createIntegrationResponse(...args: Parameters<IntegrationGateway['createIntegrationResponse']>) {
    return this.inner.createIntegrationResponse(...args);
  }

  updateIntegrationResponse(...args: Parameters<IntegrationGateway['updateIntegrationResponse']>) {
    return this.inner.updateIntegrationResponse(...args);
  }

  deleteIntegrationResponse(...args: Parameters<IntegrationGateway['deleteIntegrationResponse']>) {
    return this.inner.deleteIntegrationResponse(...args);
  }
}
