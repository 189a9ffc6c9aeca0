// Route drift checks on one API share a GetRoutes listing, so steady state costs calls per API, not
// per route; fresh reads and writes never see a stale listing.
import { describe, expect, it } from '@jest/globals';
import { CoalescingRouteGateway } from '../../../src/apiroute/coalescing-gateway.ts';
import type { ObservedRoute, RouteGateway } from '../../../src/apiroute/ports.ts';
import { FakeClock } from '../../../src/runtime/clock.ts';

function countingGateway(routes: ObservedRoute[]) {
  const calls: string[] = [];
  const gw: RouteGateway = {
    getApiProtocol: async () => 'HTTP',
    getRoute: async (_l, id, _s, fresh) => (
      calls.push(`get:${id}${fresh ? ':fresh' : ''}`),
      routes.find((r) => r.routeId === id)
    ),
    listRoutes: async () => (calls.push('list'), routes.map((r) => ({ ...r }))),
    createRoute: async (_l, f) => (calls.push('create'), { routeId: 'new', ...f }),
    updateRoute: async (_l, id, f) => (calls.push(`update:${id}`), { routeId: id, routeKey: 'GET /x', ...f }),
    deleteRouteRequestParameter: async () => void calls.push('delete-parameter'),
    deleteRoute: async () => void calls.push('delete'),
    listRouteResponses: async () => [],
    createRouteResponse: async () => {},
    updateRouteResponse: async () => {},
    deleteRouteResponse: async () => {},
  };
  return { gw, calls };
}

const loc = { region: 'us-east-1', apiId: 'api1' };
const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
const routes = ids.map((routeId) => ({ routeId, routeKey: `GET /${routeId}`, target: 'integrations/i1' }));
const opts = (clock: FakeClock) => ({ clock, ttlMs: 60_000, windowMs: 90_000 });

describe('CoalescingRouteGateway', () => {
  it('answers 20 drift checks on one API with one Get and one listing', async () => {
    const { gw, calls } = countingGateway(routes);
    const c = new CoalescingRouteGateway(gw, opts(new FakeClock()));
    for (const id of ids) expect((await c.getRoute(loc, id))?.routeId).toBe(id);
    expect(calls).toEqual(['get:r0', 'list']);
  });

  it('sends fresh reads to AWS even while a listing is held', async () => {
    const { gw, calls } = countingGateway(routes);
    const c = new CoalescingRouteGateway(gw, opts(new FakeClock()));
    for (const id of ids.slice(0, 3)) await c.getRoute(loc, id);
    calls.length = 0;
    await c.getRoute(loc, 'r1', undefined, true);
    await c.listRoutes(loc, undefined, true);
    expect(calls).toEqual(['get:r1:fresh', 'list']);
  });

  it('drops the listing on any write, so the next check lists again', async () => {
    const { gw, calls } = countingGateway(routes);
    const c = new CoalescingRouteGateway(gw, opts(new FakeClock()));
    for (const id of ids.slice(0, 3)) await c.getRoute(loc, id);
    await c.updateRoute(loc, 'r1', { operationName: 'changed' });
    calls.length = 0;
    await c.getRoute(loc, 'r2');
    expect(calls).toEqual(['list']);
  });

  it('confirms with a fresh GetRoute before a route the listing lacks is reported gone', async () => {
    const { gw, calls } = countingGateway(routes);
    const c = new CoalescingRouteGateway(gw, opts(new FakeClock()));
    for (const id of ids.slice(0, 3)) await c.getRoute(loc, id);
    calls.length = 0;
    expect(await c.getRoute(loc, 'gone')).toBeUndefined();
    expect(calls).toEqual(['get:gone:fresh']);
  });

  it('lists again once the listing is older than its time to live', async () => {
    const clock = new FakeClock();
    const { gw, calls } = countingGateway(routes);
    const c = new CoalescingRouteGateway(gw, opts(clock));
    for (const id of ids.slice(0, 3)) await c.getRoute(loc, id);
    await clock.advance(60_000);
    calls.length = 0;
    await c.getRoute(loc, 'r4');
    expect(calls).toEqual(['list']);
  });

  it('falls back to a plain GetRoute when the listing fails', async () => {
    const { gw, calls } = countingGateway(routes);
    gw.listRoutes = async () => {
      calls.push('list');
      throw new Error('expired page token');
    };
    const c = new CoalescingRouteGateway(gw, opts(new FakeClock()));
    await c.getRoute(loc, 'r0');
    expect((await c.getRoute(loc, 'r1'))?.routeId).toBe('r1');
    expect(calls).toEqual(['get:r0', 'list', 'get:r1']);
  });
});
