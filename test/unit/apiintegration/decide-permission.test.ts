// spec.lambdaPermission as a decision table: what an integration that matches its spec does about
// the Lambda permission in each mode, on delete and on a move.
import { describe, expect, it } from '@jest/globals';
import { decide, type DecideInput, type Observation } from '../../../src/apiintegration/decide.ts';
import { desiredFields } from '../../../src/apiintegration/desired.ts';
import { ANNOTATION_LAMBDA_PERMISSIONS } from '../../../src/api/v1alpha1/lambda-permission.ts';
import type { ApiIntegration, ApiIntegrationSpecT } from '../../../src/api/v1alpha1/types.ts';
import { UID, lambdaSpec, object, observed, recordedAt } from './fixtures.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const FN = lambdaSpec.integrationUri!;
const SID = `apigw-api1-${UID}`;
const SOURCE = 'arn:aws:execute-api:us-east-1:123456789012:api1/*';
/** The uid of an object before a restore, or of another object. */
const OTHER_UID = '7d3c2b1a-0000-4000-8000-00000000000a';

function input(obj: ApiIntegration, observation: Observation = {}): DecideInput {
  return {
    obj,
    observation: { current: observed(), ...observation },
    now: NOW,
    lambda: { apiAccount: '123456789012' },
    lambdaWrites: true,
    desired: {
      location: { region: 'us-east-1', apiId: obj.spec.apiId },
      protocol: 'HTTP',
      fields: desiredFields(obj.spec, UID),
    },
  };
}

const withMode = (lambdaPermission: 'Check' | 'Managed' | 'Ignore', over: Partial<ApiIntegrationSpecT> = {}) =>
  object({ spec: { lambdaPermission, ...over }, annotations: recordedAt() });

const ours = (source = SOURCE, fn = FN) => ({
  Sid: SID,
  Effect: 'Allow',
  Principal: { Service: 'apigateway.amazonaws.com' },
  Action: 'lambda:InvokeFunction',
  Resource: fn,
  Condition: { ArnLike: { 'AWS:SourceArn': source } },
});
const read = (...Statement: object[]) => ({
  kind: 'policy' as const,
  policy: Statement.length ? JSON.stringify({ Version: '2012-10-17', Statement }) : undefined,
});
const recorded = (sourceArn = SOURCE, statementId = SID) => ({ functionArn: FN, statementId, sourceArn });
type Rec = ReturnType<typeof recorded>;
const withStatus = (obj: ApiIntegration, lambdaPermission: Rec) => ({
  ...obj,
  status: { lambdaPermission },
});
/** The object's record annotation, as an operator that added these statements left it. */
const withRecords = (obj: ApiIntegration, ...records: (Rec & { object?: string })[]): ApiIntegration => ({
  ...obj,
  metadata: {
    ...obj.metadata,
    annotations: {
      ...obj.metadata.annotations,
      [ANNOTATION_LAMBDA_PERMISSIONS]: JSON.stringify(records.map((r) => ({ object: 'team-a/hello', ...r }))),
    },
  },
});

describe('lambdaPermission Check (the default)', () => {
  it('reads the function policy once the integration matches the spec', () => {
    expect(decide(input(object({ annotations: recordedAt() }))).need).toEqual({
      kind: 'policy',
      fn: { functionArn: FN, partition: 'aws', region: 'us-east-1', account: '123456789012' },
    });
  });
  it('missing: Live False with the command that grants it, a Warning, Ready untouched, no write', () => {
    const plan = decide(input(object({ annotations: recordedAt() }), { policy: read() }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Synced' });
    expect(plan.report?.permission?.blocker).toMatchObject({ status: 'False', reason: 'LambdaPermissionMissing' });
    expect(plan.report?.permission?.blocker?.message).toContain(
      `aws lambda add-permission --function-name ${FN} --statement-id ${SID} --action lambda:InvokeFunction --principal apigateway.amazonaws.com --source-arn '${SOURCE}' --region us-east-1`,
    );
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'LambdaPermissionMissing' });
  });
  it('present (any statement that lets the API in): nothing blocks', () => {
    const plan = decide(input(withMode('Check'), { policy: read({ ...ours(), Sid: 'by-hand' }) }));
    expect(plan.action.type).toBe('None');
    expect(plan.report?.permission).toEqual({ record: null });
  });
  it.each([
    [{ kind: 'unreadable' as const, why: 'AccessDenied' }, 'Unknown', 'LambdaPermissionUnknown'],
    [{ kind: 'functionMissing' as const }, 'False', 'LambdaFunctionNotFound'],
  ])('%o: Live %s %s, never a failed pass', (policy, status, reason) => {
    const plan = decide(input(withMode('Check'), { policy }));
    expect(plan.action.type).toBe('None');
    expect(plan.outcome).toMatchObject({ kind: 'Ready' });
    expect(plan.report?.permission?.blocker).toMatchObject({ status, reason });
  });
  it('a read throttled or unanswered leaves Live as the last read found it, in either direction', () => {
    const throttled = { kind: 'unreadable' as const, why: 'Rate exceeded', transient: true as const };
    const missing = { type: 'Live', status: 'False' as const, reason: 'LambdaPermissionMissing', message: 'run: aws' };
    const wasMissing = { ...withMode('Managed'), status: { conditions: [{ ...missing, lastTransitionTime: '' }] } };
    for (const obj of [withMode('Check'), withMode('Managed')]) {
      const plan = decide(input(obj, { policy: throttled }));
      expect([plan.action.type, plan.report?.permission]).toEqual(['None', { record: null }]);
    }
    const plan = decide(input(wasMissing, { policy: throttled }));
    expect(plan.action.type).toBe('None');
    expect(plan.report?.permission?.blocker).toEqual({
      status: 'False',
      reason: 'LambdaPermissionMissing',
      message: 'run: aws',
    });
    expect(plan.notice).toBeUndefined();
  });
  it('an integration given a role needs no permission and reads none', () => {
    const obj = object({ spec: { credentialsArn: 'arn:aws:iam::123456789012:role/r' }, annotations: recordedAt() });
    const plan = decide(input(obj, { current: observed({ credentialsArn: 'arn:aws:iam::123456789012:role/r' }) }));
    expect(plan.need).toBeUndefined();
    expect(plan.report?.permission).toEqual({ record: null });
  });
});

describe('the API account not known (STS did not answer)', () => {
  it('Live Unknown saying why; nothing read or written, the integration still Ready', () => {
    const plan = decide({ ...input(withMode('Managed')), lambda: { accountUnknown: 'GetCallerIdentity: timeout' } });
    expect(plan.need).toBeUndefined();
    expect(plan.action.type).toBe('None');
    expect(plan.outcome).toMatchObject({ kind: 'Ready' });
    expect(plan.report?.permission?.blocker).toMatchObject({ status: 'Unknown', reason: 'LambdaPermissionUnknown' });
    expect(plan.report?.permission?.blocker?.message).toContain('GetCallerIdentity: timeout');
  });
});

describe('lambdaPermission Check with a create', () => {
  it('reads the policy before the create and reports it with it: one status write, no pass after', () => {
    const fresh = object({ finalizers: [] });
    expect(decide(input(fresh, { current: undefined })).need).toMatchObject({ kind: 'policy' });
    const plan = decide(input(fresh, { current: undefined, policy: read() }));
    expect(plan.action).toMatchObject({
      type: 'Create',
      permission: { record: null, blocker: { reason: 'LambdaPermissionMissing' } },
    });
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'LambdaPermissionMissing' });
    expect(plan.requeue.kind).toBe('drift');
  });
});

describe('an update away from Lambda', () => {
  it('clears a permission blocker with the update and keeps the record for the removal that follows', () => {
    const http: Partial<ApiIntegrationSpecT> = {
      integrationType: 'HTTP_PROXY',
      integrationUri: 'https://x',
      integrationMethod: 'GET',
      payloadFormatVersion: '1.0',
    };
    const obj = withStatus(withMode('Managed', http), recorded());
    const plan = decide(input(obj));
    expect(plan.action).toMatchObject({ type: 'Update', permission: { record: recorded() } });
    expect(plan.action.type === 'Update' && plan.action.permission?.blocker).toBeFalsy();
  });
});

describe('lambdaPermission Ignore', () => {
  it('reads nothing and reports nothing', () => {
    const plan = decide(input(withMode('Ignore')));
    expect(plan.need).toBeUndefined();
    expect(plan.action.type).toBe('None');
    expect(plan.report?.permission?.blocker).toBeUndefined();
  });
});

describe('lambdaPermission Managed', () => {
  it('missing: adds the one statement, then decides again', () => {
    const plan = decide(input(withMode('Managed'), { policy: read() }));
    expect(plan.action).toMatchObject({
      type: 'AddPermission',
      statement: { statementId: SID, sourceArn: SOURCE, fn: { functionArn: FN } },
    });
    expect(plan.event).toMatchObject({ type: 'Normal', reason: 'LambdaPermissionAdded' });
    expect(plan.continues).toBe(true);
  });
  it('present as added and recorded: reported in status, nothing written', () => {
    const plan = decide(input(withRecords(withMode('Managed'), recorded()), { policy: read(ours()) }));
    expect(plan.action.type).toBe('None');
    expect(plan.report?.permission).toEqual({ record: recorded() });
  });
  it('present, recorded only in status (an operator before the record annotation): the annotation is written once', () => {
    const obj = withStatus(withMode('Managed'), recorded());
    const plan = decide(input(obj, { policy: read(ours()) }));
    expect(plan.action).toEqual({ type: 'RecordPermissions', records: [recorded()] });
    expect(decide(input(withRecords(obj, recorded()), { policy: read(ours()) })).action.type).toBe('None');
  });
  it('restored from a backup (a new uid, no status): adds its own statement, then removes the one its record names', () => {
    // Annotations survive a restore, status does not; without the record the old statement would stay forever.
    const before = recorded(SOURCE, `apigw-api1-${OTHER_UID}`);
    const obj = withRecords(withMode('Managed'), before);
    expect(decide(input(obj, { policy: read() })).action).toMatchObject({
      type: 'AddPermission',
      statement: { statementId: SID },
    });
    const policy = read(ours(), { ...ours(), Sid: before.statementId });
    const next = decide(input(withRecords(obj, before, recorded()), { policy }));
    expect(next.action).toMatchObject({ type: 'RemovePermission', statementId: before.statementId });
    expect(decide(input(withRecords(obj, recorded()), { policy: read(ours()) })).action.type).toBe('None');
  });
  it.each([
    ['an id not of the operator form (a statement someone relies on)', { statementId: 'AllowProdGateway' }, {}],
    [
      'an API the namespace may not touch',
      { statementId: `apigw-api9-${OTHER_UID}` },
      { allowedApis: { any: false as const, ids: ['api1'], missing: false } },
    ],
    [
      'another ApiIntegration that exists',
      { statementId: `apigw-api1-${OTHER_UID}` },
      { liveRecordOwners: [OTHER_UID] },
    ],
    ['another object, by name (a copy of it)', { statementId: `apigw-api1-${OTHER_UID}`, object: 'team-b/hello' }, {}],
  ])('a record of %s is forgotten, never removed', (_, over, context) => {
    const obj = withRecords(withMode('Managed'), recorded(), { ...recorded(), ...over });
    const plan = decide({ ...input(obj, { policy: read(ours()) }), ...context });
    expect(plan.action).toEqual({ type: 'RecordPermissions', records: [recorded()] });
  });
  it('without --manage-lambda-permissions: acts as Check, says why on Live, and keeps its record', () => {
    const obj = withRecords(withMode('Managed'), recorded(SOURCE, `apigw-api0-${UID}`));
    const plan = decide({ ...input(obj, { policy: read() }), lambdaWrites: false });
    expect(plan.action.type).toBe('None');
    expect(plan.report?.permission?.blocker).toMatchObject({ reason: 'LambdaPermissionMissing' });
    expect(plan.report?.permission?.blocker?.message).toContain('--manage-lambda-permissions');
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'LambdaPermissionMissing' });
    const check = decide({ ...input(withMode('Check'), { policy: read() }), lambdaWrites: false });
    expect(check.report?.permission?.blocker?.message).toContain(
      'or set spec.lambdaPermission: Managed, with the operator run with --manage-lambda-permissions',
    );
  });
  it('without --manage-lambda-permissions, a status-only record moves into the annotation, where a restore finds it', () => {
    const obj = withStatus(withMode('Managed'), recorded());
    const plan = decide({ ...input(obj, { policy: read(ours()) }), lambdaWrites: false });
    expect(plan.action).toEqual({ type: 'RecordPermissions', records: [recorded()] });
  });
  it('deleted without --manage-lambda-permissions: a Warning names each statement left in place, with its command, then the delete goes on', () => {
    const deleting = object({ deleting: true, spec: { lambdaPermission: 'Managed' }, annotations: recordedAt() });
    const plan = decide({ ...input(withRecords(deleting, recorded()), { routes: [] }), lambdaWrites: false });
    expect(plan.action).toEqual({ type: 'RecordPermissions', records: [] });
    expect(plan.event).toMatchObject({ type: 'Warning', reason: 'LambdaPermissionLeftInPlace' });
    expect(plan.event?.message).toContain(`aws lambda remove-permission --function-name ${FN} --statement-id ${SID}`);
    const after = decide({ ...input(deleting, { routes: [] }), lambdaWrites: false });
    expect(after.action.type).toBe('Delete');
  });
  it('switched to Check in the same edit as a field change: the record is forgotten first, then the update carries the finding', () => {
    const obj = withRecords(withMode('Check', { timeoutInMillis: 5000 }), recorded());
    const plan = decide(input(obj, { policy: read() }));
    expect(plan.action).toEqual({ type: 'RecordPermissions', records: [] });
    const then = decide(input(withMode('Check', { timeoutInMillis: 5000 }), { policy: read() }));
    expect(then.action).toMatchObject({
      type: 'Update',
      permission: { blocker: { reason: 'LambdaPermissionMissing' } },
    });
  });
  it('a record annotation that is not a list of records is no reason to remove anything', () => {
    const obj = withMode('Managed');
    obj.metadata.annotations = { ...obj.metadata.annotations, [ANNOTATION_LAMBDA_PERMISSIONS]: '{"edited":' };
    const plan = decide(input(obj, { policy: read(ours()) }));
    expect(plan.action).toEqual({ type: 'RecordPermissions', records: [recorded()] });
  });
  it("allowed by another statement (the user's, or another object's on the same API and function): adds its own all the same", () => {
    // Otherwise deleting that other object would take the permission away until the next drift check.
    const plan = decide(input(withMode('Managed'), { policy: read({ ...ours(), Sid: 'apigw-api1-another-object' }) }));
    expect(plan.action).toMatchObject({ type: 'AddPermission', statement: { statementId: SID } });
  });
  it('its id taken while other statements let the API in: a Warning, but Live is not blocked', () => {
    const other = ours('arn:aws:execute-api:us-east-1:123456789012:other/*');
    const plan = decide(input(withMode('Managed'), { policy: read(other, { ...ours(), Sid: 'mine' }) }));
    expect(plan.action.type).toBe('None');
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'LambdaPermissionConflict' });
    expect(plan.report?.permission?.blocker).toBeUndefined();
  });
  it('its id taken by another statement after the record named it: the record drops it, so nothing removes that statement later', () => {
    const other = ours('arn:aws:execute-api:us-east-1:123456789012:other/*');
    const obj = withRecords(withMode('Managed'), recorded());
    const plan = decide(input(obj, { policy: read(other), permission: { conflict: true } }));
    expect(plan.action).toEqual({ type: 'RecordPermissions', records: [] });
  });
  it('a refused add keeps its record: no annotation written back and forth at every drift check', () => {
    const obj = withRecords(withMode('Managed'), recorded());
    const denied = decide(input(obj, { policy: read(), permission: { denied: 'AccessDenied' } }));
    expect(denied.action.type).toBe('None');
  });
  it('its id taken by another statement: a conflict on Live and a Warning, no write, no loop', () => {
    const other = ours('arn:aws:execute-api:us-east-1:123456789012:other/*');
    for (const observation of [{ policy: read(other) }, { policy: read(), permission: { conflict: true as const } }]) {
      const plan = decide(input(withMode('Managed'), observation));
      expect(plan.action.type).toBe('None');
      expect(plan.report?.permission?.blocker).toMatchObject({ status: 'False', reason: 'LambdaPermissionConflict' });
      expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'LambdaPermissionConflict' });
    }
  });
  it('a refused add: Live Unknown saying why, no write', () => {
    const plan = decide(input(withMode('Managed'), { policy: read(), permission: { denied: 'AccessDenied' } }));
    expect(plan.action.type).toBe('None');
    expect(plan.report?.permission?.blocker).toMatchObject({ status: 'Unknown', reason: 'LambdaPermissionUnknown' });
  });
  it('added in this pass but not yet read back: not added twice, and Live Unknown rather than Missing', () => {
    const plan = decide(input(withMode('Managed'), { policy: read(), permission: { added: true } }));
    expect(plan.action.type).toBe('None');
    expect(plan.report?.permission).toMatchObject({ record: { statementId: SID } });
    expect(plan.report?.permission?.blocker).toMatchObject({ status: 'Unknown', reason: 'LambdaPermissionUnknown' });
    expect(plan.notice).toBeUndefined();
  });
  it('moved to another API: adds the new statement first, then removes the recorded one', () => {
    const old = 'arn:aws:execute-api:us-east-1:123456789012:api0/*';
    const obj = withStatus(withMode('Managed'), recorded(old, `apigw-api0-${UID}`));
    expect(decide(input(obj, { policy: read() })).action.type).toBe('AddPermission');
    const plan = decide(input(obj, { policy: read(ours()) }));
    expect(plan.action).toMatchObject({ type: 'RemovePermission', statementId: `apigw-api0-${UID}` });
    expect(plan.event).toMatchObject({ reason: 'LambdaPermissionRemoved' });
    const removed = plan.action.type === 'RemovePermission' ? [`${FN}||apigw-api0-${UID}`] : [];
    // Recorded only in status (an older operator): the annotation then names the statement held.
    const after = decide(input(obj, { policy: read(ours()), permission: { removed } }));
    expect(after.action).toEqual({ type: 'RecordPermissions', records: [recorded()] });
    const settled = decide(input(withRecords(obj, recorded()), { policy: read(ours()), permission: { removed } }));
    expect(settled.action.type).toBe('None');
    expect(settled.report?.permission).toEqual({ record: recorded() });
  });
  it('moved, with both statements in the record: removes the old one and keeps the new one', () => {
    const old = recorded('arn:aws:execute-api:us-east-1:123456789012:api0/*', `apigw-api0-${UID}`);
    const obj = withRecords(withMode('Managed'), old, recorded());
    const plan = decide(input(obj, { policy: read(ours()) }));
    expect(plan.action).toMatchObject({ type: 'RemovePermission', statementId: `apigw-api0-${UID}` });
  });
  it('a URI that is no longer a function: the recorded statement is removed', () => {
    const obj = withStatus(
      withMode('Managed', {
        integrationType: 'HTTP_PROXY',
        integrationUri: 'https://x',
        integrationMethod: 'GET',
        payloadFormatVersion: '1.0',
      }),
      recorded(),
    );
    const current = observed({
      integrationType: 'HTTP_PROXY',
      integrationUri: 'https://x',
      integrationMethod: 'GET',
      payloadFormatVersion: '1.0',
    });
    expect(decide(input(obj, { current })).action).toMatchObject({ type: 'RemovePermission', statementId: SID });
  });
  it('switched to Check: the statement stays in place and is forgotten', () => {
    const plan = decide(input(withStatus(withMode('Check'), recorded()), { policy: read(ours()) }));
    expect(plan.action.type).toBe('None');
    expect(plan.report?.permission).toEqual({ record: null });
    const annotated = withRecords(withStatus(withMode('Check'), recorded()), recorded());
    expect(decide(input(annotated, { policy: read(ours()) })).action).toEqual({
      type: 'RecordPermissions',
      records: [],
    });
    const ignored = withRecords(withMode('Ignore'), recorded());
    expect(decide(input(ignored)).action).toEqual({ type: 'RecordPermissions', records: [] });
  });
  it('a create comes back at once, so the permission follows it', () => {
    const plan = decide(input(object({ spec: { lambdaPermission: 'Managed' } }), { current: undefined }));
    expect(plan.action.type).toBe('Create');
    expect(plan.requeue).toEqual({ kind: 'next-step' });
  });
});

describe('an integration that only observes', () => {
  const observing = (mode: 'Check' | 'Managed') =>
    object({ spec: { lambdaPermission: mode, managementPolicy: 'ObserveOnly', integrationId: 'i1' } });
  it.each(['Check', 'Managed'] as const)(
    '%s: reads the policy and reports a missing permission, writing nothing',
    (mode) => {
      const obj = observing(mode);
      const seen = { adoptee: observed({ integrationId: 'i1' }) };
      expect(decide(input(obj, seen)).need).toMatchObject({ kind: 'policy' });
      const plan = decide(input(obj, { ...seen, policy: read() }));
      expect(plan.action).toEqual({ type: 'None' });
      expect(plan.outcome).toMatchObject({ reason: 'Observed' });
      expect(plan.report?.permission?.blocker).toMatchObject({ reason: 'LambdaPermissionMissing' });
    },
  );
  it('Managed keeps its record, so going back to Full still removes what it added', () => {
    const obj = withRecords(observing('Managed'), recorded(SOURCE, `apigw-api0-${OTHER_UID}`));
    const plan = decide(input(obj, { adoptee: observed({ integrationId: 'i1' }), policy: read(ours()) }));
    expect(plan.action).toEqual({ type: 'None' });
  });
});

describe('lambdaPermission Managed on delete', () => {
  const deleting = (over: Partial<ApiIntegrationSpecT> = {}) =>
    object({ deleting: true, spec: { lambdaPermission: 'Managed', ...over }, annotations: recordedAt() });
  it('removes the statements its record names, and only those, then goes on', () => {
    const other = `apigw-api1-${OTHER_UID}`;
    const obj = withRecords(deleting(), recorded(SOURCE, other), recorded());
    const first = decide(input(obj));
    expect(first.action).toMatchObject({ type: 'RemovePermission', statementId: other });
    const second = decide(input(obj, { permission: { removed: [`${FN}||${other}`] } }));
    expect(second.action).toMatchObject({ type: 'RemovePermission', statementId: SID });
    const third = decide(input(obj, { permission: { removed: [`${FN}||${other}`, `${FN}||${SID}`] }, routes: [] }));
    expect(third.action).toMatchObject({ type: 'Delete', integrationId: 'int1' });
    // A statement of its id that the record dropped (a conflict) is someone else's: not removed.
    expect(decide(input(withRecords(deleting()), { routes: [] })).action.type).toBe('Delete');
  });
  it('recorded only in status (an older operator): the status record, then the one the spec names, in case that status write was lost', () => {
    const other = `apigw-api1-${OTHER_UID}`;
    const obj = withStatus(deleting(), recorded(SOURCE, other));
    expect(decide(input(obj)).action).toMatchObject({ type: 'RemovePermission', statementId: other });
    const second = decide(input(obj, { permission: { removed: [`${FN}||${other}`] } }));
    expect(second.action).toMatchObject({ type: 'RemovePermission', statementId: SID });
  });
  it('deletionPolicy Retain leaves the statement', () => {
    const plan = decide(input(withStatus(deleting({ deletionPolicy: 'Retain' }), recorded())));
    expect(plan.action.type).toBe('Release');
  });
  it('a forged record removes nothing on delete either', () => {
    const forged = withRecords(deleting(), { functionArn: FN, statementId: 'AllowProd', sourceArn: 'x' });
    expect(decide(input(forged, { routes: [] })).action.type).toBe('Delete');
    const elsewhere = withRecords(deleting(), recorded(SOURCE, `apigw-api9-${OTHER_UID}`));
    const confined = {
      ...input(elsewhere, { routes: [] }),
      allowedApis: { any: false as const, ids: ['api1'], missing: false },
    };
    expect(decide(confined).action.type).toBe('Delete');
  });
  it('its own statement on an API the namespace may no longer touch is still removed: its id names this object', () => {
    const own = withRecords(deleting(), recorded(SOURCE, `apigw-api9-${UID}`));
    const confined = { ...input(own), allowedApis: { any: false as const, ids: ['api1'], missing: false } };
    expect(decide(confined).action).toMatchObject({ type: 'RemovePermission', statementId: `apigw-api9-${UID}` });
  });
  it('Check removes nothing on delete, even a statement recorded while it was Managed', () => {
    const obj = withRecords(object({ deleting: true, annotations: recordedAt() }), recorded());
    const plan = decide(input(obj, { routes: [] }));
    expect(plan.action.type).toBe('Delete');
  });
});
