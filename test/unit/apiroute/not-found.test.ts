// What a route does when something it needs is missing: its API, or the ApiIntegration its
// integrationRef names. Each is waited for through the grace period, then Stalled with a Warning,
// and looked for again on a growing backoff; each says which of them it is.
import { describe, expect, it } from '@jest/globals';
import type { Outcome } from '../../../src/api/v1alpha1/conditions.ts';
import type { ApiRoute } from '../../../src/api/v1alpha1/route-types.ts';
import { decideRoute, type RouteDecideInput } from '../../../src/apiroute/decide.ts';
import type { RouteConditionReason } from '../../../src/apiroute/reasons.ts';
import { nextRouteStatus } from '../../../src/apiroute/status.ts';
import { NOW, routeInput, routeObject } from './fixtures.ts';

const S = 1000;

/** The object as the reconciler left it after reporting `outcome` `msAgo` before NOW. */
function reported(obj: ApiRoute, outcome: Outcome<RouteConditionReason>, msAgo: number): ApiRoute {
  return { ...obj, status: nextRouteStatus(obj, { outcome }, new Date(NOW - msAgo)) };
}

type Missing = 'ApiNotFound' | 'IntegrationNotFound';

const CASES: [Missing, (obj: ApiRoute) => RouteDecideInput, string][] = [
  ['ApiNotFound', (obj) => routeInput(obj, {}, { protocol: null }), 'API api1 does not exist in us-east-1'],
  ['IntegrationNotFound', (obj) => routeInput(obj, {}, { ref: null }), 'ApiIntegration items does not exist'],
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
      expect(plan.requeue).toEqual({ missing: { stalled: false, graceLeftMs: 1 * S } });
    },
  );

  it.each(CASES)('%s past the grace period: Stalled with a Warning, looked for on a backoff', (reason, given, fact) => {
    const waiting = { kind: 'Progressing' as const, reason, message: 'waiting' };
    const plan = decideRoute(given(reported(routeObject(), waiting, 120 * S)));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason, message: expect.stringContaining(fact) });
    expect(plan.outcome!.message).toContain('the operator keeps looking for it');
    expect(plan.notice).toEqual({ type: 'Warning', reason, message: plan.outcome!.message });
    expect(plan.requeue).toEqual({ missing: { stalled: true, waitedMs: 120 * S } });
  });

  it('the grace period does not carry over from one missing thing to another', () => {
    const apiMissing = { kind: 'Progressing' as const, reason: 'ApiNotFound' as const, message: 'no API' };
    const plan = decideRoute(routeInput(reported(routeObject(), apiMissing, 600 * S), {}, { ref: null }));
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'IntegrationNotFound' });
  });

  it('takes its grace period from the operator (--not-found-grace)', () => {
    const waiting = { kind: 'Progressing' as const, reason: 'ApiNotFound' as const, message: 'waiting' };
    const input = routeInput(reported(routeObject(), waiting, 5 * S), {}, { protocol: null });
    expect(decideRoute({ ...input, notFoundGraceMs: 5 * S }).outcome).toMatchObject({ kind: 'Stalled' });
    expect(decideRoute({ ...input, notFoundGraceMs: 6 * S }).outcome).toMatchObject({ kind: 'Progressing' });
  });
});
