// Drift checks on one API share a listing, so the AWS cost of steady state grows with APIs,
// not with objects; writes never leave the operator looking at its own stale listing.
import { describe, expect, it } from '@jest/globals';
import { CoalescingGateway } from '../../../src/apiintegration/coalescing-gateway.ts';
import type { IntegrationGateway, ObservedIntegration } from '../../../src/apiintegration/ports.ts';
import { FakeClock } from '../../../src/runtime/clock.ts';

function countingGateway(items: ObservedIntegration[]) {
  const calls: string[] = [];
  const gw: IntegrationGateway = {
    getApiProtocol: async () => 'HTTP',
    getIntegration: async (_l, id) => (calls.push(`get:${id}`), items.find((i) => i.integrationId === id)),
    listIntegrations: async () => (calls.push('list'), items.map((i) => ({ ...i }))),
    createIntegration: async () => (calls.push('create'), { integrationId: 'new' }),
    updateIntegration: async (_l, id, f) => (calls.push(`update:${id}`), { integrationId: id, ...f }),
    deleteIntegration: async () => void calls.push('delete'),
    listRoutes: async () => (calls.push('routes'), []),
    listIntegrationResponses: async () => [],
    createIntegrationResponse: async () => {},
    updateIntegrationResponse: async () => {},
    deleteIntegrationResponse: async () => {},
  };
  return { gw, calls };
}

const loc = { region: 'us-east-1', apiId: 'api1' };
const ids = Array.from({ length: 20 }, (_, i) => `i${i}`);

describe('CoalescingGateway', () => {
  it('answers 20 drift checks on one API with a couple of Gets and one listing', async () => {
    const clock = new FakeClock();
    const { gw, calls } = countingGateway(ids.map((integrationId) => ({ integrationId, description: 'x' })));
    const c = new CoalescingGateway(gw, { clock, ttlMs: 60_000 });
    for (const id of ids) expect((await c.getIntegration(loc, id))?.integrationId).toBe(id);
    expect(calls.filter((x) => x === 'list')).toHaveLength(1);
    expect(calls.length).toBeLessThanOrEqual(3);
  });

  it('checks a lone object with a plain GetIntegration', async () => {
    const { gw, calls } = countingGateway([{ integrationId: 'i0' }]);
    const c = new CoalescingGateway(gw, { clock: new FakeClock(), ttlMs: 60_000 });
    await c.getIntegration(loc, 'i0');
    expect(calls).toEqual(['get:i0']);
  });

  it('after a restart, lists an API the cache knows to be shared on its first check, with no Get before it', async () => {
    const { gw, calls } = countingGateway(ids.map((integrationId) => ({ integrationId })));
    const population = (l: typeof loc) => (l.apiId === 'api1' ? ids.length : 1);
    const c = new CoalescingGateway(gw, { clock: new FakeClock(), ttlMs: 60_000, population });
    for (const id of ids) await c.getIntegration(loc, id);
    expect(calls).toEqual(['list']);
    // An API with one object of ours is still checked with a plain GetIntegration.
    await c.getIntegration({ ...loc, apiId: 'api2' }, 'i0');
    expect(calls).toEqual(['list', 'get:i0']);
  });

  it('drops the listing on any write so the next check sees the result', async () => {
    const clock = new FakeClock();
    const { gw, calls } = countingGateway(ids.map((integrationId) => ({ integrationId })));
    const c = new CoalescingGateway(gw, { clock, ttlMs: 60_000 });
    for (const id of ids.slice(0, 5)) await c.getIntegration(loc, id);
    await c.updateIntegration(loc, 'i1', { description: 'changed' });
    calls.length = 0;
    await c.getIntegration(loc, 'i2');
    expect(calls).toEqual(['list']);
  });

  it('does not keep a listing that was under way when a write landed: the next check lists again', async () => {
    const clock = new FakeClock();
    const items: ObservedIntegration[] = ids.map((integrationId) => ({ integrationId, description: 'old' }));
    const { gw, calls } = countingGateway(items);
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const list = gw.listIntegrations;
    // The listing reads AWS before the write, and answers only after it.
    gw.listIntegrations = async (l) => {
      const before = await list(l);
      await held;
      return before;
    };
    gw.updateIntegration = async (_l, id, f) => {
      calls.push(`update:${id}`);
      Object.assign(
        items.find((i) => i.integrationId === id)!,
        f,
      );
      return { integrationId: id, ...f };
    };
    const c = new CoalescingGateway(gw, { clock, ttlMs: 60_000, population: () => ids.length });
    const checking = c.getIntegration(loc, 'i0');
    await new Promise((r) => setImmediate(r));
    await c.updateIntegration(loc, 'i1', { description: 'marked' });
    release();
    await checking;
    gw.listIntegrations = list;
    expect((await c.getIntegration(loc, 'i1'))?.description).toBe('marked');
  });

  it('confirms with GetIntegration before reporting a listed-as-missing integration gone', async () => {
    const clock = new FakeClock();
    const { gw, calls } = countingGateway(ids.map((integrationId) => ({ integrationId })));
    const c = new CoalescingGateway(gw, { clock, ttlMs: 60_000 });
    for (const id of ids.slice(0, 5)) await c.getIntegration(loc, id);
    calls.length = 0;
    expect(await c.getIntegration(loc, 'not-listed')).toBeUndefined();
    expect(calls).toEqual(['get:not-listed']);
  });

  it('lists again once the listing is older than the window', async () => {
    const clock = new FakeClock();
    const { gw, calls } = countingGateway(ids.map((integrationId) => ({ integrationId })));
    const c = new CoalescingGateway(gw, { clock, ttlMs: 60_000 });
    for (const id of ids.slice(0, 5)) await c.getIntegration(loc, id);
    await clock.advance(30_000);
    for (const id of ids.slice(0, 5)) await c.getIntegration(loc, id);
    await clock.advance(31_000);
    calls.length = 0;
    for (const id of ids.slice(0, 5)) await c.getIntegration(loc, id);
    expect(calls.filter((x) => x === 'list')).toHaveLength(1);
  });
  it('shares one route listing among the deletes on an API within the window', async () => {
    const clock = new FakeClock();
    const { gw, calls } = countingGateway([]);
    // A drift listing may live for minutes; a route listing only seconds, so a retargeted route frees the delete.
    const c = new CoalescingGateway(gw, { clock, ttlMs: 150_000 });
    await Promise.all([c.listRoutes(loc), c.listRoutes(loc), c.listRoutes(loc)]);
    expect(calls.filter((x) => x === 'routes')).toHaveLength(1);
    await clock.advance(2_000);
    await c.listRoutes(loc);
    expect(calls.filter((x) => x === 'routes')).toHaveLength(2);
  });

  it('falls back to per-object reads when a shared listing fails, instead of failing every waiter', async () => {
    const clock = new FakeClock();
    const { gw, calls } = countingGateway(ids.map((integrationId) => ({ integrationId })));
    gw.listIntegrations = async () => {
      calls.push('list');
      throw new Error('BadRequest: invalid nextToken');
    };
    const c = new CoalescingGateway(gw, { clock, ttlMs: 60_000 });
    const got = await Promise.all(ids.slice(0, 5).map((id) => c.getIntegration(loc, id)));
    expect(got.map((g) => g?.integrationId)).toEqual(ids.slice(0, 5));
    expect(calls.filter((x) => x.startsWith('get:'))).toHaveLength(5);
  });

  const warm = async (c: CoalescingGateway) => {
    for (const id of ids.slice(0, 5)) await c.getIntegration(loc, id);
  };

  it.each([
    ['a create', (c: CoalescingGateway) => c.createIntegration(loc, { integrationType: 'MOCK' })],
    ['a delete', (c: CoalescingGateway) => c.deleteIntegration(loc, 'i1')],
  ])('drops the listing after %s too', async (_what, write) => {
    const { gw, calls } = countingGateway(ids.map((integrationId) => ({ integrationId })));
    const c = new CoalescingGateway(gw, { clock: new FakeClock(), ttlMs: 60_000 });
    await warm(c);
    await write(c);
    calls.length = 0;
    await c.getIntegration(loc, 'i2');
    expect(calls).toEqual(['list']);
  });

  it('drops the listing even when the write fails, since it may have landed', async () => {
    const { gw, calls } = countingGateway(ids.map((integrationId) => ({ integrationId })));
    gw.updateIntegration = async () => {
      throw new Error('socket hang up');
    };
    const c = new CoalescingGateway(gw, { clock: new FakeClock(), ttlMs: 60_000 });
    await warm(c);
    await expect(c.updateIntegration(loc, 'i1', { description: 'x' })).rejects.toThrow('socket hang up');
    calls.length = 0;
    await c.getIntegration(loc, 'i1');
    expect(calls).toEqual(['list']);
  });

  it('reads AWS directly when asked for a fresh answer, whatever the listing says', async () => {
    const { gw, calls } = countingGateway(ids.map((integrationId) => ({ integrationId })));
    const c = new CoalescingGateway(gw, { clock: new FakeClock(), ttlMs: 60_000 });
    await warm(c);
    calls.length = 0;
    await c.getIntegration(loc, 'i1', undefined, true);
    expect(calls).toEqual(['get:i1']);
  });

  it('never answers a recovery listing or an API lookup from its own cache', async () => {
    const { gw, calls } = countingGateway(ids.map((integrationId) => ({ integrationId })));
    const c = new CoalescingGateway(gw, { clock: new FakeClock(), ttlMs: 60_000 });
    await warm(c);
    calls.length = 0;
    expect(await c.listIntegrations(loc)).toHaveLength(ids.length);
    expect(await c.getApiProtocol(loc)).toBe('HTTP');
    expect(calls).toEqual(['list']);
  });

  it('asks each integration directly when the listing found the API gone', async () => {
    const { gw, calls } = countingGateway([]);
    gw.listIntegrations = async () => (calls.push('list'), undefined);
    const c = new CoalescingGateway(gw, { clock: new FakeClock(), ttlMs: 60_000 });
    await warm(c);
    calls.length = 0;
    expect(await c.getIntegration(loc, 'i3')).toBeUndefined();
    expect(calls).toEqual(['get:i3']);
  });

  it('does not keep a route listing that failed: the next delete looks again', async () => {
    const { gw, calls } = countingGateway([]);
    let fail = true;
    gw.listRoutes = async () => {
      calls.push('routes');
      if (fail) throw new Error('throttled');
      return [];
    };
    const c = new CoalescingGateway(gw, { clock: new FakeClock(), ttlMs: 60_000 });
    await expect(c.listRoutes(loc)).rejects.toThrow('throttled');
    fail = false;
    expect(await c.listRoutes(loc)).toEqual([]);
    expect(calls).toEqual(['routes', 'routes']);
  });

  it('keeps route listings of different APIs and roles apart', async () => {
    const { gw, calls } = countingGateway([]);
    const clock = new FakeClock();
    const c = new CoalescingGateway(gw, { clock, ttlMs: 60_000 });
    await c.listRoutes(loc);
    await c.listRoutes({ ...loc, apiId: 'api2' });
    await c.listRoutes({ ...loc, roleArn: 'arn:aws:iam::2:role/r' });
    await clock.advance(2_000);
    await c.listRoutes({ ...loc, apiId: 'api3' });
    await c.listRoutes(loc);
    expect(calls).toEqual(['routes', 'routes', 'routes', 'routes', 'routes']);
  });
});
