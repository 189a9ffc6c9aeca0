// What a stage's spec asks AWS to hold, and the smallest change that gets it there: UpdateStage
// merges, so a removal must be sent as its reset value or a call of its own, and settings AWS
// fills in that the spec does not set are not the operator's to fight.
import { describe, expect, it } from '@jest/globals';
import type { ApiStageSpecT } from '../../../src/api/v1alpha1/stage-types.ts';
import { desiredStageFields, diffStage } from '../../../src/apistage/diff.ts';
import { observedStage } from './fixtures.ts';

const LOG = {
  destinationArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/apigw/prod',
  format: '{"requestId":"$context.requestId"}',
};
const spec = (over: Partial<ApiStageSpecT> = {}): ApiStageSpecT => ({ apiId: 'api1', stageName: 'prod', ...over });
const diff = (over: Partial<ApiStageSpecT>, have: Parameters<typeof observedStage>[0]) =>
  diffStage(desiredStageFields(spec(over)), observedStage(have));

describe('desiredStageFields', () => {
  it('sends the stage settings with their resets, and none of the operator fields', () => {
    const fields = desiredStageFields(
      spec({ region: 'us-east-1', adopt: true, deploymentPolicy: 'Manual', deletionPolicy: 'Retain' }),
    );
    expect(fields).toEqual({ description: '', autoDeploy: false, stageVariables: {}, routeSettings: {} });
  });

  it('carries every setting the spec sets', () => {
    const full = spec({
      description: 'prod',
      autoDeploy: true,
      stageVariables: { backend: 'a.example.com' },
      defaultRouteSettings: { throttlingRateLimit: 10 },
      routeSettings: { 'GET /a': { detailedMetricsEnabled: true } },
      accessLogSettings: LOG,
    });
    expect(desiredStageFields(full)).toEqual({
      description: 'prod',
      autoDeploy: true,
      stageVariables: { backend: 'a.example.com' },
      defaultRouteSettings: { throttlingRateLimit: 10 },
      routeSettings: { 'GET /a': { detailedMetricsEnabled: true } },
      accessLogSettings: LOG,
    });
  });
});

describe('diffStage', () => {
  it('finds nothing to do when AWS holds what the spec says, whatever else AWS filled in', () => {
    const d = diff(
      {
        defaultRouteSettings: { detailedMetricsEnabled: true },
        routeSettings: { 'GET /a': { throttlingRateLimit: 5 } },
      },
      {
        deploymentId: 'd1',
        defaultRouteSettings: { detailedMetricsEnabled: true, throttlingBurstLimit: 5000, throttlingRateLimit: 10000 },
        routeSettings: { 'GET /a': { throttlingRateLimit: 5, throttlingBurstLimit: 5000 } },
        stageVariables: {},
      },
    );
    expect(d).toEqual({ changed: [], removeRouteSettings: [], removeAccessLog: false });
  });

  it('compares only the members of a settings block the spec sets, and sends only those', () => {
    const d = diff(
      { defaultRouteSettings: { throttlingBurstLimit: 100 } },
      { defaultRouteSettings: { throttlingBurstLimit: 5000, throttlingRateLimit: 10000 } },
    );
    expect(d.changed).toEqual(['defaultRouteSettings']);
    expect(d.update).toEqual({ defaultRouteSettings: { throttlingBurstLimit: 100 } });
  });

  it('sends a removed stage variable empty, with the ones kept', () => {
    const d = diff({ stageVariables: { a: '1' } }, { stageVariables: { a: '1', b: '2' } });
    expect(d.changed).toEqual(['stageVariables']);
    expect(d.update).toEqual({ stageVariables: { a: '1', b: '' } });
    const allGone = diff({}, { stageVariables: { b: '2' } });
    expect(allGone.update).toEqual({ stageVariables: { b: '' } });
  });

  it('resets a removed description and autoDeploy', () => {
    const d = diff({}, { description: 'old', autoDeploy: true });
    expect(d.changed).toEqual(['description', 'autoDeploy']);
    expect(d.update).toEqual({ description: '', autoDeploy: false });
  });

  it('sends only the routes whose settings changed, and removes the routes the spec dropped', () => {
    const d = diff(
      { routeSettings: { 'GET /a': { throttlingRateLimit: 5 }, 'GET /b': { throttlingRateLimit: 7 } } },
      {
        routeSettings: {
          'GET /a': { throttlingRateLimit: 5 },
          'GET /b': { throttlingRateLimit: 1 },
          'GET /c': { throttlingRateLimit: 1 },
        },
      },
    );
    expect(d.changed).toEqual(['routeSettings']);
    expect(d.update).toEqual({ routeSettings: { 'GET /b': { throttlingRateLimit: 7 } } });
    expect(d.removeRouteSettings).toEqual(['GET /c']);
  });

  it('removes route settings through their own call when nothing else changes', () => {
    const d = diff({}, { routeSettings: { 'GET /c': { throttlingRateLimit: 1 } } });
    expect(d).toEqual({ changed: ['routeSettings'], removeRouteSettings: ['GET /c'], removeAccessLog: false });
  });

  it('turns access logging off when the spec drops it, and changes it when it differs', () => {
    expect(diff({}, { accessLogSettings: LOG })).toEqual({
      changed: ['accessLogSettings'],
      removeRouteSettings: [],
      removeAccessLog: true,
    });
    const changed = diff({ accessLogSettings: LOG }, { accessLogSettings: { ...LOG, format: '$context.requestId' } });
    expect(changed.update).toEqual({ accessLogSettings: LOG });
    expect(changed.removeAccessLog).toBe(false);
    expect(diff({ accessLogSettings: LOG }, { accessLogSettings: LOG }).changed).toEqual([]);
  });

  it('names every changed field in the order of the field table', () => {
    const d = diff(
      {
        description: 'new',
        autoDeploy: true,
        stageVariables: { a: '1' },
        defaultRouteSettings: { detailedMetricsEnabled: true },
        routeSettings: { 'GET /a': { throttlingRateLimit: 5 } },
        accessLogSettings: LOG,
      },
      {},
    );
    expect(d.changed).toEqual([
      'description',
      'autoDeploy',
      'stageVariables',
      'defaultRouteSettings',
      'routeSettings',
      'accessLogSettings',
    ]);
  });
});
