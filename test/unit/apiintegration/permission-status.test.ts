// What the status says of spec.lambdaPermission: the statement the operator added, kept by a pass
// that did not look at it and dropped once it is gone; and Live's blocker, kept by such a pass too,
// so a failure or an update step does not make Live flicker.
import { describe, expect, it } from '@jest/globals';
import { nextStatus } from '../../../src/apiintegration/status.ts';
import { liveBlockerOf } from '../../../src/apiintegration/live-blocker.ts';
import type { ApiIntegration } from '../../../src/api/v1alpha1/types.ts';
import { object, observed } from './fixtures.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const ready = { kind: 'Ready', reason: 'Synced', message: 'in sync' } as const;
const location = { region: 'us-east-1', apiId: 'api1' };
const record = {
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:hello',
  statementId: 'apigw-api1-u',
  sourceArn: 'arn:aws:execute-api:us-east-1:123456789012:api1/*',
};
const missing = {
  status: 'False' as const,
  reason: 'LambdaPermissionMissing',
  message: 'run: aws lambda add-permission …',
};

const withStatus = (status: ApiIntegration['status']): ApiIntegration => ({ ...object(), status });

describe('status.lambdaPermission', () => {
  it('records what the operator added, keeps it through a pass that did not look, drops it once gone', () => {
    const base = { outcome: ready, integrationId: 'int1', observed: observed(), location };
    const added = nextStatus(object(), { ...base, permission: { record } }, t0);
    expect(added.lambdaPermission).toEqual(record);
    expect(nextStatus(withStatus(added), base, t0).lambdaPermission).toEqual(record);
    expect(
      nextStatus(withStatus(added), { ...base, permission: { record: null } }, t0).lambdaPermission,
    ).toBeUndefined();
  });
});

describe('liveBlockerOf', () => {
  const report = { integrationId: 'int1', observed: observed(), location };
  it('is what this pass found, when it looked', () => {
    expect(liveBlockerOf(object(), { ...report, permission: { record: null, blocker: missing } })).toEqual(missing);
    expect(liveBlockerOf(object(), { ...report, permission: { record: null } })).toBeUndefined();
  });
  it('is what the last look found, when this pass did not look', () => {
    const live = { type: 'Live', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1, ...missing };
    expect(liveBlockerOf(withStatus({ conditions: [live] }), undefined)).toEqual(missing);
    expect(liveBlockerOf(withStatus({ conditions: [live] }), report)).toEqual(missing);
    const served = { ...live, status: 'True' as const, reason: 'Served' };
    expect(liveBlockerOf(withStatus({ conditions: [served] }), undefined)).toBeUndefined();
  });
});
