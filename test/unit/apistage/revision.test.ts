// What a stage should serve: which objects are on its API, whether they have settled, and a revision
// that changes exactly when what a deployment would serve changes.
import { describe, expect, it } from '@jest/globals';
import type { ApiRoute } from '../../../src/api/v1alpha1/route-types.ts';
import type { ApiIntegration } from '../../../src/api/v1alpha1/types.ts';
import { membersAt, settlementOf } from '../../../src/apistage/revision.ts';

const API1 = { region: 'us-east-1', apiId: 'api1' };

type State = 'ready' | 'stalled' | 'pending' | 'deleting' | 'old-generation';

function conditions(state: State) {
  const t = (type: string, on: boolean) => ({
    type,
    status: on ? 'True' : 'False',
    reason: on ? (type === 'Ready' ? 'Synced' : 'RouteKeyTaken') : 'Reconciling',
    message: '',
    lastTransitionTime: '2026-01-01T00:00:00Z',
  });
  return [t('Ready', state === 'ready' || state === 'deleting'), t('Stalled', state === 'stalled')];
}

function meta(name: string, state: State, generation: number, annotations: Record<string, string>) {
  return {
    namespace: 'team-a',
    name,
    generation,
    annotations,
    ...(state === 'deleting' ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  };
}

function integration(
  name: string,
  state: State = 'ready',
  o: { id?: string; apiId?: string; generation?: number } = {},
) {
  const generation = o.generation ?? 1;
  return {
    apiVersion: 'apigw.dev/v1alpha1',
    kind: 'ApiIntegration',
    metadata: meta(name, state, generation, {
      'apigw.dev/integration-id': o.id ?? `i-${name}`,
      'apigw.dev/location': 'us-east-1/api1',
    }),
    spec: { apiId: o.apiId ?? 'api1', integrationType: 'MOCK' },
    status: {
      observedGeneration: state === 'old-generation' ? generation - 1 : generation,
      conditions: conditions(state),
    },
  } as unknown as ApiIntegration;
}

function route(name: string, state: State = 'ready', o: { target?: string; generation?: number } = {}) {
  const generation = o.generation ?? 1;
  return {
    apiVersion: 'apigw.dev/v1alpha1',
    kind: 'ApiRoute',
    metadata: meta(name, state, generation, {
      'apigw.dev/route-id': `r-${name}`,
      'apigw.dev/location': 'us-east-1/api1',
    }),
    spec: { apiId: 'api1', routeKey: `GET /${name}` },
    status: {
      observedGeneration: state === 'old-generation' ? generation - 1 : generation,
      conditions: conditions(state),
      integrationId: o.target ?? 'i-a',
    },
  } as unknown as ApiRoute;
}

const settle = (integrations: ApiIntegration[], routes: ApiRoute[]) =>
  settlementOf(membersAt(API1, 'us-east-1', { integrations, routes }));

describe('what a stage should serve', () => {
  it('settles when every object on the API is Ready or Stalled for its generation', () => {
    expect(settle([integration('a')], [route('x')]).settled).toBe(true);
    expect(settle([integration('a')], [route('x', 'stalled')])).toMatchObject({
      settled: true,
      stalled: [{ kind: 'ApiRoute', name: 'x', reason: 'Reconciling' }],
    });
    expect(settle([integration('a', 'old-generation')], []).settled).toBe(false);
    expect(settle([integration('a')], [route('x', 'pending')]).pending.map((m) => m.name)).toEqual(['x']);
    // Its route stays in AWS until the finalizer goes: not settled yet.
    expect(settle([integration('a')], [route('x', 'deleting')]).settled).toBe(false);
    // A delete that routes block waits on their owners: it holds nothing back, and is named.
    const blocked = integration('b', 'deleting');
    blocked.status!.conditions = [
      {
        type: 'Ready',
        status: 'False',
        reason: 'IntegrationInUse',
        message: '',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ];
    expect(settle([integration('a'), blocked], [route('x')])).toMatchObject({
      settled: true,
      stalled: [{ name: 'b', reason: 'IntegrationInUse' }],
    });
  });

  it('counts no ObserveOnly object: the operator never changes AWS for it', () => {
    const watched = integration('w', 'pending');
    (watched.spec as { managementPolicy?: string }).managementPolicy = 'ObserveOnly';
    expect(settle([integration('a'), watched], [])).toMatchObject({ settled: true, pending: [] });
  });

  it('counts objects sent to the API by their spec before they are recorded there, and nothing on other APIs', () => {
    const moving = integration('b', 'pending', { apiId: 'api1' });
    delete (moving.metadata.annotations as Record<string, string>)['apigw.dev/location'];
    expect(settle([moving], []).pending.map((m) => m.name)).toEqual(['b']);
    const elsewhere = integration('c', 'ready', { apiId: 'api2' });
    (elsewhere.metadata.annotations as Record<string, string>)['apigw.dev/location'] = 'us-east-1/api2';
    expect(membersAt(API1, 'us-east-1', { integrations: [elsewhere], routes: [] })).toEqual([]);
  });

  it('has a revision that changes with every change a deployment would serve, and with nothing else', () => {
    const base = settle([integration('a')], [route('x')]).revision;
    expect(settle([integration('a')], [route('x')]).revision).toBe(base);
    // Order of the caches does not matter.
    expect(settle([integration('a'), integration('b')], []).revision).toBe(
      settle([integration('b'), integration('a')], []).revision,
    );
    const changed = [
      settle([integration('a', 'ready', { generation: 2 })], [route('x')]),
      settle([integration('a', 'ready', { id: 'i-recreated' })], [route('x')]),
      settle([integration('a')], [route('x', 'ready', { target: 'i-other' })]),
      settle([integration('a')], []),
      settle([integration('a')], [route('x'), route('y')]),
    ].map((s) => s.revision);
    expect(new Set([base, ...changed]).size).toBe(changed.length + 1);
    // A Stalled object is served as AWS holds it: its removal changes the revision, its new generation does not.
    const stalled = settle([integration('a')], [route('x', 'stalled')]).revision;
    expect(stalled).not.toBe(settle([integration('a')], []).revision);
    expect(settle([integration('a')], [route('x', 'stalled', { generation: 3 })]).revision).toBe(stalled);
  });
});
