// Status as kstatus, kubectl wait, Flux and ArgoCD read it: the three conditions, per-condition
// observedGeneration, and a lastTransitionTime that only moves when a condition flips.
import { describe, expect, it } from '@jest/globals';
import { statusChanged } from '../../../src/api/v1alpha1/conditions.ts';
import { nextStatus } from '../../../src/apiintegration/status.ts';
import { object, observed } from './fixtures.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T01:00:00Z');
const ready = { kind: 'Ready', reason: 'Synced', message: 'in sync' } as const;

describe('nextStatus', () => {
  it('reports Ready, Reconciling and Stalled with the generation they describe', () => {
    const s = nextStatus(
      object({ generation: 3 }),
      {
        outcome: ready,
        integrationId: 'i1',
        observed: observed(),
        location: { region: 'us-east-1', apiId: 'api1' },
        protocol: 'HTTP',
      },
      t0,
    );
    expect(s.observedGeneration).toBe(3);
    expect(s.integrationId).toBe('i1');
    expect(s.conditions?.map((c) => [c.type, c.status, c.observedGeneration])).toEqual([
      ['Ready', 'True', 3],
      ['Reconciling', 'False', 3],
      ['Stalled', 'False', 3],
    ]);
    expect(s.observed).toMatchObject({
      apiId: 'api1',
      protocolType: 'HTTP',
      connectionType: 'INTERNET',
      timeoutInMillis: 30000,
    });
  });

  it('marks an invalid spec Stalled with the message', () => {
    const s = nextStatus(
      object(),
      { outcome: { kind: 'Stalled', reason: 'InvalidSpec', message: 'spec.x: fix it' } },
      t0,
    );
    expect(s.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'InvalidSpec',
      message: 'spec.x: fix it',
    });
    expect(s.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
  });

  it('keeps lastTransitionTime while a condition holds, so a steady object is not rewritten', () => {
    const obj = object();
    obj.status = nextStatus(obj, { outcome: ready, integrationId: 'i1', observed: observed() }, t0);
    const again = nextStatus(obj, { outcome: ready, integrationId: 'i1', observed: observed() }, t1);
    expect(statusChanged(obj.status, again)).toBe(false);
    const flipped = nextStatus(obj, { outcome: { kind: 'Stalled', reason: 'AwsRejected', message: 'no' } }, t1);
    expect(flipped.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('2026-01-01T01:00:00Z');
    expect(statusChanged(obj.status, flipped)).toBe(true);
  });
});

describe('the three conditions for each kind of outcome', () => {
  it.each([
    [
      'Ready',
      { kind: 'Ready', reason: 'Synced', message: 'in sync' },
      [
        ['Ready', 'True', 'Synced', 'in sync'],
        ['Reconciling', 'False', 'Reconciled', ''],
        ['Stalled', 'False', 'NotStalled', ''],
      ],
    ],
    [
      'Progressing',
      { kind: 'Progressing', reason: 'Moving', message: 'moving' },
      [
        ['Ready', 'False', 'Moving', 'moving'],
        ['Reconciling', 'True', 'Moving', 'moving'],
        ['Stalled', 'False', 'NotStalled', ''],
      ],
    ],
    [
      'Stalled',
      { kind: 'Stalled', reason: 'AwsRejected', message: 'refused' },
      [
        ['Ready', 'False', 'AwsRejected', 'refused'],
        ['Reconciling', 'False', 'AwsRejected', ''],
        ['Stalled', 'True', 'AwsRejected', 'refused'],
      ],
    ],
  ] as const)('%s: exactly one condition is True, and it carries the message', (_kind, outcome, expected) => {
    const s = nextStatus(object(), { outcome }, t0);
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual(expected);
  });
});

describe('what status keeps between passes', () => {
  const reported = {
    outcome: ready,
    integrationId: 'i1',
    observed: observed({ integrationResponseSelectionExpression: '${integration.response.statuscode}' }),
    location: { region: 'us-east-1', apiId: 'api1' },
    protocol: 'HTTP' as const,
  };

  it('a pass that names no integration (a failure, a wait) keeps the integration last reported', () => {
    const obj = object();
    obj.status = nextStatus(obj, reported, t0);
    const s = nextStatus(obj, { outcome: { kind: 'Progressing', reason: 'AwsThrottled', message: 'slow down' } }, t1);
    expect(s.integrationId).toBe('i1');
    expect(s.observed).toEqual(obj.status.observed);
  });

  it('a pass about another integration without a look at it drops the old observation', () => {
    const obj = object();
    obj.status = nextStatus(obj, reported, t0);
    const s = nextStatus(obj, { outcome: ready, integrationId: 'i2' }, t1);
    expect(s.integrationId).toBe('i2');
    expect(s.observed).toBeUndefined();
  });

  it('reports what only AWS knows, and leaves out what AWS did not say', () => {
    const s = nextStatus(object(), reported, t0);
    expect(s.observed?.integrationResponseSelectionExpression).toBe('${integration.response.statuscode}');
    expect(Object.values(s.observed ?? {})).not.toContain(undefined);
    expect(s.observed).not.toHaveProperty('credentialsArn');
  });

  it('remembers the reconcile request it handled until a newer one comes', () => {
    const obj = object();
    obj.status = nextStatus(obj, { outcome: ready, handledRequest: 'r1' }, t0);
    expect(obj.status.lastHandledReconcileAt).toBe('r1');
    expect(nextStatus(obj, { outcome: ready }, t1).lastHandledReconcileAt).toBe('r1');
    expect(nextStatus(obj, { outcome: ready, handledRequest: 'r2' }, t1).lastHandledReconcileAt).toBe('r2');
  });

  it('a first status has no integration or request to speak of', () => {
    const s = nextStatus(object(), { outcome: ready }, t0);
    expect(Object.keys(s).sort()).toEqual(['conditions', 'deletionPolicy', 'observedGeneration']);
  });

  it('compares statuses regardless of key order and absent keys', () => {
    const a = nextStatus(object(), reported, t0);
    const reordered = Object.fromEntries(Object.entries(a).reverse());
    expect(statusChanged(a, { ...reordered, lastHandledReconcileAt: undefined } as typeof a)).toBe(false);
    expect(statusChanged(undefined, a)).toBe(true);
  });
});
