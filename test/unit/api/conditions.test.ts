// The conditions module: Ready, Reconciling and Stalled as before, and Live when a kind reports it,
// stamped like the others (its lastTransitionTime moves only when its status flips).
import { describe, expect, it } from '@jest/globals';
import { LIVE, observedConditions, type Liveness } from '../../../src/api/v1alpha1/conditions.ts';
import type { ConditionT } from '../../../src/api/v1alpha1/group.ts';

const ready = { kind: 'Ready' as const, reason: 'Deployed', message: 'the stage serves deployment d1' };
const T0 = new Date('2026-06-01T12:00:00.123Z');
const T1 = new Date('2026-06-01T12:05:00Z');
const obj = (conditions?: ConditionT[], generation = 2) => ({
  metadata: { generation },
  status: conditions ? { conditions } : undefined,
});
const live = (status: Liveness['status'], reason = 'Served'): Liveness => ({ status, reason, message: reason });
const find = (cs: ConditionT[], type: string) => cs.find((c) => c.type === type);

describe('observedConditions', () => {
  it('reports only Ready, Reconciling and Stalled for a kind that says nothing of Live', () => {
    const { conditions } = observedConditions(obj(), ready, T0);
    expect(conditions.map((c) => c.type)).toEqual(['Ready', 'Reconciling', 'Stalled']);
  });

  it('adds Live after the three, with the generation and the time of the pass', () => {
    const { observedGeneration, conditions } = observedConditions(obj(), ready, T0, live('True'));
    expect(observedGeneration).toBe(2);
    expect(conditions.map((c) => c.type)).toEqual(['Ready', 'Reconciling', 'Stalled', LIVE]);
    expect(find(conditions, LIVE)).toEqual({
      type: 'Live',
      status: 'True',
      observedGeneration: 2,
      lastTransitionTime: '2026-06-01T12:00:00Z',
      reason: 'Served',
      message: 'Served',
    });
  });

  it('keeps Live’s lastTransitionTime while its status holds, and moves it when it flips', () => {
    const first = observedConditions(obj(), ready, T0, live('False', 'AwaitingDeployment')).conditions;
    const same = observedConditions(obj(first, 3), ready, T1, live('False', 'AwaitingDeployment')).conditions;
    expect(find(same, LIVE)?.lastTransitionTime).toBe('2026-06-01T12:00:00Z');
    expect(find(same, LIVE)?.observedGeneration).toBe(3);
    const flipped = observedConditions(obj(same, 3), ready, T1, live('True')).conditions;
    expect(find(flipped, LIVE)).toMatchObject({ status: 'True', lastTransitionTime: '2026-06-01T12:05:00Z' });
    // Ready did not flip, so its time stays.
    expect(find(flipped, 'Ready')?.lastTransitionTime).toBe('2026-06-01T12:00:00Z');
  });

  it('can say Unknown', () => {
    const { conditions } = observedConditions(obj(), ready, T0, live('Unknown', 'StageUnreadable'));
    expect(find(conditions, LIVE)).toMatchObject({ status: 'Unknown', reason: 'StageUnreadable' });
  });
});
