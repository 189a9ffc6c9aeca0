// `kubectl apigw tree` draws each API with its integrations, the routes beneath the integration they
// target, and its stages, with Ready and Live; `why` explains the condition that holds an object
// back with the docs' words, and which objects already manage an API's ids for `import`.
import { describe, expect, it } from '@jest/globals';
import { kindNamed, managedIdsOf, type ClusterObject } from '../../../src/cli/cluster-objects.ts';
import { renderTree } from '../../../src/cli/tree.ts';
import { explain } from '../../../src/cli/why.ts';

const cond = (type: string, status: string, reason: string, message = '') => ({
  type,
  status,
  reason,
  message,
  observedGeneration: 1,
});
const obj = (name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}): ClusterObject => ({
  metadata: { name, namespace: 'shop', generation: 1 },
  spec,
  status,
});

const integration = obj(
  'orders',
  { apiId: 'a1', region: 'us-east-1' },
  { integrationId: 'i1', conditions: [cond('Ready', 'True', 'Synced'), cond('Live', 'Unknown', 'NoManagedStage')] },
);
const routed = obj(
  'get-orders',
  { apiId: 'a1', region: 'us-east-1', integrationRef: { name: 'orders' } },
  { routeId: 'r1', conditions: [cond('Ready', 'True', 'Synced')] },
);
const missing = obj(
  'get-missing',
  { apiId: 'a1', region: 'us-east-1', integrationRef: { name: 'missnig' } },
  {
    conditions: [
      cond('Ready', 'False', 'IntegrationNotFound', 'no ApiIntegration missnig in namespace shop'),
      cond('Stalled', 'True', 'IntegrationNotFound', 'no ApiIntegration missnig in namespace shop'),
    ],
  },
);
const stage = obj('prod', { apiId: 'a1', region: 'us-east-1', stageName: 'prod' }, { stageName: 'prod' });
const objects = { integrations: [integration], routes: [missing, routed], stages: [stage] };

describe('tree', () => {
  it('draws API → integration → its routes, then other routes and stages', () => {
    expect(renderTree(objects)).toEqual([
      'API a1 (us-east-1)',
      '  ApiIntegration shop/orders  i1  Ready=True Synced  Live=Unknown NoManagedStage',
      '    ApiRoute shop/get-orders  r1  Ready=True Synced  Live=-',
      '  ApiRoute shop/get-missing  (no id yet)  Ready=False IntegrationNotFound  Live=-',
      '  ApiStage shop/prod  prod  Ready=-',
    ]);
  });

  it('marks what AWS no longer holds when asked', () => {
    const aws = new Map([
      ['us-east-1/a1', { integrations: new Set(['i1']), routes: new Set<string>(), stages: new Set(['prod']) }],
    ]);
    const lines = renderTree(objects, { aws });
    expect(lines.filter((l) => l.includes('MISSING IN AWS'))).toEqual([
      '    ApiRoute shop/get-orders  r1  Ready=True Synced  Live=-  MISSING IN AWS',
    ]);
    expect(renderTree(objects, { aws: new Map([['us-east-1/a1', undefined]]) })[0]).toBe(
      'API a1 (us-east-1)  NOT FOUND IN AWS',
    );
  });
});

describe('why', () => {
  it('explains a Stalled route with the docs’ meaning and advice', () => {
    const text = explain('ApiRoute', missing).join('\n');
    expect(text).toMatch(/Stalled IntegrationNotFound: no ApiIntegration missnig in namespace shop/);
    expect(text).toMatch(/Meaning: No ApiIntegration of that name exists in the namespace/);
    expect(text).toMatch(/What to do: Fix integrationRef.name, or create the ApiIntegration\./);
  });

  it('explains Live once the object is Ready', () => {
    expect(explain('ApiIntegration', integration).join('\n')).toMatch(
      /Live NoManagedStage[\s\S]*Meaning: no ApiStage covers the API/,
    );
  });

  it('reads KIND in any of its names', () => {
    expect(
      ['apiint', 'ApiIntegration', 'apiintegrations', 'apiroute', 'apistages'].map((k) => kindNamed(k)?.kind),
    ).toEqual(['ApiIntegration', 'ApiIntegration', 'ApiIntegration', 'ApiRoute', 'ApiStage']);
  });
});

describe('managed ids', () => {
  it('counts objects on the same API and region (or without a region), by status or adopted id', () => {
    const adopting = obj('adopting', { apiId: 'a1', integrationId: 'i2' });
    const elsewhere = obj('elsewhere', { apiId: 'a1', region: 'eu-west-1' }, { integrationId: 'i3' });
    const ids = managedIdsOf(
      { integrations: [integration, adopting, elsewhere], routes: [routed], stages: [stage] },
      'a1',
      'us-east-1',
      'shop',
    );
    expect(ids.integrations).toEqual(
      new Map([
        ['i1', 'shop/orders'],
        ['i2', 'shop/adopting'],
      ]),
    );
    expect(ids.routes).toEqual(new Map([['r1', 'shop/get-orders']]));
    expect(ids.stages).toEqual(new Map([['prod', 'shop/prod']]));
  });

  it("holds the names of every object of each kind in the import's namespace, whatever its API", () => {
    const otherApi = obj('mock', { apiId: 'zz9' });
    const otherNamespace = { ...obj('elsewhere', { apiId: 'a1' }), metadata: { name: 'away', namespace: 'other' } };
    const ids = managedIdsOf(
      { integrations: [integration, otherApi, otherNamespace], routes: [routed], stages: [] },
      'a1',
      'us-east-1',
      'shop',
    );
    expect(ids.names).toEqual({
      integrations: new Set(['orders', 'mock']),
      routes: new Set(['get-orders']),
      stages: new Set(),
    });
  });
});
