// Status as kstatus, kubectl wait, Flux and ArgoCD read it: the three conditions, per-condition
// observedGeneration, and a lastTransitionTime that only moves when a condition flips.
import { describe, expect, it } from '@jest/globals';
import { nextStatus, statusChanged } from '../../../src/apiintegration/status.ts';
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
