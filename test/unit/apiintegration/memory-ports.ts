// In-memory ports for the reconciler shell. They keep state the way the API server and API Gateway
// do (resourceVersion preconditions, integrations per API, routes that block deletes), so the shell
// is checked against behaviour, not calls.
import { pino } from 'pino';
import type { ApiIntegration, ApiIntegrationStatusT } from '../../../src/api/v1alpha1/types.ts';
import type { Protocol } from '../../../src/api/v1alpha1/group.ts';
import type {
  ApiIntegrationStore,
  IntegrationFields,
  IntegrationGateway,
  ObservedIntegration,
  RouteRef,
} from '../../../src/apiintegration/ports.ts';
import type { Location } from '../../../src/kind/ports.ts';
import type { DesiredResponse, ObservedResponse } from '../../../src/kind/responses.ts';
import { ApiIntegrationReconciler, type ReconcilerDeps } from '../../../src/apiintegration/reconciler.ts';
import { FakeClock } from '../../../src/runtime/clock.ts';
import { ConflictError } from '../../../src/runtime/ports.ts';
import { object } from './fixtures.ts';

export const KEY = 'team-a/hello';
export const signal = new AbortController().signal;

export class MemoryStore implements ApiIntegrationStore {
  obj: ApiIntegration;
  writes: string[] = [];
  /** Failures to inject: return an error to fail that write, undefined to let it through. */
  fail: { metadata?: () => Error | undefined; status?: () => Error | undefined } = {};
  constructor(obj: ApiIntegration) {
    this.obj = obj;
  }
  private bump(next: ApiIntegration): ApiIntegration {
    this.obj = {
      ...next,
      metadata: { ...next.metadata, resourceVersion: String(Number(next.metadata.resourceVersion) + 1) },
    };
    return this.obj;
  }
  async patchMetadata(
    obj: ApiIntegration,
    patch: { finalizers?: string[]; annotations?: Record<string, string | null> },
    opts: { precondition?: boolean } = {},
  ) {
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
  async patchStatus(_obj: ApiIntegration, status: ApiIntegrationStatusT) {
    const e = this.fail.status?.();
    if (e) throw e;
    this.writes.push('status');
    return this.bump({ ...this.obj, status });
  }
  /** What a user does: edit the spec (a new generation), or delete the object. */
  edit(spec: Partial<ApiIntegration['spec']>): void {
    const m = this.obj.metadata;
    this.obj = { ...this.obj, spec: { ...this.obj.spec, ...spec }, metadata: { ...m, generation: m.generation + 1 } };
  }
  delete(): void {
    this.obj = { ...this.obj, metadata: { ...this.obj.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
  }
  annotate(annotations: Record<string, string>): void {
    const m = this.obj.metadata;
    this.obj = { ...this.obj, metadata: { ...m, annotations: { ...m.annotations, ...annotations } } };
  }
}

type Stored = ObservedIntegration & { apiId: string };

export class MemoryGateway implements IntegrationGateway {
  /** The APIs that exist, with their protocols. */
  apis = new Map<string, Protocol>([
    ['api1', 'HTTP'],
    ['api2', 'HTTP'],
  ]);
  items = new Map<string, Stored>();
  routes: RouteRef[] = [];
  calls: string[] = [];
  /** Where each call went (the role it was made with). */
  locations: Location[] = [];
  /** GetIntegration calls that asked to skip any shared listing. */
  freshReads = 0;
  fail: Partial<Record<string, () => Error>> = {};
  /** An UpdateIntegration that is accepted but changes nothing (an AWS that never converges). */
  ignoreUpdates = false;
  private seq = 0;
  private check(op: string, loc: Location) {
    this.calls.push(op);
    this.locations.push(loc);
    const f = this.fail[op];
    if (f) throw f();
  }
  async getApiProtocol(loc: Location) {
    return this.apis.get(loc.apiId);
  }
  async getIntegration(loc: Location, id: string, _s?: AbortSignal, fresh?: boolean) {
    this.check('GetIntegration', loc);
    if (fresh) this.freshReads++;
    const i = this.items.get(id);
    return i && i.apiId === loc.apiId ? strip(i) : undefined;
  }
  async listIntegrations(loc: Location) {
    this.check('GetIntegrations', loc);
    if (!this.apis.has(loc.apiId)) return undefined;
    return [...this.items.values()].filter((i) => i.apiId === loc.apiId).map(strip);
  }
  async listRoutes(loc: Location) {
    this.check('GetRoutes', loc);
    return this.routes;
  }
  async createIntegration(loc: Location, f: IntegrationFields) {
    this.check('CreateIntegration', loc);
    return this.put(loc.apiId, { ...f, integrationId: `i${++this.seq}`, timeoutInMillis: 30000 });
  }
  async updateIntegration(loc: Location, id: string, f: IntegrationFields) {
    this.check('UpdateIntegration', loc);
    const had = this.items.get(id)!;
    return this.ignoreUpdates ? strip(had) : this.put(had.apiId, { ...had, ...f });
  }
  async deleteIntegration(loc: Location, id: string) {
    this.check('DeleteIntegration', loc);
    this.items.delete(id);
  }
  /** An integration made outside the operator (by hand, or by a create whose answer was lost). */
  put(apiId: string, i: ObservedIntegration): ObservedIntegration {
    this.items.set(i.integrationId, { connectionType: 'INTERNET', ...i, apiId });
    return strip(this.items.get(i.integrationId)!);
  }
  /** Integration responses by integration id. */
  responses = new Map<string, ObservedResponse[]>();
  async listIntegrationResponses(loc: Location, integrationId: string) {
    this.check('GetIntegrationResponses', loc);
    return this.items.has(integrationId) ? (this.responses.get(integrationId) ?? []) : undefined;
  }
  async createIntegrationResponse(loc: Location, integrationId: string, r: DesiredResponse) {
    this.check('CreateIntegrationResponse', loc);
    const list = this.responses.get(integrationId) ?? [];
    this.responses.set(integrationId, [...list, { id: `r${++this.seq}`, ...r }]);
  }
  async updateIntegrationResponse(loc: Location, integrationId: string, r: ObservedResponse) {
    this.check('UpdateIntegrationResponse', loc);
    const list = this.responses.get(integrationId) ?? [];
    this.responses.set(
      integrationId,
      list.map((x) => (x.id === r.id ? r : x)),
    );
  }
  async deleteIntegrationResponse(loc: Location, integrationId: string, id: string) {
    this.check('DeleteIntegrationResponse', loc);
    this.responses.set(
      integrationId,
      (this.responses.get(integrationId) ?? []).filter((x) => x.id !== id),
    );
  }
  count(op: string): number {
    return this.calls.filter((c) => c === op).length;
  }
}

const strip = ({ apiId: _apiId, ...i }: Stored): ObservedIntegration => i;

export function setup(obj: ApiIntegration = object({ finalizers: [] }), deps: Partial<ReconcilerDeps> = {}) {
  const store = new MemoryStore(obj);
  const gateway = new MemoryGateway();
  const events: string[] = [];
  const messages: string[] = [];
  const clock = new FakeClock();
  const reconciler = new ApiIntegrationReconciler({
    get: () => store.obj,
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
    createSettleMs: 30_000,
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
  return { store, gateway, events, messages, clock, reconciler, condition, ready, annotation, run, failure };
}
