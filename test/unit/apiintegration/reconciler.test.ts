// The reconciler shell on in-memory ports and a fake clock: the step loop, marker → create → record
// in three writes, updates, moves, recovery, adoption and deletes, in milliseconds instead of on the
// test bed. Every failure branch is in reconciler-errors.test.ts.
import { describe, expect, it } from '@jest/globals';
import { FINALIZER } from '../../../src/api/v1alpha1/group.ts';
import { markedDescription } from '../../../src/apiintegration/desired.ts';
import type { ApiIntegration } from '../../../src/api/v1alpha1/types.ts';
import { AwsError } from '../../../src/kind/errors.ts';
import { setup } from './memory-ports.ts';
import { UID, object, observed } from './fixtures.ts';

const FOREIGN = 'ffffffff-0000-4000-8000-000000000000';

describe('the reconciler shell: creating and keeping an integration', () => {
  it('creates a new object in three API-server writes: marker with finalizer, recorded id, status', async () => {
    const t = setup();
    const r = await t.run();
    expect(t.store.writes).toEqual(['metadata', 'metadata', 'status']);
    expect(t.gateway.calls).toEqual(['CreateIntegration']);
    expect(t.store.obj.metadata.finalizers).toEqual([FINALIZER]);
    expect(t.annotation('integration-id')).toBe('i1');
    expect(t.annotation('location')).toBe('us-east-1/api1');
    expect(t.annotation('create-pending')).toBeUndefined();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(t.store.obj.status).toMatchObject({
      integrationId: 'i1',
      observed: { apiId: 'api1', protocolType: 'HTTP' },
    });
    expect(t.events).toEqual(['Normal:Created']);
    expect(t.messages).toEqual(['created integration on API api1 (i1)']);
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

  it('does nothing for an object that is gone from the cache', async () => {
    const t = setup(object(), { get: () => undefined });
    expect(await t.run()).toEqual({});
    expect(t.gateway.calls).toEqual([]);
    expect(t.store.writes).toEqual([]);
  });

  it('applies a spec change with one UpdateIntegration and a Normal Updated event', async () => {
    const t = setup();
    await t.run();
    t.store.edit({ timeoutInMillis: 5000 });
    await t.run();
    expect(t.gateway.count('UpdateIntegration')).toBe(1);
    expect(t.gateway.items.get('i1')?.timeoutInMillis).toBe(5000);
    expect(t.events).toEqual(['Normal:Created', 'Normal:Updated']);
    expect(t.messages[1]).toBe('updated integration i1: timeoutInMillis');
    expect(t.ready()).toMatchObject({ status: 'True', observedGeneration: 2 });
    expect(t.store.obj.status?.observed?.timeoutInMillis).toBe(5000);
  });

  it('puts back a change made in AWS behind its back, with a Warning a person notices', async () => {
    const t = setup();
    await t.run();
    t.gateway.put('api1', { ...t.gateway.items.get('i1')!, integrationUri: 'arn:aws:lambda:us-east-1:1:function:x' });
    await t.run();
    expect(t.gateway.items.get('i1')?.integrationUri).toBe(object().spec.integrationUri);
    expect(t.events).toEqual(['Normal:Created', 'Warning:DriftCorrected']);
    expect(t.messages[1]).toBe('corrected drift in integration i1: integrationUri');
  });

  it('finishes an update AWS can only make in two steps within one pass', async () => {
    const t = setup(object({ finalizers: [], spec: { responseParameters: { '200': { 'overwrite:header.a': 'x' } } } }));
    await t.run();
    // Someone added a second mapping under the same status code: AWS empties the code, then refills it.
    const both = { '200': { 'overwrite:header.a': 'x', 'overwrite:header.b': 'y' } };
    t.gateway.put('api1', { ...t.gateway.items.get('i1')!, responseParameters: both });
    t.store.writes = [];
    await t.run();
    expect(t.gateway.count('UpdateIntegration')).toBe(2);
    expect(t.gateway.items.get('i1')?.responseParameters).toEqual({ '200': { 'overwrite:header.a': 'x' } });
    // No half-way status in between: the pass ends where it started, so status is not even rewritten.
    expect(t.store.writes).toEqual([]);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
  });

  it('lets other keys run when AWS keeps not taking an update, instead of spinning on one', async () => {
    const t = setup(object({ finalizers: [], spec: { responseParameters: { '200': { 'overwrite:header.a': 'x' } } } }));
    await t.run();
    const both = { '200': { 'overwrite:header.a': 'x', 'overwrite:header.b': 'y' } };
    t.gateway.put('api1', { ...t.gateway.items.get('i1')!, responseParameters: both });
    t.gateway.ignoreUpdates = true;
    const r = await t.run();
    expect(r).toEqual({ requeueAfterMs: 1000 });
    expect(t.gateway.count('UpdateIntegration')).toBe(6);
  });

  it('waits, without creating, while the API does not exist, and creates once it does', async () => {
    const t = setup(object({ finalizers: [], spec: { apiId: 'api9' } }));
    const r = await t.run();
    expect(r).toEqual({ requeueAfterMs: 30_000 });
    expect(t.gateway.count('CreateIntegration')).toBe(0);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'ApiNotFound' });
    expect(t.condition('Reconciling')).toMatchObject({ status: 'True' });
    t.gateway.apis.set('api9', 'HTTP');
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
  });

  it('a missing API: Reconciling through the grace period, then Stalled with one Warning, then Ready once it exists', async () => {
    const t = setup(object({ finalizers: [], spec: { apiId: 'api9' } }), { notFoundGraceMs: 60_000 });
    expect(await t.run()).toEqual({ requeueAfterMs: 30_000 });
    await t.clock.advance(30_000);
    expect(await t.run()).toEqual({ requeueAfterMs: 30_000 });
    expect(t.condition('Reconciling')).toMatchObject({ status: 'True', reason: 'ApiNotFound' });
    expect(t.events).toEqual([]);
    await t.clock.advance(30_000);
    // Past the grace period: looked at again after about as long as it has waited.
    expect(await t.run()).toEqual({ requeueAfterMs: 60_000 });
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'ApiNotFound' });
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'ApiNotFound' });
    expect(t.events).toEqual(['Warning:ApiNotFound']);
    expect(t.messages[0]).toContain('API api9 does not exist in us-east-1 (waited 1m): fix apiId or region');
    // Still missing: no new status, no new event, a longer wait.
    t.store.writes = [];
    await t.clock.advance(60_000);
    expect(await t.run()).toEqual({ requeueAfterMs: 120_000 });
    expect(t.store.writes).toEqual([]);
    expect(t.events).toEqual(['Warning:ApiNotFound']);
    t.gateway.apis.set('api9', 'HTTP');
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(t.condition('Stalled')).toMatchObject({ status: 'False' });
    expect(t.gateway.count('CreateIntegration')).toBe(1);
  });

  it.each([
    ['a problem visible without the API', { integrationUri: undefined }, 0],
    ['a problem only the API protocol reveals', {}, 1],
  ])('reports %s as Stalled with one Warning, and touches nothing in AWS', async (_what, spec, getApis) => {
    const t = setup(object({ finalizers: [], spec }));
    t.gateway.apis.set('api1', 'WEBSOCKET');
    let protocolReads = 0;
    const getApiProtocol = t.gateway.getApiProtocol.bind(t.gateway);
    t.gateway.getApiProtocol = (loc) => (protocolReads++, getApiProtocol(loc));
    expect(await t.run()).toEqual({});
    await t.run();
    expect(t.gateway.calls).toEqual([]);
    expect(protocolReads).toBe(2 * getApis);
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(t.events).toEqual(['Warning:InvalidSpec']);
  });

  it('acts on a reconcile request with a fresh read of AWS, and says it handled it', async () => {
    const t = setup();
    await t.run();
    t.store.annotate({ 'apigw.dev/reconcile-requested-at': '2026-01-01T10:00:00Z' });
    await t.run();
    expect(t.gateway.freshReads).toBe(1);
    expect(t.store.obj.status?.lastHandledReconcileAt).toBe('2026-01-01T10:00:00Z');
    await t.run();
    expect(t.gateway.freshReads).toBe(1);
  });

  it('makes every AWS call with the role the namespace policy picked', async () => {
    const roleArn = 'arn:aws:iam::123456789012:role/team-a';
    const t = setup(object({ finalizers: [] }), { policy: { roleFor: async () => roleArn } });
    await t.run();
    await t.run();
    t.store.delete();
    await t.run();
    expect(t.gateway.calls).toEqual(['CreateIntegration', 'GetIntegration', 'GetRoutes', 'DeleteIntegration']);
    expect(t.gateway.locations.every((l) => l.roleArn === roleArn)).toBe(true);
  });
});

describe('the reconciler shell: moves, recovery and adoption', () => {
  it('moves to a new API: creates there first, then deletes the old integration on the next pass', async () => {
    const t = setup();
    await t.run();
    t.store.edit({ apiId: 'api2' });
    const r = await t.run();
    expect(r).toEqual({ requeueAfterMs: 50 });
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'Moving' });
    expect(t.annotation('superseded')).toBe('us-east-1/api1/i1');
    await t.run();
    expect([...t.gateway.items.keys()]).toEqual(['i2']);
    expect(t.annotation('superseded')).toBeUndefined();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(t.events).toEqual(['Normal:Created', 'Normal:Moved', 'Normal:Deleted']);
    expect(t.messages[2]).toBe('deleted integration i1 (replaced by a new integration)');
  });

  it('during a move, routes on the old API hold its integration back, and the object names both', async () => {
    const t = setup();
    await t.run();
    t.store.edit({ apiId: 'api2' });
    await t.run();
    t.gateway.routes = [{ routeId: 'r1', routeKey: 'GET /a', target: 'integrations/i1' }];
    const r = await t.run();
    expect(r).toEqual({ requeueAfterMs: 5_000 });
    expect(t.gateway.items.has('i1')).toBe(true);
    expect(t.ready()?.message).toContain('replaced by integration i2 on API api2');
    expect(t.ready()?.message).toContain('r1 (GET /a)');
  });

  it('adopts what a create whose answer was lost made, instead of creating a second one', async () => {
    const t = setup(object({ annotations: { 'apigw.dev/create-pending': 'us-east-1/api1@0' } }));
    t.gateway.put('api1', observed({ integrationId: 'lost1' }));
    await t.run();
    expect(t.gateway.count('CreateIntegration')).toBe(0);
    expect(t.annotation('integration-id')).toBe('lost1');
    expect(t.annotation('create-pending')).toBeUndefined();
    expect(t.events).toEqual(['Normal:Recovered']);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
  });

  it('deletes the extra integrations several lost creates made, one a pass, then keeps the last', async () => {
    const t = setup(object({ annotations: { 'apigw.dev/create-pending': 'us-east-1/api1@0' } }));
    for (const id of ['lost1', 'lost2', 'lost3']) t.gateway.put('api1', observed({ integrationId: id }));
    expect(await t.run()).toEqual({ requeueAfterMs: 50 });
    expect(await t.run()).toEqual({ requeueAfterMs: 50 });
    await t.run();
    expect([...t.gateway.items.keys()]).toEqual(['lost1']);
    expect(t.annotation('integration-id')).toBe('lost1');
    expect(t.events).toEqual(['Normal:Deleted', 'Normal:Deleted', 'Normal:Recovered']);
  });

  it('adopts an integration made by hand, and one whose marker names an object that is gone', async () => {
    for (const [description, live] of [
      ['made by hand', undefined],
      [markedDescription('old', FOREIGN), false],
    ] as const) {
      const t = setup(object({ spec: { integrationId: 'ext1' } }), { ownerExists: () => live ?? true });
      t.gateway.put('api1', observed({ integrationId: 'ext1', description }));
      await t.run();
      expect(t.annotation('integration-id')).toBe('ext1');
      // Adopting puts this object's own marker on it.
      expect(t.events).toEqual(['Normal:Adopted', 'Normal:Updated']);
      expect(t.gateway.items.get('ext1')?.description).toContain(UID);
    }
  });

  it('refuses to adopt an integration another live object manages, and writes nothing to AWS', async () => {
    const t = setup(object({ spec: { integrationId: 'ext1' } }), { ownerExists: () => true });
    t.gateway.put('api1', observed({ integrationId: 'ext1', description: markedDescription(undefined, FOREIGN) }));
    expect(await t.run()).toEqual({});
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'AdoptionRefused' });
    expect(t.gateway.calls).toEqual(['GetIntegration']);
  });

  it('ObserveOnly reports what AWS holds, never writes, and looks again about a drift interval later', async () => {
    const t = setup(object({ finalizers: [], spec: { managementPolicy: 'ObserveOnly', integrationId: 'ext1' } }));
    const r = await t.run();
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'NotFound' });
    expect(r).toEqual({ requeueAfterMs: 300_000 });
    t.gateway.put('api1', observed({ integrationId: 'ext1', description: 'by hand' }));
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Observed' });
    expect(t.gateway.calls).toEqual(['GetIntegration', 'GetIntegration']);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });
});

describe('the reconciler shell: deletes', () => {
  it('a delete blocked by routes sends no DeleteIntegration, says which routes, warns once, and backs off; then finishes', async () => {
    const t = setup();
    await t.run();
    t.gateway.routes = [
      { routeId: 'r1', routeKey: 'GET /orders', target: 'integrations/i1' },
      { routeId: 'r2', routeKey: '$default', target: 'integrations/other' },
    ];
    t.store.delete();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await t.run();
      waits.push(r.requeueAfterMs!);
      await t.clock.advance(r.requeueAfterMs!);
    }
    expect(t.gateway.count('DeleteIntegration')).toBe(0);
    expect(waits).toEqual([5_000, 5_000, 10_000, 20_000, 40_000]);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'IntegrationInUse' });
    expect(t.ready()?.message).toContain('r1 (GET /orders)');
    expect(t.ready()?.message).not.toContain('r2');
    expect(t.events.filter((e) => e === 'Warning:IntegrationInUse')).toHaveLength(1);
    t.gateway.routes = [];
    expect(await t.run()).toEqual({});
    expect(t.gateway.items.size).toBe(0);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
    expect(t.events).toContain('Normal:Deleted');
  });

  it('a route made between the look and the delete: AWS refusal is reported the same way', async () => {
    const t = setup();
    await t.run();
    t.gateway.routes = [{ routeId: 'r9', routeKey: 'GET /late', target: 'integrations/other' }];
    t.gateway.fail.DeleteIntegration = () =>
      new AwsError(
        'InUse',
        'DeleteIntegration: Cannot delete Integration because it is referenced by the following Routes with Ids: [r9, r10]',
        { operation: 'DeleteIntegration', httpStatus: 409, routeIds: ['r9', 'r10'] },
      );
    t.store.delete();
    const r = await t.run();
    expect(r.requeueAfterMs).toBe(5_000);
    expect(t.ready()).toMatchObject({ reason: 'IntegrationInUse' });
    // The listing knows r9's key; r10 is only an id AWS named.
    expect(t.ready()?.message).toContain('r9 (GET /late), r10;');
  });

  it('Retain strips the ownership marker and lets the object go', async () => {
    const t = setup(object({ finalizers: [], spec: { deletionPolicy: 'Retain', description: 'kept' } }));
    await t.run();
    t.store.delete();
    await t.run();
    expect(t.gateway.items.get('i1')?.description).toBe('kept');
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });

  it('a pass on the cached object it has already let go sends nothing again', async () => {
    // The informer still holds the object as it was before the finalizer came off.
    const cache: { obj?: ApiIntegration } = {};
    const t = setup(object({ finalizers: [], spec: { deletionPolicy: 'Retain', description: 'kept' } }), {
      get: () => cache.obj ?? t.store.obj,
    });
    await t.run();
    t.store.delete();
    cache.obj = structuredClone(t.store.obj);
    await t.run();
    const released = t.gateway.count('UpdateIntegration');
    expect(released).toBe(1);
    expect(await t.failure()).toBeUndefined();
    expect(t.gateway.count('UpdateIntegration')).toBe(released);
  });

  it('nor on the version its pass started from, when an earlier step of that pass wrote the object', async () => {
    const cache: { obj?: ApiIntegration } = {};
    const t = setup(object({ annotations: { 'apigw.dev/create-pending': 'us-east-1/api1@0' } }), {
      get: () => cache.obj ?? t.store.obj,
    });
    t.store.delete();
    cache.obj = structuredClone(t.store.obj);
    await t.run();
    expect(t.store.obj.metadata.finalizers).toEqual([]);
    const calls = [...t.gateway.calls];
    expect(await t.failure()).toBeUndefined();
    expect(t.gateway.calls).toEqual(calls);
  });

  it('deleting an object whose interrupted create aimed at an API that is gone lets it go', async () => {
    const t = setup(object({ annotations: { 'apigw.dev/create-pending': 'us-east-1/api7@0' } }));
    t.store.delete();
    expect(await t.run()).toEqual({});
    expect(t.gateway.calls).toEqual(['GetIntegrations']);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });

  it('deleting an object also deletes what its interrupted create made', async () => {
    const t = setup(object({ annotations: { 'apigw.dev/create-pending': 'us-east-1/api1@0' } }));
    t.gateway.put('api1', observed({ integrationId: 'lost1' }));
    t.store.delete();
    expect(await t.run()).toEqual({ requeueAfterMs: 50 });
    await t.run();
    expect(t.gateway.items.size).toBe(0);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
    expect(t.messages).toEqual(['deleted integration lost1 (made by an interrupted create)']);
  });

  it('an object deleted with the finalizer already gone is left alone', async () => {
    const t = setup(object({ finalizers: [] }));
    t.store.delete();
    expect(await t.run()).toEqual({});
    expect(t.store.writes).toEqual([]);
    expect(t.gateway.calls).toEqual([]);
  });
});
