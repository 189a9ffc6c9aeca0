// A missing API (a mistyped apiId or region, or an API not created yet) as decide sees it: waited for
// through the grace period, then Stalled with a Warning, looked for again on a growing backoff. How
// long the object has waited comes from its own conditions (as the reconciler wrote them), never
// from memory, so a restarted operator reaches the same answer.
import { describe, expect, it } from '@jest/globals';
import type { Outcome } from '../../../src/api/v1alpha1/conditions.ts';
import type { ApiIntegration } from '../../../src/api/v1alpha1/types.ts';
import { decide, type DecideInput } from '../../../src/apiintegration/decide.ts';
import { desiredFields } from '../../../src/apiintegration/desired.ts';
import type { ConditionReason } from '../../../src/apiintegration/reasons.ts';
import { nextStatus } from '../../../src/apiintegration/status.ts';
import { UID, object } from './fixtures.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const S = 1000;

/** The object as the reconciler left it after reporting `outcome` at `msAgo` before NOW. */
function reported(obj: ApiIntegration, outcome: Outcome<ConditionReason>, msAgo: number): ApiIntegration {
  return { ...obj, status: nextStatus(obj, { outcome }, new Date(NOW - msAgo)) };
}

const waiting: Outcome<ConditionReason> = { kind: 'Progressing', reason: 'ApiNotFound', message: 'waiting' };
const stalledOn: Outcome<ConditionReason> = { kind: 'Stalled', reason: 'ApiNotFound', message: 'stalled' };

function missingApi(obj: ApiIntegration, notFoundGraceMs?: number): DecideInput {
  return {
    obj,
    observation: {},
    now: NOW,
    ...(notFoundGraceMs === undefined ? {} : { notFoundGraceMs }),
    desired: {
      location: { region: 'us-east-1', apiId: 'api9' },
      protocol: undefined,
      fields: desiredFields(obj.spec, UID),
    },
  };
}

const newGeneration = (o: ApiIntegration): ApiIntegration => ({
  ...o,
  metadata: { ...o.metadata, generation: o.metadata.generation + 1 },
});

describe('decide: an API that does not exist', () => {
  it.each([
    ['a new object: the grace period starts now', object(), 120 * S],
    ['waiting for 1 min 59 s', reported(object(), waiting, 119 * S), 1 * S],
    [
      'waiting on something else before (AwsUnavailable): the grace period starts now',
      reported(object(), { kind: 'Progressing', reason: 'AwsUnavailable', message: '5xx' }, 600 * S),
      120 * S,
    ],
    [
      'Stalled for another reason before (a spec just fixed): the grace period starts now',
      reported(object(), { kind: 'Stalled', reason: 'InvalidSpec', message: 'bad' }, 600 * S),
      120 * S,
    ],
    [
      'Stalled on it in an older generation: a new spec waits afresh',
      newGeneration(reported(object(), stalledOn, 600 * S)),
      120 * S,
    ],
  ])('within the grace period (%s): Reconciling, no event, looked at again by its end', (_what, obj, graceLeftMs) => {
    const plan = decide(missingApi(obj));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toEqual({
      kind: 'Progressing',
      reason: 'ApiNotFound',
      message:
        'API api9 does not exist in us-east-1; waiting for it (Stalled after 2m): fix apiId or region, or create the API',
    });
    expect(plan.notice).toBeUndefined();
    expect(plan.requeue).toEqual({ kind: 'missing', wait: { stalled: false, graceLeftMs } });
  });

  it.each([
    ['waiting for exactly 2 min', reported(object(), waiting, 120 * S), 120 * S],
    ['waiting for 10 min (an operator that was down meanwhile)', reported(object(), waiting, 600 * S), 600 * S],
    ['already Stalled on it for 1 min', reported(reported(object(), waiting, 180 * S), stalledOn, 60 * S), 180 * S],
  ])('past the grace period (%s): Stalled with a Warning, looked for on a backoff', (_what, obj, waitedMs) => {
    const plan = decide(missingApi(obj));
    expect(plan.action).toEqual({ type: 'None' });
    const message =
      'API api9 does not exist in us-east-1 (waited 2m): fix apiId or region, or create the API; the operator keeps looking for it';
    expect(plan.outcome).toEqual({ kind: 'Stalled', reason: 'ApiNotFound', message });
    expect(plan.notice).toEqual({ type: 'Warning', reason: 'ApiNotFound', message });
    expect(plan.requeue).toEqual({ kind: 'missing', wait: { stalled: true, waitedMs } });
  });

  it('takes its grace period from the operator (--not-found-grace)', () => {
    const obj = reported(object(), waiting, 5 * S);
    expect(decide(missingApi(obj, 5 * S)).outcome).toMatchObject({ kind: 'Stalled', reason: 'ApiNotFound' });
    expect(decide(missingApi(obj, 6 * S)).outcome).toMatchObject({ kind: 'Progressing', reason: 'ApiNotFound' });
    expect(decide(missingApi(obj, 6 * S)).outcome?.message).toContain('(Stalled after 6s)');
  });

  it('the status a Stalled pass writes keeps Ready=False since the wait began, and turns Stalled=True now', () => {
    const before = reported(object(), waiting, 150 * S);
    const plan = decide(missingApi(before));
    const after = nextStatus(before, { outcome: plan.outcome! }, new Date(NOW));
    const of = (type: string) => after.conditions?.find((c) => c.type === type);
    expect(of('Ready')).toMatchObject({
      status: 'False',
      reason: 'ApiNotFound',
      lastTransitionTime: '2026-06-01T11:57:30Z',
    });
    expect(of('Stalled')).toMatchObject({
      status: 'True',
      reason: 'ApiNotFound',
      lastTransitionTime: '2026-06-01T12:00:00Z',
    });
    expect(of('Reconciling')).toMatchObject({ status: 'False' });
  });
});
