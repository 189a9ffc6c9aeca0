// The pure stage rules of the fidelity proxy (test/faultproxy/stage-rules.ts), as tables: which
// stage names and settings API Gateway refuses, what a new stage reports, and how UpdateStage merges.
import { describe, expect, it } from '@jest/globals';
import {
  EXECUTION_LOGS_MESSAGE,
  executionLogsProblem,
  mergeStageUpdate,
  newStage,
  noRoutesMessage,
  stageNameProblem,
  stagesServing,
  unknownRouteKey,
} from '../../faultproxy/stage-rules.ts';
import { pagedItems } from '../../faultproxy/listings.ts';

describe('stage names', () => {
  it.each([
    ['prod', 'HTTP', true, 'prod'],
    ['dev-1_b', 'WEBSOCKET', true, 'dev-1_b'],
    ['$default', 'HTTP', true, '$default'],
    ['$default', 'WEBSOCKET', false, '$default'],
    ['a space', 'HTTP', false, 'has space'],
    ['a slash', 'HTTP', false, 'a/b'],
    ['empty', 'HTTP', false, ''],
    ['128 characters', 'HTTP', true, 'x'.repeat(128)],
    ['129 characters', 'HTTP', false, 'x'.repeat(129)],
    ['no name', 'HTTP', false, undefined],
  ])('%s on %s: valid %s', (_label, protocol, valid, name) => {
    expect(stageNameProblem(name, protocol) === undefined).toBe(valid);
  });
});

describe('execution-log settings', () => {
  it.each([
    [{ defaultRouteSettings: { loggingLevel: 'INFO' } }, 'HTTP', EXECUTION_LOGS_MESSAGE],
    [{ defaultRouteSettings: { dataTraceEnabled: false } }, 'HTTP', EXECUTION_LOGS_MESSAGE],
    [{ routeSettings: { 'GET /a': { dataTraceEnabled: false } } }, 'HTTP', EXECUTION_LOGS_MESSAGE],
    [{ defaultRouteSettings: { throttlingBurstLimit: 5, detailedMetricsEnabled: true } }, 'HTTP', undefined],
    [{ routeSettings: { 'GET /a': { throttlingRateLimit: 1 } } }, 'HTTP', undefined],
    [{ defaultRouteSettings: { loggingLevel: 'INFO', dataTraceEnabled: true } }, 'WEBSOCKET', undefined],
  ])('%j on %s → %s', (sent, protocol, refusal) => {
    expect(executionLogsProblem(sent, protocol)).toBe(refusal);
  });
});

describe('route settings keys', () => {
  it('names the first key no route has', () => {
    const keys = new Set(['GET /a', '$default']);
    expect(unknownRouteKey({ routeSettings: { 'GET /a': {}, 'GET /b': {} } }, keys)).toBe('GET /b');
    expect(unknownRouteKey({ routeSettings: { $default: {} } }, keys)).toBeUndefined();
    expect(unknownRouteKey({}, keys)).toBeUndefined();
  });
});

describe('a new stage', () => {
  it('reports default route settings per protocol, and autoDeploy only when true', () => {
    const http = newStage({ stageName: 'prod', autoDeploy: false }, 'HTTP', 'T');
    expect(http).toEqual({
      stageName: 'prod',
      createdDate: 'T',
      lastUpdatedDate: 'T',
      defaultRouteSettings: { detailedMetricsEnabled: false },
      routeSettings: {},
      stageVariables: {},
      tags: {},
    });
    const ws = newStage({ stageName: 'w', autoDeploy: true, stageVariables: { a: '1', b: '' } }, 'WEBSOCKET', 'T');
    expect(ws).toMatchObject({
      autoDeploy: true,
      defaultRouteSettings: { loggingLevel: 'OFF', dataTraceEnabled: false },
      stageVariables: { a: '1' },
    });
  });
});

describe('UpdateStage merges', () => {
  const current = newStage(
    {
      stageName: 'prod',
      description: 'd',
      deploymentId: 'dep1',
      accessLogSettings: { destinationArn: 'arn', format: '$context.requestId' },
      defaultRouteSettings: { throttlingBurstLimit: 5, throttlingRateLimit: 10 },
      routeSettings: {
        'GET /a': { throttlingBurstLimit: 1, throttlingRateLimit: 2 },
        'GET /b': { throttlingBurstLimit: 3 },
      },
      stageVariables: { keep: '1', drop: '2', change: '3' },
      autoDeploy: true,
    },
    'HTTP',
    'T0',
  );

  it('keeps what is not sent, removes variables sent as "", merges route settings by key', () => {
    const merged = mergeStageUpdate(
      current,
      {
        stageVariables: { drop: '', change: 'x', added: 'y' },
        routeSettings: { 'GET /a': { throttlingBurstLimit: 9 }, 'GET /c': { detailedMetricsEnabled: true } },
        defaultRouteSettings: { throttlingBurstLimit: 50 },
      },
      'T1',
    );
    expect(merged.stageVariables).toEqual({ keep: '1', change: 'x', added: 'y' });
    expect(merged.routeSettings).toEqual({
      'GET /a': { throttlingBurstLimit: 9, throttlingRateLimit: 2 },
      'GET /b': { throttlingBurstLimit: 3 },
      'GET /c': { detailedMetricsEnabled: true },
    });
    expect(merged.defaultRouteSettings).toEqual({
      detailedMetricsEnabled: false,
      throttlingBurstLimit: 50,
      throttlingRateLimit: 10,
    });
    expect([merged.description, merged.deploymentId, merged.autoDeploy, merged.lastUpdatedDate]).toEqual([
      'd',
      'dep1',
      true,
      'T1',
    ]);
    expect(merged.createdDate).toBe('T0');
  });

  it('clears a description with "", access logs with {}, and autoDeploy with false', () => {
    const merged = mergeStageUpdate(current, { description: '', accessLogSettings: {}, autoDeploy: false }, 'T1');
    expect(merged).not.toHaveProperty('description');
    expect(merged).not.toHaveProperty('accessLogSettings');
    expect(merged).not.toHaveProperty('autoDeploy');
  });
});

describe('deployments', () => {
  it('answer an API without routes in the words of its protocol', () => {
    expect(noRoutesMessage('HTTP')).toBe('Unable to deploy API because no routes exist in this API');
    expect(noRoutesMessage('WEBSOCKET')).toBe('At least one route is required before deploying the Api');
  });

  it('are served by the stages that point at them', () => {
    const stages = [
      { stageName: 'a', deploymentId: 'd1' },
      { stageName: 'b', deploymentId: 'd2' },
      { stageName: 'c', deploymentId: 'd1' },
      { stageName: 'd' },
    ];
    expect(stagesServing(stages, 'd1')).toEqual(['a', 'c']);
    expect(stagesServing(stages, 'd3')).toEqual([]);
  });
});

describe('listings the rules answer themselves', () => {
  const items = [1, 2, 3, 4, 5].map((n) => ({ n }));

  it('come in pages with a nextToken, in one page with size 0, and refuse a foreign token', () => {
    const first = pagedItems(items, '/v2/apis/a/stages', 2)!;
    expect(first.items).toEqual([{ n: 1 }, { n: 2 }]);
    const second = pagedItems(items, `/v2/apis/a/stages?nextToken=${String(first.nextToken)}`, 2)!;
    expect(second.items).toEqual([{ n: 3 }, { n: 4 }]);
    expect(pagedItems(items, '/v2/apis/a/stages?maxResults=1', 2)!.items).toEqual([{ n: 1 }]);
    expect(pagedItems(items, '/v2/apis/a/stages', 0)).toEqual({ items });
    expect(pagedItems(items, '/v2/apis/a/stages?nextToken=bogus', 2)).toBeUndefined();
  });
});
