// What a route does when something it needs is missing: its API, the ApiIntegration its
// integrationRef names, or (sharding by --label-selector) an ApiIntegration that exists but outside
// this operator's selector. Each is waited for through the grace period, then Stalled with a
// Warning, and looked for again on a growing backoff; each says which of them it is.
import { describe, expect, it } from '@jest/globals';
import type { Outcome } from '../../../src/api/v1alpha1/conditions.ts';
import type { ApiRoute } from '../../../src/api/v1alpha1/route-types.ts';
import { decideRoute, type RouteDecideInput } from '../../../src/apiroute/decide.ts';
import type { RouteConditionReason } from '../../../src/apiroute/reasons.ts';
import { SelectedShard } from '../../../src/apiroute/shard.ts';
import { nextRouteStatus } from '../../../src/apiroute/status.ts';
import { FakeClock } from '../../../src/runtime/clock.ts';
import { NOW, routeInput, routeObject } from './fixtures.ts';
import { itemsIntegration, setup } from './memory-ports.ts';

const S = 1000;

/** The object as the reconciler left it after reporting `outcome` `msAgo` before NOW. */
function reported(obj: ApiRoute, outcome: Outcome<RouteConditionReason>, msAgo: number): ApiRoute {
  return { ...obj, status: nextRouteStatus(obj, { outcome }, new Date(NOW - msAgo)) };
}

type Missing = 'ApiNotFound' | 'IntegrationNotFound' | 'IntegrationNotSelected';

const CASES: [Missing, (obj: ApiRoute) => RouteDecideInput, string][] = [
  ['ApiNotFound', (obj) => routeInput(obj, {}, { protocol: null }), 'API api1 does not exist in us-east-1'],
  ['IntegrationNotFound', (obj) => routeInput(obj, {}, { ref: null }), 'ApiIntegration items does not exist'],
  [
    'IntegrationNotSelected',
    (obj) => routeInput(obj, {}, { ref: { outsideSelector: 'shard=a' } }),
    "ApiIntegration items exists but does not match this operator's --label-selector 'shard=a'",
  ],
];

describe('decideRoute: something missing', () => {
  it.each(CASES)(
    '%s within the grace period: Reconciling, no event, looked at again by its end',
    (reason, given, fact) => {
      const waiting = { kind: 'Progressing' as const, reason, message: 'waiting' };
      const plan = decideRoute(given(reported(routeObject(), waiting, 119 * S)));
      expect(plan.action).toEqual({ type: 'None' });
      expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason, message: expect.stringContaining(fact) });
      expect(plan.outcome!.message).toContain('(Stalled after 2m)');
      expect(plan.notice).toBeUndefined();
      expect(plan.requeue).toEqual({ kind: 'missing', wait: { stalled: false, graceLeftMs: 1 * S } });
    },
  );

  it.each(CASES)('%s past the grace period: Stalled with a Warning, looked for on a backoff', (reason, given, fact) => {
    const waiting = { kind: 'Progressing' as const, reason, message: 'waiting' };
    const plan = decideRoute(given(reported(routeObject(), waiting, 120 * S)));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason, message: expect.stringContaining(fact) });
    expect(plan.outcome!.message).toContain('the operator keeps looking for it');
    expect(plan.notice).toEqual({ type: 'Warning', reason, message: plan.outcome!.message });
    expect(plan.requeue).toEqual({ kind: 'missing', wait: { stalled: true, waitedMs: 120 * S } });
  });

  it('the grace period does not carry over from one missing thing to another', () => {
    const apiMissing = { kind: 'Progressing' as const, reason: 'ApiNotFound' as const, message: 'no API' };
    const plan = decideRoute(routeInput(reported(routeObject(), apiMissing, 600 * S), {}, { ref: null }));
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'IntegrationNotFound' });
  });

  it('says how to fix a missing shard label', () => {
    const plan = decideRoute(routeInput(routeObject(), {}, { ref: { outsideSelector: 'shard=a' } }));
    expect(plan.outcome!.message).toContain('give it the same label as this route');
  });

  it('takes its grace period from the operator (--not-found-grace)', () => {
    const waiting = { kind: 'Progressing' as const, reason: 'ApiNotFound' as const, message: 'waiting' };
    const input = routeInput(reported(routeObject(), waiting, 5 * S), {}, { protocol: null });
    expect(decideRoute({ ...input, notFoundGraceMs: 5 * S }).outcome).toMatchObject({ kind: 'Stalled' });
    expect(decideRoute({ ...input, notFoundGraceMs: 6 * S }).outcome).toMatchObject({ kind: 'Progressing' });
  });
});

describe('the route reconciler, sharded by a label selector', () => {
  /** An API server answering whether an ApiIntegration exists, counting the asks. */
  function apiServer(existing: string[]) {
    const asked: string[] = [];
    const exists = async (namespace: string, name: string) => {
      asked.push(`${namespace}/${name}`);
      return existing.includes(`${namespace}/${name}`);
    };
    return { asked, exists };
  }

  it('tells an ApiIntegration outside the selector from a missing one, asking only when the cache lacks it', async () => {
    const server = apiServer(['team-a/items']);
    const clock = new FakeClock();
    const shard = new SelectedShard({ labelSelector: 'shard=a', exists: server.exists, clock });
    const t = setup(undefined, { shard, clock, notFoundGraceMs: 60_000 });
    t.integrations.clear();
    expect(await t.run()).toEqual({ requeueAfterMs: 30_000 });
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'IntegrationNotSelected' });
    expect(t.ready()?.message).toContain("--label-selector 'shard=a'");
    expect(server.asked).toEqual(['team-a/items']);

    await clock.advance(60_000);
    expect(await t.run()).toEqual({ requeueAfterMs: 60_000 });
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'IntegrationNotSelected' });
    expect(t.events).toEqual(['Warning:IntegrationNotSelected']);
    expect(t.gateway.writes()).toEqual([]);

    // Given the label, it enters the cache: the route is made, with no further ask.
    server.asked.length = 0;
    t.integrations.set('team-a/items', itemsIntegration('int1'));
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(server.asked).toEqual([]);
  });

  it('an ApiIntegration that exists nowhere is IntegrationNotFound', async () => {
    const server = apiServer([]);
    const shard = new SelectedShard({ labelSelector: 'shard=a', exists: server.exists, clock: new FakeClock() });
    const t = setup(undefined, { shard });
    t.integrations.clear();
    await t.run();
    expect(t.ready()).toMatchObject({ reason: 'IntegrationNotFound' });
    expect(t.ready()?.message).toContain('ApiIntegration items does not exist in this namespace');
  });
});

describe('SelectedShard', () => {
  it('asks the API server once per ApiIntegration per 30 s, for any number of routes, and forgets failures', async () => {
    const clock = new FakeClock();
    let asks = 0;
    let fail = false;
    const exists = async () => {
      asks++;
      if (fail) throw new Error('API server unavailable');
      return true;
    };
    const shard = new SelectedShard({ labelSelector: 'shard=a', exists, clock });
    const signal = new AbortController().signal;
    const ask = () => shard.outsideSelector('team-a', 'items', signal);
    expect(await Promise.all([ask(), ask(), ask()])).toEqual(['shard=a', 'shard=a', 'shard=a']);
    await clock.advance(29_000);
    await ask();
    expect(asks).toBe(1);
    await clock.advance(1_000);
    fail = true;
    await expect(ask()).rejects.toThrow('API server unavailable');
    fail = false;
    expect(await ask()).toBe('shard=a');
    expect(asks).toBe(3);
  });
});
