// The reconciler shell on in-memory ports and a fake clock: the step loop, marker → create →
// record in three writes, blocked deletes, and each error branch, in milliseconds instead of on the
// test bed. The ports keep state the way the API server and API Gateway do (resourceVersion
// preconditions, routes that block deletes), so the shell is checked against behaviour, not calls.
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { FINALIZER, type ApiIntegration, type ApiIntegrationStatusT } from '../../../src/api/v1alpha1/types.ts';
import { AwsError, BudgetWait } from '../../../src/apiintegration/errors.ts';
import type {
  ApiIntegrationStore,
  IntegrationFields,
  IntegrationGateway,
  Location,
  ObservedIntegration,
  RouteRef,
} from '../../../src/apiintegration/ports.ts';
import type { RetryAfterError } from '../../../src/runtime/controller.ts';
import { ApiIntegrationReconciler } from '../../../src/apiintegration/reconciler.ts';
import { FakeClock } from '../../../src/runtime/clock.ts';
import { ConflictError } from '../../../src/runtime/ports.ts';
import { object } from './fixtures.ts';

const KEY = 'team-a/hello';
const signal = new AbortController().signal;

class MemoryStore implements ApiIntegrationStore {
  obj: ApiIntegration;
  writes: string[] = [];
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
    this.writes.push('status');
    return this.bump({ ...this.obj, status });
  }
}

class MemoryGateway implements IntegrationGateway {
  items = new Map<string, ObservedIntegration>();
  routes: RouteRef[] = [];
  calls: string[] = [];
  fail: Partial<Record<string, () => Error>> = {};
  private seq = 0;
  private check(op: string) {
    this.calls.push(op);
    const f = this.fail[op];
    if (f) throw f();
  }
  async getApiProtocol() {
    return 'HTTP' as const;
  }
  async getIntegration(_l: Location, id: string) {
    this.check('GetIntegration');
    return this.items.get(id);
  }
  async listIntegrations() {
    this.check('GetIntegrations');
    return [...this.items.values()];
  }
  async listRoutes() {
    this.check('GetRoutes');
    return this.routes;
  }
  async createIntegration(_l: Location, f: IntegrationFields) {
    this.check('CreateIntegration');
    const i = { ...f, integrationId: `i${++this.seq}`, timeoutInMillis: 30000, connectionType: 'INTERNET' };
    this.items.set(i.integrationId, i);
    return i;
  }
  async updateIntegration(_l: Location, id: string, f: IntegrationFields) {
    this.check('UpdateIntegration');
    const i = { ...this.items.get(id)!, ...f };
    this.items.set(id, i);
    return i;
  }
  async deleteIntegration(_l: Location, id: string) {
    this.check('DeleteIntegration');
    this.items.delete(id);
  }
}

function setup(obj: ApiIntegration = object({ finalizers: [] })) {
  const store = new MemoryStore(obj);
  const gateway = new MemoryGateway();
  const events: string[] = [];
  const clock = new FakeClock();
  const reconciler = new ApiIntegrationReconciler({
    get: () => store.obj,
    store,
    gateway,
    events: { record: (_o, type, reason) => void events.push(`${type}:${reason}`) },
    policy: { roleFor: async () => undefined },
    clock,
    logger: pino({ level: 'silent' }),
    defaultRegion: 'us-east-1',
    driftIntervalMs: 300_000,
    createSettleMs: 30_000,
    random: () => 0.5,
  });
  const ready = () => store.obj.status?.conditions?.find((c) => c.type === 'Ready');
  return { store, gateway, events, clock, reconciler, ready, run: () => reconciler.reconcile(KEY, signal) };
}

describe('the reconciler shell', () => {
  it('creates a new object in three API-server writes: marker with finalizer, recorded id, status', async () => {
    const t = setup();
    const r = await t.run();
    expect(t.store.writes).toEqual(['metadata', 'metadata', 'status']);
    expect(t.gateway.calls).toEqual(['CreateIntegration']);
    expect(t.store.obj.metadata.finalizers).toEqual([FINALIZER]);
    expect(t.store.obj.metadata.annotations).toMatchObject({
      'apigw.dev/integration-id': 'i1',
      'apigw.dev/location': 'us-east-1/api1',
    });
    expect(t.store.obj.metadata.annotations?.['apigw.dev/create-pending']).toBeUndefined();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(t.events).toEqual(['Normal:Created']);
    // The drift check comes at the API's slot, between half an interval and one and a half.
    expect(r.requeueAfterMs).toBeGreaterThan(150_000);
    expect(r.requeueAfterMs).toBeLessThanOrEqual(450_000);
    // A steady pass writes nothing and makes one read.
    t.store.writes = [];
    t.gateway.calls = [];
    await t.run();
    expect(t.store.writes).toEqual([]);
    expect(t.gateway.calls).toEqual(['GetIntegration']);
  });

  it('a refused create clears its marker, reports Stalled and comes back slowly', async () => {
    const t = setup();
    t.gateway.fail.CreateIntegration = () =>
      new AwsError('QuotaExceeded', 'CreateIntegration: Maximum number of Integrations for this API has been reached', {
        operation: 'CreateIntegration',
        httpStatus: 429,
      });
    const r = await t.run();
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'QuotaExceeded' });
    expect(t.store.obj.status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True' });
    expect(t.store.obj.metadata.annotations?.['apigw.dev/create-pending']).toBeUndefined();
    expect(r.requeueAfterMs).toBe(600_000);
    expect(t.events).toContain('Warning:AwsRejected');
  });

  it('a create with no answer keeps its marker and does not create again until a listing has had time to show it', async () => {
    const t = setup();
    t.gateway.fail.CreateIntegration = () =>
      new AwsError('Transient', 'CreateIntegration: socket hang up', { operation: 'CreateIntegration' });
    await expect(t.run()).rejects.toBeInstanceOf(AwsError);
    expect(t.store.obj.metadata.annotations?.['apigw.dev/create-pending']).toMatch(/^us-east-1\/api1@\d+$/);
    delete t.gateway.fail.CreateIntegration;
    const r = await t.run();
    expect(t.gateway.calls.filter((c) => c === 'CreateIntegration')).toHaveLength(1);
    expect(t.ready()).toMatchObject({ reason: 'CreateInDoubt' });
    expect(r.requeueAfterMs).toBe(30_000);
    await t.clock.advance(30_000);
    await t.run();
    expect(t.gateway.calls.filter((c) => c === 'CreateIntegration')).toHaveLength(2);
    expect(t.ready()).toMatchObject({ status: 'True' });
  });

  it('a concurrent modification backs off exponentially with jitter, and success resets it', async () => {
    const t = setup();
    t.gateway.fail.CreateIntegration = () =>
      new AwsError('Conflict', 'concurrent modification', { operation: 'CreateIntegration', httpStatus: 409 });
    const delay = async () => ((await t.run().catch((e: unknown) => e)) as RetryAfterError).retryAfterMs;
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) delays.push(await delay());
    expect(delays).toEqual([750, 1500, 3000, 6000]);
    // A refused create made nothing: its marker is gone, so the next try need not wait to look for it.
    expect(t.store.obj.metadata.annotations?.['apigw.dev/create-pending']).toBeUndefined();
    delete t.gateway.fail.CreateIntegration;
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True' });
    t.gateway.fail.UpdateIntegration = () =>
      new AwsError('Conflict', 'concurrent modification', { operation: 'UpdateIntegration', httpStatus: 409 });
    t.store.obj = {
      ...t.store.obj,
      spec: { ...t.store.obj.spec, timeoutInMillis: 5000 },
      metadata: { ...t.store.obj.metadata, generation: 2 },
    };
    expect(await delay()).toBe(750);
  });

  it('a stale view of the object is retried quickly, without AWS writes', async () => {
    const t = setup(object({ finalizers: [] }));
    const stale = t.store.obj;
    await t.store.patchMetadata(stale, { annotations: { touched: 'yes' } });
    const reconciler = new ApiIntegrationReconciler({
      get: () => stale,
      store: t.store,
      gateway: t.gateway,
      events: { record: () => {} },
      policy: { roleFor: async () => undefined },
      clock: t.clock,
      logger: pino({ level: 'silent' }),
      defaultRegion: 'us-east-1',
      driftIntervalMs: 300_000,
    });
    await expect(reconciler.reconcile(KEY, signal)).rejects.toMatchObject({ retryAfterMs: 200 });
    expect(t.gateway.calls).toEqual([]);
  });

  it('a delete blocked by routes sends no DeleteIntegration, says which routes, warns once, and backs off; then finishes', async () => {
    const t = setup();
    await t.run();
    t.gateway.routes = [
      { routeId: 'r1', routeKey: 'GET /orders', target: 'integrations/i1' },
      { routeId: 'r2', routeKey: '$default', target: 'integrations/other' },
    ];
    t.store.obj = { ...t.store.obj, metadata: { ...t.store.obj.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await t.run();
      waits.push(r.requeueAfterMs!);
      await t.clock.advance(r.requeueAfterMs!);
    }
    expect(t.gateway.calls.filter((c) => c === 'DeleteIntegration')).toHaveLength(0);
    expect(waits).toEqual([5_000, 5_000, 10_000, 20_000, 40_000]);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'IntegrationInUse' });
    expect(t.ready()?.message).toContain('r1 (GET /orders)');
    expect(t.ready()?.message).not.toContain('r2');
    expect(t.events.filter((e) => e === 'Warning:IntegrationInUse')).toHaveLength(1);
    t.gateway.routes = [];
    await t.run();
    expect(t.gateway.items.size).toBe(0);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });

  it('a route made between the look and the delete: AWS refusal is reported the same way', async () => {
    const t = setup();
    await t.run();
    t.gateway.fail.DeleteIntegration = () =>
      new AwsError(
        'InUse',
        'DeleteIntegration: Cannot delete Integration because it is referenced by the following Routes with Ids: [r9]',
        { operation: 'DeleteIntegration', httpStatus: 409, routeIds: ['r9'] },
      );
    t.store.obj = { ...t.store.obj, metadata: { ...t.store.obj.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    const r = await t.run();
    expect(r.requeueAfterMs).toBe(5_000);
    expect(t.ready()).toMatchObject({ reason: 'IntegrationInUse' });
    expect(t.ready()?.message).toContain('r9');
  });

  it('Retain strips the ownership marker and lets the object go', async () => {
    const t = setup(object({ finalizers: [], spec: { deletionPolicy: 'Retain', description: 'kept' } }));
    await t.run();
    t.store.obj = { ...t.store.obj, metadata: { ...t.store.obj.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    await t.run();
    expect(t.gateway.items.get('i1')?.description).toBe('kept');
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });

  it('an AWS budget wait is not an error the user sees: nothing is written', async () => {
    const t = setup();
    t.gateway.fail.CreateIntegration = () => new BudgetWait('default/us-east-1', 400);
    await expect(t.run()).rejects.toMatchObject({ retryAfterMs: 400 });
    expect(t.store.obj.status?.conditions).toBeUndefined();
  });
});
