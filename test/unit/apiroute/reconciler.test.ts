// The ApiRoute reconciler shell on in-memory ports and a fake clock: waiting for the integration,
// marker → create → record, recovery by key, key refusals, updates with removals, repairs,
// ObserveOnly, Retain, deletes and retargeting, in milliseconds. Failures are in
// reconciler-errors.test.ts.
import { describe, expect, it } from '@jest/globals';
import { FINALIZER } from '../../../src/api/v1alpha1/group.ts';
import { observedRoute, pendingFor, recordedRoute, routeObject } from './fixtures.ts';
import { itemsIntegration, setup } from './memory-ports.ts';

const WAIT_MS = 30_000;

describe('creating and keeping a route', () => {
  it('waits for its ApiIntegration without writing anything, then creates once it has an integration', async () => {
    const t = setup();
    t.integrations.set('team-a/items', itemsIntegration(null));
    expect(await t.run()).toEqual({ requeueAfterMs: WAIT_MS });
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'IntegrationNotReady' });
    expect(t.condition('Reconciling')).toMatchObject({ status: 'True' });
    expect(t.ready()?.message).toMatch(/ApiIntegration items has no integration in AWS yet/);
    expect(t.gateway.writes()).toEqual([]);
    expect(t.store.obj.metadata.finalizers).toEqual([]);

    t.integrations.set('team-a/items', itemsIntegration('int1'));
    await t.run();
    expect(t.gateway.on('api1')).toMatchObject([{ routeKey: 'GET /items/{id}', target: 'integrations/int1' }]);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
  });

  it('says so when the ApiIntegration does not exist, or is being deleted', async () => {
    const t = setup();
    t.integrations.clear();
    await t.run();
    expect(t.ready()?.message).toMatch(/ApiIntegration items does not exist in this namespace/);
    t.integrations.set('team-a/items', itemsIntegration('int1', 'api1', true));
    await t.run();
    expect(t.ready()).toMatchObject({ reason: 'IntegrationNotReady', message: expect.stringMatching(/being deleted/) });
    expect(t.gateway.writes()).toEqual([]);
  });

  it('creates in three API-server writes: marker with finalizer, recorded id, status', async () => {
    const t = setup();
    const r = await t.run();
    expect(t.store.writes).toEqual(['metadata', 'metadata', 'status']);
    // No listing first: AWS refuses a key that exists.
    expect(t.gateway.calls).toEqual(['CreateRoute']);
    expect(t.store.obj.metadata.finalizers).toEqual([FINALIZER]);
    expect(t.annotation('route-id')).toBe('r1');
    expect(t.annotation('location')).toBe('us-east-1/api1');
    expect(t.annotation('create-pending')).toBeUndefined();
    expect(t.store.obj.status).toMatchObject({
      routeId: 'r1',
      integrationId: 'int1',
      observedGeneration: 1,
      observed: { apiId: 'api1', region: 'us-east-1', protocolType: 'HTTP', routeKey: 'GET /items/{id}' },
    });
    expect(t.events).toEqual(['Normal:Created']);
    expect(t.messages).toEqual(['created route GET /items/{id} on API api1 in us-east-1 (r1)']);
    // The drift check comes at the API's slot.
    expect(r.requeueAfterMs).toBeGreaterThan(150_000);
    expect(r.requeueAfterMs).toBeLessThanOrEqual(450_000);
    // A steady pass writes nothing and makes one read.
    t.store.writes = [];
    t.gateway.calls = [];
    await t.run();
    expect(t.store.writes).toEqual([]);
    expect(t.gateway.calls).toEqual(['GetRoute']);
  });

  it("reads Live False when its integration's Lambda function may not be invoked, whatever the stages serve", async () => {
    const stage = { key: 'team-a/prod', place: { apiId: 'api1', region: 'us-east-1' }, served: {} };
    const t = setup(routeObject({ finalizers: [] }), { stages: () => [stage] });
    await t.run();
    expect(t.condition('Live')).toMatchObject({ status: 'False', reason: 'AwaitingDeployment' });
    const message = 'no statement lets API api1 invoke orders: aws lambda add-permission --function-name orders';
    t.integrations.set('team-a/items', {
      ...itemsIntegration('int1'),
      status: {
        conditions: [
          { type: 'Live', status: 'False', reason: 'LambdaPermissionMissing', message, lastTransitionTime: '' },
        ],
      },
    } as ReturnType<typeof itemsIntegration>);
    await t.run();
    expect(t.condition('Live')).toMatchObject({
      status: 'False',
      reason: 'LambdaPermissionMissing',
      message: `its ApiIntegration items: ${message}`,
    });
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    t.integrations.set('team-a/items', itemsIntegration('int1'));
    await t.run();
    expect(t.condition('Live')).toMatchObject({ status: 'False', reason: 'AwaitingDeployment' });
  });

  it('does nothing for an object that is gone from the cache', async () => {
    const t = setup(routeObject(), { get: () => undefined });
    expect(await t.run()).toEqual({});
    expect(t.gateway.calls).toEqual([]);
  });

  it('waits for an API that does not exist yet', async () => {
    const t = setup(routeObject({ spec: { apiId: 'nope' } }));
    expect(await t.run()).toEqual({ requeueAfterMs: WAIT_MS });
    expect(t.ready()).toMatchObject({ reason: 'ApiNotFound' });
    expect(t.gateway.writes()).toEqual([]);
  });

  it('recovers a create whose answer was lost, by its key, without creating again', async () => {
    const t = setup();
    t.gateway.loseCreate = true;
    expect((await t.failure())?.message).toBe('CreateRoute: socket hang up');
    expect(t.annotation('create-pending')).toMatch(/^us-east-1\/api1@\d+ GET \/items\/\{id\}$/);
    expect(t.store.obj.metadata.finalizers).toEqual([FINALIZER]);
    await t.run();
    expect(t.gateway.count('CreateRoute')).toBe(1);
    expect(t.annotation('route-id')).toBe('r1');
    expect(t.annotation('create-pending')).toBeUndefined();
    expect(t.events).toEqual(['Normal:Recovered']);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
  });

  it('a create in doubt refused for its key keeps the marker, and the next listing recovers the first create', async () => {
    const t = setup(routeObject({ annotations: pendingFor() }));
    // The earlier create lands between this pass's listing and its own CreateRoute.
    t.gateway.beforeCreate = () => {
      t.gateway.beforeCreate = undefined;
      t.gateway.put('api1', observedRoute({ routeId: 'r7' }));
    };
    await t.run();
    expect(t.gateway.count('CreateRoute')).toBe(1);
    expect(t.gateway.on('api1')).toHaveLength(1);
    expect(t.annotation('route-id')).toBe('r7');
    expect(t.events).toEqual(['Normal:Recovered']);
    expect(t.ready()).toMatchObject({ reason: 'Synced' });
  });

  it('a marker for a key the spec no longer has is cleared, and the new key is created', async () => {
    const t = setup(routeObject({ annotations: pendingFor('GET /old') }));
    await t.run();
    expect(t.gateway.on('api1')).toMatchObject([{ routeKey: 'GET /items/{id}' }]);
    expect(t.annotation('create-pending')).toBeUndefined();
    expect(t.annotation('route-id')).toBe('r1');
  });

  it('refuses a key another route holds, naming it and how to adopt it, and changes nothing in AWS', async () => {
    const t = setup();
    t.gateway.put('api1', observedRoute({ routeId: 'r9' }));
    expect((await t.run()).requeueAfterMs).toBeGreaterThan(0);
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'RouteKeyTaken' });
    expect(t.ready()?.message).toMatch(/set spec.routeId: r9/);
    expect(t.events).toEqual(['Warning:RouteKeyTaken']);
    // The create went straight to AWS, which refused the key; nothing was made and no marker is left.
    expect(t.gateway.writes()).toEqual(['CreateRoute']);
    // Whose the key is comes from a fresh listing, never the shared drift listing.
    expect(t.gateway.freshReads).toEqual(['GetRoutes']);
    expect(t.gateway.on('api1')).toHaveLength(1);
    expect(t.annotation('create-pending')).toBeUndefined();
    // Later passes list to see whether the key is free rather than trying the create again,
    // and the Warning goes out once, not on every pass.
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateRoute']);
    expect(t.events).toEqual(['Warning:RouteKeyTaken']);
  });

  it('creates once the taken key is freed, listing first', async () => {
    const t = setup();
    t.gateway.put('api1', observedRoute({ routeId: 'r9' }));
    await t.run();
    t.gateway.routes.delete('r9');
    await t.run();
    expect(t.gateway.count('CreateRoute')).toBe(2);
    expect(t.ready()).toMatchObject({ reason: 'Synced' });
  });

  it('names the ApiRoute that manages a taken key', async () => {
    const t = setup();
    t.gateway.put('api1', observedRoute({ routeId: 'r9' }));
    const other = routeObject({ annotations: recordedRoute('r9') });
    t.others.push({ ...other, metadata: { ...other.metadata, name: 'other' } });
    await t.run();
    expect(t.ready()?.message).toMatch(/managed by ApiRoute team-a\/other/);
  });

  it('a key taken between the listing and the create: the marker goes and the refusal names the route', async () => {
    const t = setup();
    t.gateway.beforeCreate = () => {
      t.gateway.beforeCreate = undefined;
      t.gateway.put('api1', observedRoute({ routeId: 'r9' }));
    };
    await t.run();
    expect(t.gateway.count('CreateRoute')).toBe(1);
    expect(t.annotation('create-pending')).toBeUndefined();
    expect(t.annotation('route-id')).toBeUndefined();
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'RouteKeyTaken' });
  });

  it('a key AWS refuses that no listing shows yet: the pass stops after a few steps and comes back soon', async () => {
    const t = setup();
    t.gateway.put('api1', observedRoute({ routeId: 'r9' }));
    t.gateway.hiddenKeys.add('GET /items/{id}');
    expect(await t.run()).toEqual({ requeueAfterMs: 1000 });
    expect(t.annotation('create-pending')).toBeUndefined();
  });

  it('adopts an existing route named by spec.routeId', async () => {
    const t = setup(routeObject({ spec: { routeId: 'r9' }, finalizers: [] }));
    t.gateway.put('api1', observedRoute({ routeId: 'r9' }));
    await t.run();
    expect(t.annotation('route-id')).toBe('r9');
    expect(t.store.obj.metadata.finalizers).toEqual([FINALIZER]);
    expect(t.events).toEqual(['Normal:Adopted']);
    expect(t.gateway.writes()).toEqual([]);
    expect(t.ready()).toMatchObject({ reason: 'Synced' });
  });
});

describe('updating and repairing', () => {
  const CONNECT = {
    apiId: 'ws1',
    routeKey: '$connect',
    requestParameters: {
      'route.request.header.a': { required: true },
      'route.request.querystring.b': { required: false },
    },
  };

  it('applies a change with one UpdateRoute, then removes each dropped request parameter', async () => {
    const t = setup(routeObject({ spec: CONNECT, finalizers: [] }));
    t.integrations.set('team-a/items', itemsIntegration('int1', 'ws1'));
    await t.run();
    expect(t.store.obj.status?.observed).toMatchObject({ protocolType: 'WEBSOCKET', routeKey: '$connect' });
    t.store.edit({ apiKeyRequired: true, requestParameters: { 'route.request.header.a': { required: true } } });
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateRoute', 'UpdateRoute', 'DeleteRouteRequestParameter']);
    expect(t.gateway.routes.get('r1')).toMatchObject({
      apiKeyRequired: true,
      requestParameters: { 'route.request.header.a': { required: true } },
    });
    expect(t.events).toEqual(['Normal:Created', 'Normal:Updated']);
    expect(t.messages[1]).toBe('updated route r1: apiKeyRequired, requestParameters');
    expect(t.ready()).toMatchObject({ status: 'True', observedGeneration: 2 });
    expect(t.store.obj.status?.observed?.apiKeyRequired).toBe(true);
    // Settled: the next pass changes nothing.
    await t.run();
    expect(t.gateway.writes()).toHaveLength(3);
  });

  it('a removal alone is one DeleteRouteRequestParameter, no UpdateRoute', async () => {
    const t = setup(routeObject({ spec: CONNECT, finalizers: [] }));
    t.integrations.set('team-a/items', itemsIntegration('int1', 'ws1'));
    await t.run();
    t.store.edit({ requestParameters: { 'route.request.header.a': { required: true } } });
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateRoute', 'DeleteRouteRequestParameter']);
    expect(Object.keys(t.gateway.routes.get('r1')!.requestParameters!)).toEqual(['route.request.header.a']);
  });

  it('corrects drift with a Warning that says the spec did not change', async () => {
    const t = setup();
    await t.run();
    t.gateway.put('api1', { ...t.gateway.routes.get('r1')!, authorizationType: 'AWS_IAM' });
    await t.run();
    expect(t.gateway.routes.get('r1')?.authorizationType).toBe('NONE');
    expect(t.events).toEqual(['Normal:Created', 'Warning:DriftCorrected']);
  });

  it('recreates a route deleted outside the operator, and records the new id', async () => {
    const t = setup();
    await t.run();
    t.gateway.routes.delete('r1');
    // Moments after its create the absence may only be AWS not showing it yet: nothing is sent.
    const calls = t.gateway.calls.length;
    await t.run();
    expect(t.gateway.calls.slice(calls).filter((c) => c === 'CreateRoute')).toEqual([]);
    expect(t.annotation('route-id')).toBe('r1');
    await t.clock.advance(30_000);
    await t.run();
    expect(t.annotation('route-id')).toBe('r2');
    expect(t.store.obj.status?.routeId).toBe('r2');
    expect(t.events).toEqual(['Normal:Created', 'Normal:Recreated']);
    expect(t.ready()).toMatchObject({ reason: 'Synced' });
  });

  it('follows its ApiIntegration to a new integration id with one UpdateRoute of the target', async () => {
    const t = setup();
    await t.run();
    t.integrations.set('team-a/items', itemsIntegration('int2'));
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateRoute', 'UpdateRoute']);
    expect(t.gateway.routes.get('r1')?.target).toBe('integrations/int2');
    expect(t.store.obj.status).toMatchObject({ routeId: 'r1', integrationId: 'int2' });
  });

  it('a new key taken after the listing is refused by UpdateRoute, and the next decision names the route', async () => {
    const t = setup();
    await t.run();
    t.store.edit({ routeKey: 'GET /things/{id}' });
    const hidden = observedRoute({ routeId: 'r9', routeKey: 'GET /things/{id}' });
    t.gateway.put('api1', hidden);
    t.gateway.hiddenKeys.add('GET /things/{id}');
    const listRoutes = t.gateway.listRoutes.bind(t.gateway);
    // The listing catches up once UpdateRoute has been refused.
    t.gateway.listRoutes = async (...args) => {
      if (t.gateway.count('UpdateRoute') > 0) t.gateway.hiddenKeys.clear();
      return listRoutes(...args);
    };
    await t.run();
    expect(t.gateway.count('UpdateRoute')).toBe(1);
    expect(t.gateway.routes.get('r1')?.routeKey).toBe('GET /items/{id}');
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'RouteKeyTaken' });
  });

  it('moves to another API: creates there, then deletes the old route in the same pass', async () => {
    const t = setup();
    await t.run();
    t.store.edit({ apiId: 'api2' });
    t.integrations.set('team-a/items', itemsIntegration('int5', 'api2'));
    await t.run();
    expect(t.gateway.on('api1')).toEqual([]);
    expect(t.gateway.on('api2')).toMatchObject([{ routeId: 'r2', target: 'integrations/int5' }]);
    expect(t.annotation('location')).toBe('us-east-1/api2');
    expect(t.annotation('superseded')).toBeUndefined();
    expect(t.events).toEqual(['Normal:Created', 'Normal:Moved']);
    expect(t.ready()).toMatchObject({ reason: 'Synced' });
  });

  it('a reconcile request reads AWS afresh and is recorded as handled', async () => {
    const t = setup();
    await t.run();
    t.store.annotate({ 'apigw.dev/reconcile-requested-at': 'now' });
    await t.run();
    expect(t.gateway.freshReads).toEqual(['GetRoute']);
    expect(t.store.obj.status?.lastHandledReconcileAt).toBe('now');
  });
});

describe('ObserveOnly', () => {
  it('reads the route and reports it, and never writes to AWS nor adds a finalizer', async () => {
    const t = setup(routeObject({ spec: { routeId: 'r9', managementPolicy: 'ObserveOnly' }, finalizers: [] }));
    t.gateway.put('api1', observedRoute({ routeId: 'r9', authorizationType: 'AWS_IAM' }));
    await t.run();
    expect(t.gateway.calls).toEqual(['GetRoute']);
    expect(t.store.writes).toEqual(['status']);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Observed' });
    expect(t.ready()?.message).toMatch(/differs from the spec in: authorizationType/);
    expect(t.store.obj.status).toMatchObject({ routeId: 'r9', observed: { authorizationType: 'AWS_IAM' } });
    t.store.delete();
    await t.run();
    expect(t.gateway.writes()).toEqual([]);
  });
});

describe('deleting', () => {
  it('deletes the route, then removes the finalizer', async () => {
    const t = setup();
    await t.run();
    t.store.delete();
    expect(await t.run()).toEqual({});
    expect(t.gateway.routes.size).toBe(0);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
    expect(t.events).toEqual(['Normal:Created', 'Normal:Deleted']);
  });

  it('Retain leaves the route in AWS and lets the object go', async () => {
    const t = setup(routeObject({ spec: { deletionPolicy: 'Retain' }, finalizers: [] }));
    await t.run();
    t.store.delete();
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateRoute']);
    expect(t.gateway.routes.has('r1')).toBe(true);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });

  it('a delete during a create in doubt deletes what that create made', async () => {
    const t = setup();
    t.gateway.loseCreate = true;
    await t.failure();
    t.store.delete();
    await t.run();
    expect(t.gateway.routes.size).toBe(0);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });

  it('an object without the finalizer is left alone', async () => {
    const t = setup(routeObject({ finalizers: [], deleting: true }));
    expect(await t.run()).toEqual({});
    expect(t.store.writes).toEqual([]);
  });
});

describe('an invalid spec', () => {
  it('stalls with InvalidSpec and a Warning, before any AWS write', async () => {
    const t = setup(routeObject({ spec: { routeKey: 'get /items' }, finalizers: [] }));
    expect(await t.run()).toEqual({});
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(t.ready()?.message).toMatch(/methods are upper case: GET \/items/);
    expect(t.events).toEqual(['Warning:InvalidSpec']);
    expect(t.gateway.calls).toEqual([]);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });

  it('checks the spec against the API protocol: a WebSocket-only field on an HTTP API is refused', async () => {
    const t = setup(routeObject({ spec: { routeResponseSelectionExpression: '$default' }, finalizers: [] }));
    await t.run();
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(t.ready()?.message).toMatch(/only for WebSocket APIs/);
    expect(t.gateway.calls).toEqual([]);
  });

  it('a spec the structural schema refuses never reaches AWS', async () => {
    const t = setup(routeObject({ spec: { authorizationType: 'BASIC' as never }, finalizers: [] }));
    await t.run();
    expect(t.condition('Stalled')).toMatchObject({ reason: 'InvalidSpec' });
    expect(t.gateway.calls).toEqual([]);
  });
});
