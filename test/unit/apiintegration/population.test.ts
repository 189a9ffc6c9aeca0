// The count of ApiIntegrations recorded per API follows the objects: a move, a delete and an
// object with nothing recorded yet all leave the count right, since it decides when to list.
import { describe, expect, it } from '@jest/globals';
import { ApiPopulation } from '../../../src/apiintegration/population.ts';
import type { ApiIntegration } from '../../../src/api/v1alpha1/types.ts';

const at = (apiId: string | undefined): ApiIntegration =>
  ({
    apiVersion: 'apigw.dev/v1alpha1',
    kind: 'ApiIntegration',
    metadata: {
      name: 'x',
      namespace: 'ns',
      annotations: apiId ? { 'apigw.dev/integration-id': 'i1', 'apigw.dev/location': `us-east-1/${apiId}` } : {},
    },
    spec: { apiId: apiId ?? 'a1', integrationType: 'MOCK' },
  }) as ApiIntegration;

describe('ApiPopulation', () => {
  it('counts objects per recorded API, following moves and deletes', () => {
    const p = new ApiPopulation();
    const a1 = { region: 'us-east-1', apiId: 'a1' };
    const a2 = { region: 'us-east-1', apiId: 'a2' };
    p.set('ns/x', at('a1'));
    p.set('ns/y', at('a1'));
    p.set('ns/x', at('a1')); // an update of the same object counts once
    expect(p.of(a1)).toBe(2);
    p.set('ns/y', at('a2'));
    expect([p.of(a1), p.of(a2)]).toEqual([1, 1]);
    p.set('ns/x', at(undefined)); // nothing recorded: not on any API
    p.remove('ns/y');
    p.remove('ns/never-seen');
    expect([p.of(a1), p.of(a2)]).toEqual([0, 0]);
  });
});
