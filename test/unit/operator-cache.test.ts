// What the operator keeps in memory per object, and which changes wake it up.
import { describe, expect, it } from '@jest/globals';
import { trimForCache, worthReconciling } from '../../src/apiintegration/setup.ts';
import { object } from './apiintegration/fixtures.ts';

describe('trimForCache', () => {
  it('drops managedFields, last-applied copies and foreign annotations, keeping what reconcile reads', () => {
    const o = object({
      annotations: {
        'apigw.dev/integration-id': 'i1',
        'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(5000),
      },
    });
    (o.metadata as unknown as Record<string, unknown>).managedFields = [
      { manager: 'kubectl', fieldsV1: { big: 'x'.repeat(5000) } },
    ];
    const t = trimForCache(o);
    expect(JSON.stringify(t).length).toBeLessThan(1000);
    expect(t.metadata.annotations).toEqual({ 'apigw.dev/integration-id': 'i1' });
    expect(t.spec).toEqual(o.spec);
    expect(t.metadata.uid).toBe(o.metadata.uid);
  });
});

describe('worthReconciling', () => {
  const base = object();
  it('wakes for spec changes, deletion and label moves', () => {
    expect(worthReconciling(base, { ...base, metadata: { ...base.metadata, generation: 2 } })).toBe(true);
    expect(
      worthReconciling(base, { ...base, metadata: { ...base.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }),
    ).toBe(true);
    expect(worthReconciling(base, { ...base, metadata: { ...base.metadata, labels: { shard: 'b' } } })).toBe(true);
  });
  it("ignores the operator's own status and annotation writes", () => {
    expect(
      worthReconciling(base, {
        ...base,
        status: { observedGeneration: 1 },
        metadata: { ...base.metadata, resourceVersion: '11', annotations: { 'apigw.dev/integration-id': 'x' } },
      }),
    ).toBe(false);
  });
});
