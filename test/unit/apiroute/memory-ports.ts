// In-memory ports for the ApiRoute reconciler shell. They keep state the way the API server and API
// Gateway do (resourceVersion preconditions, route keys unique per API, UpdateRoute merging, request
// parameters removed one call at a time), so the shell is checked against behaviour, not calls.
import { pino } from 'pino';
import type { ApiRoute, ApiRouteStatusT } from '../../../src/api/v1alpha1/route-types.ts';
import type { ApiIntegration } from '../../../src/api/v1alpha1/types.ts';
import type { Protocol } from '../../../src/api/v1alpha1/group.ts';
import { AwsError } from '../../../src/kind/errors.ts';
import { RouteKeyExistsError } from '../../../src/apiroute/errors.ts';
import type { ApiRouteStore, ObservedRoute, RouteFields, RouteGateway } from '../../../src/apiroute/ports.ts';
import type { Location } from '../../../src/kind/ports.ts';
import type { DesiredResponse, ObservedResponse } from '../../../src/kind/responses.ts';
import { ApiRouteReconciler, type RouteReconcilerDeps } from '../../../src/apiroute/reconciler.ts';
import { samePlace, type Place } from '../../../src/kind/record.ts';
import { routeClaimsOf } from '../../../src/apiroute/setup.ts';
import { FakeClock } from '../../../src/runtime/clock.ts';
import { ConflictError } from '../../../src/runtime/ports.ts';
import { routeObject } from './fixtures.ts';

export const KEY = 'team-a/get-item';
export const signal = new AbortController().signal;

type MetadataPatch = { finalizers?: string[]; annotations?: Record<string, string | null> };

export class MemoryRouteStore implements ApiRouteStore {
  obj: ApiRoute;
  writes: string[] = [];
  /** Failures to inject: return an error to fail that write, undefined to let it through. */
  fail: { metadata?: () => Error | undefined; status?: () => Error | undefined } = {};
  constructor(obj: ApiRoute) {
    this.obj = obj;
  }
  private bump(next: ApiRoute): ApiRoute {
    const resourceVersion = String(Number(next.metadata.resourceVersion) + 1);
    this.obj = { ...next, metadata: { ...next.metadata, resourceVersion } };
    return this.obj;
  }
  async patchMetadata(obj: ApiRoute, patch: MetadataPatch, opts: { precondition?: boolean } = {}) {
    const e = this.fail.metadata?.();
    if (e) throw e;
    if (opts.precondition && obj.metadata.resourceVersion !== this.obj.metadata.resourceVersion)
      throw new ConflictError();
    this.writes.push('metadata');
    const annotations = { ...this.obj.metadata.annotations };
    for (const [k, v] of Object.entries(patch.annotations ?? {})) {
      if (v === null) delete annotations[k];
      else annotations[k] = v;
    }
    const finalizers = patch.finalizers ?? this.obj.metadata.finalizers;
    return this.bump({ ...this.obj, metadata: { ...this.obj.metadata, annotations, finalizers } });
  }
  async patchStatus(_obj: ApiRoute, status: ApiRouteStatusT) {
    const e = this.fail.status?.();
    if (e) throw e;
    this.writes.push('status');
    return this.bump({ ...this.obj, status });
  }
  /** What a user does: edit the spec (a new generation), or delete the object. */
  edit(spec: Partial<ApiRoute['spec']>): void {
    const m = this.obj.metadata;
    const merged = Object.fromEntries(Object.entries({ ...this.obj.spec, ...spec }).filter(([, v]) => v !== undefined));
    this.obj = { ...this.obj, spec: merged as ApiRoute['spec'], metadata: { ...m, generation: m.generation + 1 } };
  }
  delete(): void {
    this.obj = { ...this.obj, metadata: { ...this.obj.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
  }
  annotate(annotations: Record<string, string>): void {
    const m = this.obj.metadata;
    this.obj = { ...this.obj, metadata: { ...m, annotations: { ...m.annotations, ...annotations } } };
  }
}

type Stored = ObservedRoute & { apiId: string };

export class MemoryRouteGateway implements RouteGateway {
  /** The APIs that exist, with their protocols. */
  apis = new Map<string, Protocol>([
    ['api1', 'HTTP'],
    ['api2', 'HTTP'],
    ['ws1', 'WEBSOCKET'],
  ]);
  routes = new Map<string, Stored>();
  calls: string[] = [];
  locations: Location[] = [];
  /** GetRoutes / GetRoute calls that asked to skip any shared listing. */
  freshReads: string[] = [];
  fail: Partial<Record<string, () => Error>> = {};
  /** Runs just before CreateRoute is answered: someone else acting in between. */
  beforeCreate?: () => void;
  /** The next CreateRoute lands in AWS but its answer is lost (a timeout). */
  loseCreate = false;
  /** GetRoutes leaves these keys out, as a listing that has not caught up yet. */
  hiddenKeys = new Set<string>();
  private seq = 0;
  private check(op: string, loc: Location) {
    this.calls.push(op);
    this.locations.push(loc);
    const f = this.fail[op];
    if (f) throw f();
  }
  /** GetApi calls (kept out of `calls`, which lists route operations). */
  apiReads = 0;
  async getApiProtocol(loc: Location) {
    this.apiReads++;
    return this.apis.get(loc.apiId);
  }
  async getRoute(loc: Location, id: string, _s?: AbortSignal, fresh?: boolean) {
    this.check('GetRoute', loc);
    if (fresh) this.freshReads.push('GetRoute');
    const r = this.routes.get(id);
    return r && r.apiId === loc.apiId ? strip(r) : undefined;
  }
  async listRoutes(loc: Location, _s?: AbortSignal, fresh?: boolean) {
    this.check('GetRoutes', loc);
    if (fresh) this.freshReads.push('GetRoutes');
    if (!this.apis.has(loc.apiId)) return undefined;
    return this.on(loc.apiId)
      .filter((r) => !this.hiddenKeys.has(r.routeKey))
      .map(strip);
  }
  async createRoute(loc: Location, f: RouteFields & { routeKey: string }) {
    this.check('CreateRoute', loc);
    this.beforeCreate?.();
    this.refuseTaken(loc.apiId, f.routeKey);
    const made = this.put(loc.apiId, {
      authorizationType: 'NONE',
      apiKeyRequired: false,
      ...f,
      routeId: `r${++this.seq}`,
    });
    if (this.loseCreate) {
      this.loseCreate = false;
      throw new AwsError('Transient', 'CreateRoute: socket hang up', { operation: 'CreateRoute' });
    }
    return made;
  }
  async updateRoute(loc: Location, id: string, f: RouteFields) {
    this.check('UpdateRoute', loc);
    if (f.routeKey !== undefined) this.refuseTaken(loc.apiId, f.routeKey, id);
    const had = this.routes.get(id)!;
    const requestParameters = f.requestParameters ? { ...had.requestParameters, ...f.requestParameters } : undefined;
    return this.put(had.apiId, { ...had, ...f, ...(requestParameters ? { requestParameters } : {}) });
  }
  async deleteRouteRequestParameter(loc: Location, id: string, key: string) {
    this.check('DeleteRouteRequestParameter', loc);
    const had = this.routes.get(id)!;
    const { [key]: _gone, ...rest } = had.requestParameters ?? {};
    this.routes.set(id, { ...had, requestParameters: rest });
  }
  async deleteRoute(loc: Location, id: string) {
    this.check('DeleteRoute', loc);
    this.routes.delete(id);
  }
  /** A route made outside the operator (by hand, or by a create whose answer was lost). */
  put(apiId: string, r: ObservedRoute): ObservedRoute {
    this.routes.set(r.routeId, { ...r, apiId });
    return strip(this.routes.get(r.routeId)!);
  }
  on(apiId: string): Stored[] {
    return [...this.routes.values()].filter((r) => r.apiId === apiId);
  }
  /** Route responses by route id. */
  responses = new Map<string, ObservedResponse[]>();
  async listRouteResponses(_loc: Location, routeId: string) {
    this.calls.push('GetRouteResponses');
    return this.routes.has(routeId) ? (this.responses.get(routeId) ?? []) : undefined;
  }
  async createRouteResponse(_loc: Location, routeId: string, r: DesiredResponse) {
    this.calls.push('CreateRouteResponse');
    this.responses.set(routeId, [...(this.responses.get(routeId) ?? []), { id: `rr${++this.seq}`, ...r }]);
  }
  async updateRouteResponse(_loc: Location, routeId: string, r: ObservedResponse) {
    this.calls.push('UpdateRouteResponse');
    this.responses.set(
      routeId,
      (this.responses.get(routeId) ?? []).map((x) => (x.id === r.id ? r : x)),
    );
  }
  async deleteRouteResponse(_loc: Location, routeId: string, id: string) {
    this.calls.push('DeleteRouteResponse');
    this.responses.set(
      routeId,
      (this.responses.get(routeId) ?? []).filter((x) => x.id !== id),
    );
  }
  count(op: string): number {
    return this.calls.filter((c) => c === op).length;
  }
  /** Calls that change AWS. */
  writes(): string[] {
    return this.calls.filter((c) => !c.startsWith('Get'));
  }
  private refuseTaken(apiId: string, routeKey: string, except?: string) {
    if (this.on(apiId).some((r) => r.routeKey === routeKey && r.routeId !== except))
      throw new RouteKeyExistsError(routeKey, `Route with key ${routeKey} already exists for this API`, {
        operation: 'CreateRoute',
        httpStatus: 409,
      });
  }
}

const strip = ({ apiId: _apiId, ...r }: Stored): ObservedRoute => r;

/** The `items` ApiIntegration, recording integration `id` on `apiId` (none when id is null). */
export function itemsIntegration(id: string | null = 'int1', apiId = 'api1', deleting = false): ApiIntegration {
  return {
    apiVersion: 'apigw.dev/v1alpha1',
    kind: 'ApiIntegration',
    metadata: {
      name: 'items',
      namespace: 'team-a',
      uid: 'aaaaaaaa-0000-4000-8000-000000000001',
      generation: 1,
      resourceVersion: '3',
      annotations: id ? { 'apigw.dev/integration-id': id, 'apigw.dev/location': `us-east-1/${apiId}` } : {},
      ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { apiId, integrationType: 'HTTP_PROXY', integrationUri: 'https://example.com', integrationMethod: 'ANY' },
  } as ApiIntegration;
}

export function setup(obj: ApiRoute = routeObject({ finalizers: [] }), deps: Partial<RouteReconcilerDeps> = {}) {
  const store = new MemoryRouteStore(obj);
  const gateway = new MemoryRouteGateway();
  const integrations = new Map<string, ApiIntegration>([['team-a/items', itemsIntegration()]]);
  /** Other ApiRoutes in the cache; the object itself is in it too, as in a real informer. */
  const others: ApiRoute[] = [];
  const events: string[] = [];
  const messages: string[] = [];
  const clock = new FakeClock();
  const reconciler = new ApiRouteReconciler({
    get: () => store.obj,
    integration: (key) => integrations.get(key),
    claimsAt: (place: Place) => [store.obj, ...others].flatMap(routeClaimsOf).filter((c) => samePlace(c, place)),
    store,
    gateway,
    events: {
      record: (_o, type, reason, message) => {
        events.push(`${type}:${reason}`);
        messages.push(message);
      },
    },
    policy: { roleFor: async () => undefined },
    clock,
    logger: pino({ level: 'silent' }),
    defaultRegion: 'us-east-1',
    driftIntervalMs: 300_000,
    random: () => 0.5,
    ...deps,
  });
  const condition = (type: string) => store.obj.status?.conditions?.find((c) => c.type === type);
  const ready = () => condition('Ready');
  const annotation = (name: string) => store.obj.metadata.annotations?.[`apigw.dev/${name}`];
  const run = () => reconciler.reconcile(KEY, signal);
  /** Runs a pass and hands back what it threw. */
  const failure = async () =>
    (await run()
      .then(() => undefined)
      .catch((e: unknown) => e)) as Error | undefined;
  return {
    store,
    gateway,
    integrations,
    others,
    events,
    messages,
    clock,
    reconciler,
    condition,
    ready,
    annotation,
    run,
    failure,
  };
}
