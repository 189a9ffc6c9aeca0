// The reconcile decision table (DESIGN §3): each row is one situation a user can be in, and the
// single next step the operator must take from it.
import { describe, expect, it } from '@jest/globals';
import { decide, type DecideInput, type Observation } from '../../../src/apiintegration/decide.ts';
import { desiredFields } from '../../../src/apiintegration/desired.ts';
import type { ApiIntegration } from '../../../src/api/v1alpha1/types.ts';
import { UID, object, observed, recordedAt } from './fixtures.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');

function input(
  obj: ApiIntegration,
  observation: Observation = {},
  protocol: 'HTTP' | 'WEBSOCKET' | null = 'HTTP',
): DecideInput {
  return {
    obj,
    observation,
    now: NOW,
    desired: {
      location: { region: 'us-east-1', apiId: obj.spec.apiId },
      protocol: protocol ?? undefined,
      fields: desiredFields(obj.spec, UID),
    },
  };
}

describe('decide: deletion', () => {
  it('deletes the recorded integration, then releases the finalizer', () => {
    const obj = object({ deleting: true, annotations: recordedAt() });
    // The routes come first: no delete is sent while routes target the integration.
    expect(decide(input(obj)).need).toEqual({
      kind: 'routes',
      place: { region: 'us-east-1', apiId: 'api1' },
      integrationId: 'int1',
    });
    const plan = decide(input(obj, { routes: [] }));
    expect(plan.action).toMatchObject({ type: 'Delete', integrationId: 'int1', then: 'RemoveFinalizer' });
  });
  it('sends no delete while routes target the integration: says which, and backs off while blocked', () => {
    const obj = object({ deleting: true, annotations: recordedAt() });
    const routes = [
      { routeId: 'r1', routeKey: 'GET /a', target: 'integrations/int1' },
      { routeId: 'r2', routeKey: 'GET /b', target: 'integrations/other' },
    ];
    const plan = decide(input(obj, { routes }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'IntegrationInUse' });
    expect(plan.outcome?.message).toContain('r1 (GET /a)');
    expect(plan.outcome?.message).not.toContain('r2');
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'IntegrationInUse' });
    expect(plan.requeue).toEqual({ kind: 'blocked', what: 'int1' });
  });
  it('a delete AWS refused for routes made after the look: blocked, naming what AWS named', () => {
    const obj = object({ deleting: true, annotations: recordedAt() });
    const routes = [{ routeId: 'r9', routeKey: 'GET /late', target: 'integrations/int1' }];
    const inUse = { integrationId: 'int1', routeIds: ['r9', 'r10'] };
    // What the refusal taught is kept, and the routes are looked at again for their keys.
    expect(decide(input(obj, { inUse })).need).toMatchObject({ kind: 'routes' });
    const plan = decide(input(obj, { inUse, routes }));
    expect(plan.outcome?.message).toContain('r9 (GET /late), r10;');
    expect(plan.requeue).toEqual({ kind: 'blocked', what: 'int1' });
  });
  it('keeps the integration when deletionPolicy is Retain, handing it back without the ownership marker', () => {
    const plan = decide(
      input(
        object({
          deleting: true,
          spec: { deletionPolicy: 'Retain', description: 'keep me' },
          annotations: recordedAt(),
        }),
      ),
    );
    expect(plan.action).toEqual({
      type: 'Release',
      location: { region: 'us-east-1', apiId: 'api1' },
      integrationId: 'int1',
      fields: { integrationType: 'AWS_PROXY', description: 'keep me' },
    });
    expect(decide(input(object({ deleting: true, spec: { deletionPolicy: 'Retain' } }))).action.type).toBe(
      'RemoveFinalizer',
    );
  });
  it('releases a retained service integration with its subtype and every parameter, as AWS requires', () => {
    const spec = {
      deletionPolicy: 'Retain' as const,
      integrationSubtype: 'SQS-SendMessage',
      requestParameters: { QueueUrl: 'q', MessageBody: 'b' },
    };
    const plan = decide(input(object({ deleting: true, spec, annotations: recordedAt() })));
    expect(plan.action).toMatchObject({
      type: 'Release',
      fields: {
        integrationSubtype: 'SQS-SendMessage',
        requestParameters: { QueueUrl: 'q', MessageBody: 'b' },
        description: '',
      },
    });
  });
  it('never deletes in ObserveOnly mode', () => {
    expect(
      decide(
        input(
          object({
            deleting: true,
            spec: { managementPolicy: 'ObserveOnly', integrationId: 'int1' },
            annotations: recordedAt(),
          }),
        ),
      ).action.type,
    ).toBe('RemoveFinalizer');
  });
  it('releases the finalizer when nothing was ever created', () => {
    expect(decide(input(object({ deleting: true }))).action.type).toBe('RemoveFinalizer');
  });
  it('cleans up an integration made by a create that was interrupted before the object was deleted', () => {
    const obj = object({ deleting: true, annotations: { 'apigw.dev/create-pending': 'us-east-1/api1' } });
    // Not looked is not absent: decide asks for the listing first.
    expect(decide(input(obj)).need).toEqual({ kind: 'list', place: { region: 'us-east-1', apiId: 'api1' } });
    const plan = decide(input(obj, { claimed: [observed({ integrationId: 'lost1' })], routes: [] }));
    expect(plan.action).toMatchObject({ type: 'Delete', integrationId: 'lost1' });
    expect(decide(input(obj, { claimed: [] })).action.type).toBe('ClearPending');
  });
  it('does nothing once the finalizer is gone', () => {
    expect(decide(input(object({ deleting: true, finalizers: [] }))).action.type).toBe('None');
  });
});

describe('decide: creation and recovery', () => {
  it('reports an invalid spec as Stalled and makes no AWS call', () => {
    const plan = decide({ obj: object(), invalid: 'spec.payloadFormatVersion: required', observation: {}, now: NOW });
    expect(plan.action.type).toBe('None');
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'InvalidSpec' });
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'InvalidSpec' });
    expect(plan.requeue).toEqual({ kind: 'none' });
  });
  it('adds the finalizer before anything else, in the same write as the pending marker for a new object', () => {
    expect(decide(input(object({ finalizers: [] })))).toMatchObject({
      action: { type: 'Create', withFinalizer: true },
    });
    expect(
      decide(input(object({ finalizers: [], annotations: recordedAt() }), { current: observed() })).action.type,
    ).toBe('AddFinalizer');
    expect(decide(input(object({ finalizers: [], spec: { integrationId: 'ext1' } }))).action.type).toBe('AddFinalizer');
  });
  it('waits, without creating, while the API does not exist', () => {
    const plan = decide(input(object(), {}, null));
    expect(plan.action.type).toBe('None');
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'ApiNotFound' });
  });
  it('creates with the ownership marker when nothing is recorded', () => {
    const plan = decide(input(object()));
    expect(plan.action.type).toBe('Create');
    expect(plan.event).toMatchObject({ type: 'Normal', reason: 'Created' });
    expect((plan.action as { fields: { description: string } }).fields.description).toContain(UID);
  });
  it('adopts what a lost create made instead of creating a second one', () => {
    const obj = object({ annotations: { 'apigw.dev/create-pending': 'us-east-1/api1' } });
    const plan = decide(input(obj, { claimed: [observed({ integrationId: 'made1' })] }));
    expect(plan.action).toMatchObject({ type: 'Record', integrationId: 'made1' });
  });
  it('deletes duplicates left by interrupted creates, one at a time, before adopting', () => {
    const obj = object({ annotations: { 'apigw.dev/create-pending': 'us-east-1/api1' } });
    const claimed = [observed({ integrationId: 'a' }), observed({ integrationId: 'b' })];
    const plan = decide(input(obj, { claimed, routes: [] }));
    expect(plan.action).toMatchObject({ type: 'Delete', integrationId: 'b' });
  });
  it('creates again when the interrupted create made nothing', () => {
    const obj = object({ annotations: { 'apigw.dev/create-pending': 'us-east-1/api1' } });
    expect(decide(input(obj, { claimed: [] })).action.type).toBe('Create');
    const old = object({ annotations: { 'apigw.dev/create-pending': `us-east-1/api1@${NOW - 31_000}` } });
    expect(decide(input(old, { claimed: [] })).action.type).toBe('Create');
  });
  it('does not create again while a create that timed out may still land in AWS', () => {
    const obj = object({ annotations: { 'apigw.dev/create-pending': `us-east-1/api1@${NOW - 10_000}` } });
    const plan = decide({ ...input(obj, { claimed: [] }), createSettleMs: 30_000 });
    expect(plan.action.type).toBe('None');
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'CreateInDoubt' });
    expect(plan.requeue).toEqual({ kind: 'after', ms: 20_000 });
    // What the late create made is adopted as soon as a listing shows it.
    expect(decide(input(obj, { claimed: [observed({ integrationId: 'late1' })] })).action).toMatchObject({
      type: 'Record',
      integrationId: 'late1',
    });
  });
  it('drops a pending marker for a place the spec no longer points at', () => {
    const obj = object({ annotations: { 'apigw.dev/create-pending': 'us-east-1/oldapi' } });
    expect(decide(input(obj, { claimed: [] })).action.type).toBe('ClearPending');
  });
});

describe('decide: existing integrations', () => {
  const recorded = object({ annotations: recordedAt() });
  it('does nothing when AWS matches the spec and requeues for drift', () => {
    const plan = decide(input(recorded, { current: observed() }));
    expect(plan.action.type).toBe('None');
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Synced' });
    expect(plan.requeue).toEqual({ kind: 'drift', place: { region: 'us-east-1', apiId: 'api1' } });
  });
  it('never reads "not looked" as "absent": it asks for the read instead of re-creating', () => {
    const plan = decide(input(recorded, {}));
    expect(plan.action.type).toBe('None');
    expect(plan.need).toEqual({
      kind: 'get',
      place: { region: 'us-east-1', apiId: 'api1' },
      integrationId: 'int1',
      as: 'current',
    });
    expect(decide(input(object({ spec: { integrationId: 'ext1' } }))).need).toMatchObject({
      kind: 'get',
      as: 'adoptee',
      integrationId: 'ext1',
    });
  });
  it('recreates an integration deleted outside the operator, once a listing shows nothing of its own', () => {
    expect(decide(input(recorded, { current: null })).need).toEqual({
      kind: 'list',
      place: { region: 'us-east-1', apiId: 'api1' },
    });
    const plan = decide(input(recorded, { current: null, claimed: [] }));
    expect(plan.action.type).toBe('Create');
    expect(plan.event).toMatchObject({ type: 'Normal', reason: 'Recreated' });
    expect((plan.action as { supersede?: unknown }).supersede).toBeUndefined();
  });

  describe('a recorded integration that reads as absent is not created twice', () => {
    const justRecorded = object({
      annotations: { ...recordedAt(), 'apigw.dev/recorded-at': new Date(NOW - 5_000).toISOString() },
    });
    it('within the settle window after the record: looks again later, says nothing new, creates nothing', () => {
      const plan = decide(input(justRecorded, { current: null, claimed: [] }));
      expect(plan.action.type).toBe('None');
      expect(plan.outcome).toBeUndefined();
      expect(plan.requeue).toEqual({ kind: 'after', ms: 25_000 });
    });
    it('when the API itself is gone: no wait, the create meets the missing API and says so', () => {
      expect(decide(input(justRecorded, { current: null, claimed: null })).action.type).toBe('Create');
    });
    it('after the settle window: recreates', () => {
      const later = { ...input(justRecorded, { current: null, claimed: [] }), now: NOW + 30_000 };
      expect(decide(later).action.type).toBe('Create');
    });
    it('when the listing shows the recorded integration after all: goes on with it', () => {
      const plan = decide(input(justRecorded, { current: null, claimed: [observed()] }));
      expect(plan.action.type).toBe('None');
      expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Synced' });
      expect(plan.report).toMatchObject({ integrationId: 'int1' });
    });
    it('when the listing shows another integration with its marker: records that one instead of creating', () => {
      const plan = decide(input(recorded, { current: null, claimed: [observed({ integrationId: 'int9' })] }));
      expect(plan.action).toMatchObject({ type: 'Record', integrationId: 'int9', location: { apiId: 'api1' } });
      expect(plan.event).toMatchObject({ reason: 'Recovered' });
    });
    it('when the listing shows several: deletes the extras first, one per pass', () => {
      const claimed = [observed({ integrationId: 'int8' }), observed({ integrationId: 'int9' })];
      const plan = decide(input(recorded, { current: null, claimed, routes: [] }));
      expect(plan.action).toMatchObject({ type: 'Delete', integrationId: 'int9', why: 'extra' });
    });
  });
  it('updates only what changed', () => {
    const plan = decide(
      input(recorded, { current: observed({ integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:old' }) }),
    );
    expect(plan.action).toMatchObject({ type: 'Update', changed: ['integrationUri'] });
  });
  it('moves to a new API: creates there and marks the old one for deletion, without claiming Synced yet', () => {
    const obj = object({ spec: { apiId: 'api2' }, annotations: recordedAt('int1', 'api1') });
    const plan = decide(input(obj, { current: observed() }));
    expect(plan.action).toMatchObject({
      type: 'Create',
      location: { apiId: 'api2' },
      supersede: { integrationId: 'int1', location: { apiId: 'api1' } },
    });
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'Moving' });
    expect(plan.requeue).toEqual({ kind: 'next-step' });
  });
  it('deletes a superseded integration before anything else', () => {
    const obj = object({
      annotations: { ...recordedAt('int2', 'api2'), 'apigw.dev/superseded': 'us-east-1/api1/int1' },
    });
    expect(decide(input(obj, { routes: [] })).action).toMatchObject({
      type: 'Delete',
      integrationId: 'int1',
      then: 'ClearSuperseded',
    });
  });
  it('changes the integration type in place, keeping the id that routes target', () => {
    const obj = object({
      annotations: recordedAt(),
      spec: {
        integrationType: 'HTTP_PROXY',
        integrationUri: 'https://example.com',
        integrationMethod: 'GET',
        payloadFormatVersion: '1.0',
      },
    });
    const plan = decide(input(obj, { current: observed() }));
    expect(plan.action).toMatchObject({
      type: 'Update',
      integrationId: 'int1',
      fields: { integrationType: 'HTTP_PROXY', integrationMethod: 'GET' },
    });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Synced' });
  });
  it.each([
    ['credentialsArn', { credentialsArn: 'arn:aws:iam::123456789012:role/r' }, { credentialsArn: '' }],
    [
      'connectionId',
      { connectionType: 'VPC_LINK', connectionId: 'vl1' },
      { connectionId: '', connectionType: 'INTERNET' },
    ],
    ['tlsConfig', { tlsConfig: { serverNameToVerify: 'x.example.com' } }, { tlsConfig: {} }],
  ])('clears %s in place', (_what, had, sent) => {
    const plan = decide(input(object({ annotations: recordedAt() }), { current: observed(had) }));
    expect(plan.action).toMatchObject({ type: 'Update', integrationId: 'int1', fields: sent });
  });
  it('replaces the integration when the spec drops what AWS cannot clear in place (a subtype), deleting the old one next', () => {
    const plan = decide(
      input(object({ annotations: recordedAt() }), { current: observed({ integrationSubtype: 'SQS-SendMessage' }) }),
    );
    expect(plan.action).toMatchObject({
      type: 'Create',
      location: { apiId: 'api1' },
      supersede: { location: { apiId: 'api1' }, integrationId: 'int1' },
    });
    expect(plan.action).not.toHaveProperty('fields.integrationSubtype');
    expect(plan.event).toMatchObject({ reason: 'Replaced' });
    expect(plan.event?.message).toContain('integrationSubtype cannot be removed in place');
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'Replacing' });
    expect(plan.requeue).toEqual({ kind: 'next-step' });
  });
  it('never moves an adopted integration to another API: the move would delete it', () => {
    const obj = object({ annotations: recordedAt('int1', 'api1'), spec: { apiId: 'api2', integrationId: 'int1' } });
    const plan = decide(input(obj, { current: observed() }));
    expect(plan.action.type).toBe('None');
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'AdoptionRefused' });
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'AdoptionRefused' });
  });
  it('never replaces an adopted integration: what AWS cannot clear in place is reported instead', () => {
    const obj = object({ annotations: recordedAt(), spec: { integrationId: 'int1' } });
    const plan = decide(input(obj, { current: observed({ integrationSubtype: 'SQS-SendMessage' }) }));
    expect(plan.action.type).not.toBe('Create');
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'RemovalNotSupported' });
    expect(plan.outcome?.message).toContain('integrationSubtype');
  });
  it('reports a removal AWS cannot make in place as Stalled with a Warning, still applying the rest', () => {
    const ws = {
      integrationType: 'MOCK' as const,
      integrationUri: undefined,
      payloadFormatVersion: undefined,
      requestTemplates: { $default: 'A' },
    };
    const obj = object({ annotations: recordedAt(), spec: ws });
    const held = observed({
      integrationType: 'MOCK',
      integrationUri: undefined,
      payloadFormatVersion: undefined,
      integrationMethod: undefined,
      timeoutInMillis: 29000,
      requestTemplates: { $default: 'A', 'application/json': '' },
    });
    const plan = decide(input(obj, { current: held }, 'WEBSOCKET'));
    expect(plan.action.type).toBe('None');
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'RemovalNotSupported' });
    expect(plan.outcome?.message).toContain('requestTemplates["application/json"]');
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'RemovalNotSupported' });
    // Accepting the empty template in the spec settles it.
    const accepted = object({
      annotations: recordedAt(),
      spec: { ...ws, requestTemplates: { $default: 'A', 'application/json': '' } },
    });
    expect(decide(input(accepted, { current: held }, 'WEBSOCKET')).outcome).toMatchObject({ kind: 'Ready' });
  });
});

describe('decide: adoption and observe-only', () => {
  it('adopts an existing integration named in the spec', () => {
    const obj = object({ spec: { integrationId: 'ext1' } });
    expect(
      decide(input(obj, { adoptee: observed({ integrationId: 'ext1', description: 'made by hand' }) })).action,
    ).toMatchObject({ type: 'Record', integrationId: 'ext1' });
  });
  it.each([
    ['quick-create integrations', observed({ integrationId: 'ext1', apiGatewayManaged: true }), 'AdoptionRefused'],
    [
      'integrations owned by another object',
      observed({ integrationId: 'ext1', description: '[apigw.dev/owner=ffffffff-0000-0000-0000-000000000000]' }),
      'AdoptionRefused',
    ],
    ['integrations that do not exist', null, 'AdoptionFailed'],
  ])('refuses to adopt %s', (_what, adoptee, reason) => {
    const plan = decide(input(object({ spec: { integrationId: 'ext1' } }), { adoptee }));
    expect(plan.action.type).toBe('None');
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason });
  });
  it('adopts an integration whose marker names an object that no longer exists', () => {
    const orphan = observed({
      integrationId: 'ext1',
      description: 'x [apigw.dev/owner=ffffffff-0000-0000-0000-000000000000]',
    });
    const plan = decide(
      input(object({ spec: { integrationId: 'ext1' } }), { adoptee: orphan, adopteeOwnerLive: false }),
    );
    expect(plan.action).toMatchObject({ type: 'Record', integrationId: 'ext1' });
    expect(
      decide(input(object({ spec: { integrationId: 'ext1' } }), { adoptee: orphan, adopteeOwnerLive: true })).outcome,
    ).toMatchObject({ reason: 'AdoptionRefused' });
  });
  it('ObserveOnly reports what AWS has and never plans a write', () => {
    const obj = object({ finalizers: [], spec: { managementPolicy: 'ObserveOnly', integrationId: 'ext1' } });
    const plan = decide(
      input(obj, {
        adoptee: observed({
          integrationId: 'ext1',
          integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:other',
        }),
      }),
    );
    expect(plan.action.type).toBe('None');
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Observed' });
    expect(plan.outcome?.message).toContain('integrationUri');
  });
});

describe('decide: what each step earns and what comes after it', () => {
  const api = (apiId = 'api1') => ({ region: 'us-east-1', apiId });
  const pending = (place: string) => ({ 'apigw.dev/create-pending': `${place}@${NOW - 60_000}` });
  const settled = (obj: ApiIntegration): ApiIntegration => ({ ...obj, status: { observedGeneration: 1 } });
  type Row = [string, DecideInput, Record<string, unknown>, boolean];
  it.each<Row>([
    [
      'a new object: created, then a drift check at its API slot',
      input(object({ finalizers: [] })),
      {
        action: { type: 'Create' },
        event: { type: 'Normal', reason: 'Created', message: 'created integration on API api1' },
        requeue: { kind: 'drift', place: api() },
      },
      false,
    ],
    [
      'a recorded object without the finalizer: add it, then decide again',
      input(object({ finalizers: [], annotations: recordedAt() })),
      { action: { type: 'AddFinalizer' }, requeue: { kind: 'next-step' } },
      true,
    ],
    [
      'a spec change: Updated',
      input(object({ annotations: recordedAt(), generation: 2 }), { current: observed({ timeoutInMillis: 5000 }) }),
      {
        action: { type: 'Update', changed: ['timeoutInMillis'] },
        event: { type: 'Normal', reason: 'Updated', message: 'updated integration int1: timeoutInMillis' },
        requeue: { kind: 'drift', place: api() },
      },
      false,
    ],
    [
      'AWS changed under an unchanged spec: a Warning that drift was corrected',
      input(settled(object({ annotations: recordedAt() })), { current: observed({ timeoutInMillis: 5000 }) }),
      {
        action: { type: 'Update' },
        event: {
          type: 'Warning',
          reason: 'DriftCorrected',
          message: 'corrected drift in integration int1: timeoutInMillis',
        },
      },
      false,
    ],
    [
      'an update AWS makes in two steps: compared again at once',
      input(
        object({ annotations: recordedAt(), spec: { responseParameters: { '200': { 'overwrite:header.a': 'x' } } } }),
        {
          current: observed({
            responseParameters: { '200': { 'overwrite:header.a': 'x', 'overwrite:header.b': 'y' } },
          }),
        },
      ),
      { action: { type: 'Update', fields: { responseParameters: { '200': {} } } } },
      true,
    ],
    [
      'an apiId change: Moved, and the old integration is deleted at once',
      input(object({ spec: { apiId: 'api2' }, annotations: recordedAt() }), { current: observed() }),
      { action: { type: 'Create' }, event: { reason: 'Moved' }, requeue: { kind: 'next-step' } },
      false,
    ],
    [
      'the integration a move replaced: Deleted, then the marker goes and the pass goes on',
      input(object({ annotations: { ...recordedAt('int2', 'api2'), 'apigw.dev/superseded': 'us-east-1/api1/int1' } }), {
        routes: [],
      }),
      {
        action: { type: 'Delete', integrationId: 'int1', then: 'ClearSuperseded', why: 'moved' },
        event: {
          type: 'Normal',
          reason: 'Deleted',
          message: 'deleted integration int1 (replaced by a new integration)',
        },
      },
      true,
    ],
    [
      'the same while the object is being deleted',
      input(
        object({
          deleting: true,
          annotations: { ...recordedAt('int2', 'api2'), 'apigw.dev/superseded': 'us-east-1/api1/int1' },
        }),
        { routes: [] },
      ),
      { action: { type: 'Delete', integrationId: 'int1', then: 'ClearSuperseded' } },
      true,
    ],
    [
      'a deleted object: Deleted, then the finalizer goes and nothing is requeued',
      input(object({ deleting: true, annotations: recordedAt() }), { routes: [] }),
      {
        action: { type: 'Delete', then: 'RemoveFinalizer' },
        event: { reason: 'Deleted', message: 'deleted integration int1 (object deleted)' },
        requeue: { kind: 'none' },
      },
      false,
    ],
    [
      'an extra left by interrupted creates: one delete a pass',
      input(object({ annotations: pending('us-east-1/api1') }), {
        claimed: [observed({ integrationId: 'a' }), observed({ integrationId: 'b' })],
        routes: [],
      }),
      {
        action: { type: 'Delete', integrationId: 'b', then: 'None', why: 'extra' },
        event: { message: 'deleted integration b (made by an interrupted create)' },
        requeue: { kind: 'next-step' },
      },
      false,
    ],
    [
      'what a lost create made: Recovered, then decide again',
      input(object({ annotations: pending('us-east-1/api1') }), { claimed: [observed({ integrationId: 'made1' })] }),
      { action: { type: 'Record', integrationId: 'made1' }, event: { type: 'Normal', reason: 'Recovered' } },
      true,
    ],
    [
      'an interrupted move recovered: the old integration is marked for deletion',
      input(object({ spec: { apiId: 'api2' }, annotations: { ...recordedAt(), ...pending('us-east-1/api2') } }), {
        claimed: [observed({ integrationId: 'made2' })],
      }),
      {
        action: {
          type: 'Record',
          integrationId: 'made2',
          location: api('api2'),
          supersede: { integrationId: 'int1', location: api() },
        },
      },
      true,
    ],
    [
      'an interrupted move that made nothing: the move is made again, replacing the old one',
      input(object({ spec: { apiId: 'api2' }, annotations: { ...recordedAt(), ...pending('us-east-1/api2') } }), {
        claimed: [],
      }),
      { action: { type: 'Create', supersede: { integrationId: 'int1' } }, outcome: { reason: 'Moving' } },
      false,
    ],
    [
      'a pending create on an API that is gone: the marker goes',
      input(object({ annotations: pending('us-east-1/api1') }), { claimed: null }),
      { action: { type: 'ClearPending' } },
      true,
    ],
    [
      'adopting a named integration: Adopted, then decide again',
      input(object({ spec: { integrationId: 'ext1' } }), {
        adoptee: observed({ integrationId: 'ext1', description: 'by hand' }),
      }),
      {
        action: { type: 'Record', integrationId: 'ext1' },
        event: { reason: 'Adopted', message: 'adopted existing integration ext1' },
      },
      true,
    ],
    [
      'the API does not exist: Reconciling through the grace period (not-found.test.ts)',
      input(object(), {}, null),
      {
        action: { type: 'None' },
        outcome: { kind: 'Progressing', reason: 'ApiNotFound' },
        requeue: { kind: 'missing', wait: { stalled: false, graceLeftMs: 120_000 } },
      },
      false,
    ],
    [
      'an adopted integration deleted outside the operator: Stalled, nothing created',
      input(object({ spec: { integrationId: 'ext1' }, annotations: recordedAt('ext1') }), { current: null }),
      {
        action: { type: 'None' },
        outcome: { kind: 'Stalled', reason: 'AdoptedIntegrationGone' },
        requeue: { kind: 'none' },
      },
      false,
    ],
    [
      'recorded on the old API and gone there: created on the new one, with nothing to replace',
      input(object({ spec: { apiId: 'api2' }, annotations: recordedAt() }), { current: null, claimed: [] }),
      {
        action: { type: 'Create', location: { apiId: 'api2' } },
        event: { reason: 'Created' },
        outcome: { reason: 'Synced' },
      },
      false,
    ],
    [
      'ObserveOnly, nothing there: Progressing, and a drift check without an API slot',
      input(object({ spec: { managementPolicy: 'ObserveOnly', integrationId: 'ext1' } }), { adoptee: null }),
      { action: { type: 'None' }, outcome: { kind: 'Progressing', reason: 'NotFound' }, requeue: { kind: 'drift' } },
      false,
    ],
    [
      'ObserveOnly, in sync: Ready, reported, never written',
      input(object({ spec: { managementPolicy: 'ObserveOnly', integrationId: 'ext1', description: 'mine' } }), {
        adoptee: observed({ integrationId: 'ext1', description: 'mine' }),
      }),
      {
        action: { type: 'None' },
        outcome: { kind: 'Ready', reason: 'Observed', message: 'observed; AWS matches the spec' },
        report: { integrationId: 'ext1' },
        requeue: { kind: 'drift', place: api() },
      },
      false,
    ],
  ])('%s', (_what, given, expected, continues) => {
    const plan = decide(given);
    expect(plan).toMatchObject(expected);
    expect(plan.continues ?? false).toBe(continues);
    expect(plan.need).toBeUndefined();
  });

  it('ObserveOnly with nothing named or recorded says so without reading AWS', () => {
    const plan = decide(input(object({ spec: { managementPolicy: 'ObserveOnly' } })));
    expect(plan.need).toBeUndefined();
    expect(plan.outcome?.message).toMatch(/^integration \(none\) was not found on API api1/);
  });

  it('refuses to decide for a valid object without its desired state', () => {
    expect(() => decide({ obj: object(), observation: {}, now: NOW })).toThrow(/needs its desired state/);
  });
});
