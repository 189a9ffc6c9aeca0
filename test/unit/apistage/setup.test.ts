// How ApiStages plug into the runtime: which stages a change to an ApiIntegration or an ApiRoute
// concerns (a deployment may be due on every API it was or is on), which ApiStage already manages a
// stage, and which updates of an ApiStage are worth a pass.
import { describe, expect, it } from '@jest/globals';
import type { ApiStage } from '../../../src/api/v1alpha1/stage-types.ts';
import { stageClaimedBy, stagesConcerned, stageWorthReconciling } from '../../../src/apistage/setup.ts';
import { PLACE, recordedStage, stageObject } from './fixtures.ts';

const named = (name: string, o: ApiStage): ApiStage => ({ ...o, metadata: { ...o.metadata, name } });

describe('stagesConcerned', () => {
  const stages = [
    named('on-api1', stageObject()),
    named('on-api1-explicit-region', stageObject({ spec: { region: 'us-east-1' } })),
    named('on-api2', stageObject({ spec: { apiId: 'api2' } })),
    named('on-api1-elsewhere', stageObject({ spec: { region: 'eu-west-1' } })),
  ];
  const onApi = (apiId: string, more: { annotations?: Record<string, string>; observed?: object } = {}) => ({
    metadata: { annotations: more.annotations ?? {} },
    spec: { apiId },
    ...(more.observed ? { status: { observed: more.observed } } : {}),
  });

  it('queues every stage of the API the object is on, in the default region unless it says otherwise', () => {
    expect(stagesConcerned({ cur: onApi('api1') }, stages, 'us-east-1')).toEqual([
      'team-a/on-api1',
      'team-a/on-api1-explicit-region',
    ]);
    expect(stagesConcerned({ cur: onApi('api3') }, stages, 'us-east-1')).toEqual([]);
  });

  it('queues the stages of the API an object leaves as well as those of the API it goes to', () => {
    const keys = stagesConcerned({ old: onApi('api1'), cur: onApi('api2') }, stages, 'us-east-1');
    expect(keys.sort()).toEqual(['team-a/on-api1', 'team-a/on-api1-explicit-region', 'team-a/on-api2']);
  });

  it('queues the stages of the API an object is recorded on, even when its spec now names another', () => {
    const recorded = onApi('api2', { annotations: { 'apigw.dev/location': 'us-east-1/api1' } });
    expect(stagesConcerned({ cur: recorded }, stages, 'us-east-1').sort()).toEqual([
      'team-a/on-api1',
      'team-a/on-api1-explicit-region',
      'team-a/on-api2',
    ]);
    const observed = onApi('api2', { observed: { apiId: 'api1', region: 'eu-west-1' } });
    expect(stagesConcerned({ cur: observed }, stages, 'us-east-1').sort()).toEqual([
      'team-a/on-api1-elsewhere',
      'team-a/on-api2',
    ]);
  });
});

describe('stageClaimedBy', () => {
  const self = 'team-a/prod';
  const mine = stageObject({ annotations: recordedStage() });
  const other = named('other', stageObject({ annotations: recordedStage() }));

  it('names another ApiStage that records the stage at that place', () => {
    expect(stageClaimedBy([mine, other], PLACE, 'prod', self)).toBe('team-a/other');
  });

  it('never names the asking ApiStage itself', () => {
    expect(stageClaimedBy([mine], PLACE, 'prod', self)).toBeUndefined();
  });

  it('ignores stages of another name or on another API, and ApiStages that record nothing', () => {
    expect(stageClaimedBy([other], PLACE, 'staging', self)).toBeUndefined();
    expect(stageClaimedBy([other], { ...PLACE, apiId: 'api2' }, 'prod', self)).toBeUndefined();
    expect(stageClaimedBy([other], { ...PLACE, region: 'eu-west-1' }, 'prod', self)).toBeUndefined();
    expect(stageClaimedBy([named('new', stageObject())], PLACE, 'prod', self)).toBeUndefined();
  });

  it('counts a record kept only in status (annotations lost in a restore)', () => {
    const fromStatus = named(
      'restored',
      stageObject({ status: { observedGeneration: 1, apiId: 'api1', region: 'us-east-1', stageName: 'prod' } }),
    );
    expect(stageClaimedBy([fromStatus], PLACE, 'prod', self)).toBe('team-a/restored');
  });
});

describe('stageWorthReconciling', () => {
  const base = stageObject({ annotations: recordedStage() });
  const withMeta = (m: Partial<ApiStage['metadata']>): ApiStage => ({ ...base, metadata: { ...base.metadata, ...m } });
  const annotated = (a: Record<string, string>) => withMeta({ annotations: { ...base.metadata.annotations, ...a } });

  it.each([
    ['a spec change', withMeta({ generation: 2 })],
    ['deletion', withMeta({ deletionTimestamp: '2026-01-01T00:00:00Z' })],
    ['a reconcile request', annotated({ 'apigw.dev/reconcile-requested-at': 'now' })],
    ['a deployment request', annotated({ 'apigw.dev/deploy-requested-at': '2026-01-01T00:09:00Z' })],
  ])('reconciles on %s', (_what, cur) => {
    expect(stageWorthReconciling(base, cur)).toBe(true);
  });

  it.each([
    ['its own status write', { ...base, status: { observedGeneration: 1, deploymentId: 'd1' } }],
    ['its own deploy marker', annotated({ 'apigw.dev/deploy-pending': 'abc@1' })],
    ['a new resourceVersion', withMeta({ resourceVersion: '8' })],
  ])('does not reconcile on %s', (_what, cur) => {
    expect(stageWorthReconciling(base, cur)).toBe(false);
  });
});
