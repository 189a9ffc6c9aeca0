// A replica that lost its lease writes nothing: not to AWS, not to the object, not even an Event,
// while its reads keep working (so a standby's cache and protocol lookups stay warm).
import { describe, expect, it } from '@jest/globals';
import { FencedEvents, FencedStore, NotLeaderError, fencedGateway } from '../../src/fencing.ts';
import {
  INTEGRATION_GATEWAY_VERBS,
  type ApiIntegrationStore,
  type IntegrationGateway,
} from '../../src/apiintegration/ports.ts';
import { ROUTE_GATEWAY_VERBS, type ApiRouteStore, type RouteGateway } from '../../src/apiroute/ports.ts';
import type { EventReason } from '../../src/apiintegration/reasons.ts';
import type { RouteEventReason } from '../../src/apiroute/reasons.ts';
import type { ApiIntegration } from '../../src/api/v1alpha1/types.ts';
import type { ApiRoute } from '../../src/api/v1alpha1/route-types.ts';
import { object } from './apiintegration/fixtures.ts';
import { routeObject } from './apiroute/fixtures.ts';

describe('write fencing', () => {
  it('refuses every write once the lease is gone, and lets reads through', async () => {
    let leading = true;
    const calls: string[] = [];
    const note = (name: string) => async () => (calls.push(name), undefined as never);
    const gateway = {
      getApiProtocol: note('getApiProtocol'),
      getIntegration: note('getIntegration'),
      listIntegrations: note('listIntegrations'),
      listRoutes: note('listRoutes'),
      createIntegration: note('createIntegration'),
      updateIntegration: note('updateIntegration'),
      deleteIntegration: note('deleteIntegration'),
      listIntegrationResponses: note('listIntegrationResponses'),
      createIntegrationResponse: note('createIntegrationResponse'),
      updateIntegrationResponse: note('updateIntegrationResponse'),
      deleteIntegrationResponse: note('deleteIntegrationResponse'),
    } as IntegrationGateway;
    const store = { patchMetadata: note('patchMetadata'), patchStatus: note('patchStatus') } as ApiIntegrationStore;
    const g = fencedGateway(gateway, INTEGRATION_GATEWAY_VERBS, () => leading);
    const s = new FencedStore(store, () => leading);
    const e = new FencedEvents<ApiIntegration, EventReason>({ record: () => void calls.push('event') }, () => leading);
    const loc = { region: 'us-east-1', apiId: 'a' };
    const obj = object();
    const writes = [
      () => g.createIntegration(loc, {}),
      () => g.updateIntegration(loc, 'i', {}),
      () => g.deleteIntegration(loc, 'i'),
      () => s.patchMetadata(obj, {}),
      () => s.patchStatus(obj, {}),
    ];
    for (const w of writes) await w();
    e.record(obj, 'Normal', 'Created', 'x');
    expect(calls).toHaveLength(6);
    leading = false;
    calls.length = 0;
    for (const w of writes) await expect(w()).rejects.toBeInstanceOf(NotLeaderError);
    e.record(obj, 'Normal', 'Created', 'x');
    await g.getApiProtocol(loc);
    await g.getIntegration(loc, 'i');
    await g.listIntegrations(loc);
    await g.listRoutes(loc);
    expect(calls).toEqual(['getApiProtocol', 'getIntegration', 'listIntegrations', 'listRoutes']);
  });

  it('fences the ApiRoute ports with the same generic fences', async () => {
    let leading = true;
    const calls: string[] = [];
    const note = (name: string) => async () => (calls.push(name), undefined as never);
    const gateway = {
      getApiProtocol: note('getApiProtocol'),
      getRoute: note('getRoute'),
      listRoutes: note('listRoutes'),
      createRoute: note('createRoute'),
      updateRoute: note('updateRoute'),
      deleteRouteRequestParameter: note('deleteRouteRequestParameter'),
      deleteRoute: note('deleteRoute'),
      listRouteResponses: note('listRouteResponses'),
      createRouteResponse: note('createRouteResponse'),
      updateRouteResponse: note('updateRouteResponse'),
      deleteRouteResponse: note('deleteRouteResponse'),
    } as RouteGateway;
    const store = { patchMetadata: note('patchMetadata'), patchStatus: note('patchStatus') } as ApiRouteStore;
    const g = fencedGateway(gateway, ROUTE_GATEWAY_VERBS, () => leading);
    const s = new FencedStore(store, () => leading);
    const e = new FencedEvents<ApiRoute, RouteEventReason>({ record: () => void calls.push('event') }, () => leading);
    const loc = { region: 'us-east-1', apiId: 'a' };
    const obj = routeObject();
    const writes = [
      () => g.createRoute(loc, { routeKey: 'GET /a' }),
      () => g.updateRoute(loc, 'r', {}),
      () => g.deleteRouteRequestParameter(loc, 'r', 'route.request.header.x'),
      () => g.deleteRoute(loc, 'r'),
      () => s.patchMetadata(obj, {}),
      () => s.patchStatus(obj, {}),
    ];
    for (const w of writes) await w();
    e.record(obj, 'Normal', 'Created', 'x');
    expect(calls).toHaveLength(7);
    leading = false;
    calls.length = 0;
    for (const w of writes) await expect(w()).rejects.toBeInstanceOf(NotLeaderError);
    e.record(obj, 'Normal', 'Created', 'x');
    await g.getApiProtocol(loc);
    await g.getRoute(loc, 'r');
    await g.listRoutes(loc);
    expect(calls).toEqual(['getApiProtocol', 'getRoute', 'listRoutes']);
  });
});

describe('the gateway verb tables', () => {
  // A fenced gateway has exactly the methods its table names: one the table missed would be undefined.
  it.each([
    [
      'ApiIntegration',
      INTEGRATION_GATEWAY_VERBS,
      [
        'createIntegration',
        'updateIntegration',
        'deleteIntegration',
        'createIntegrationResponse',
        'updateIntegrationResponse',
        'deleteIntegrationResponse',
      ],
    ],
    [
      'ApiRoute',
      ROUTE_GATEWAY_VERBS,
      [
        'createRoute',
        'updateRoute',
        'deleteRouteRequestParameter',
        'deleteRoute',
        'createRouteResponse',
        'updateRouteResponse',
        'deleteRouteResponse',
      ],
    ],
  ])('%s: every AWS call that changes something is a write', (_kind, verbs, writes) => {
    const named = Object.entries(verbs).filter(([, verb]) => verb === 'write');
    expect(named.map(([name]) => name).sort()).toEqual([...writes].sort());
  });

  it('calls the inner gateway as its own method, so a class instance keeps its state', async () => {
    class Counter {
      private n = 0;
      async getApiProtocol() {
        this.n += 1;
        return this.n;
      }
    }
    const g = fencedGateway(new Counter(), { getApiProtocol: 'read' }, () => false);
    await g.getApiProtocol();
    expect(await g.getApiProtocol()).toBe(2);
  });
});
