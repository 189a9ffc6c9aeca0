// Tenancy: the Namespace's apigw.dev/allowed-api-ids annotation limits which APIs a namespace's
// objects may touch, and apigw.dev/allowed-credentials-arns which roles its integrations may hand to
// API Gateway. The parsing, the decision tables, and the reconciler shell making no AWS call for a
// refused object; what stays in AWS when an object's API stops being allowed.
import { describe, expect, it } from '@jest/globals';
import {
  allowedApisOf,
  allowedCredentialsOf,
  apiAllowed,
  apiNotAllowedMessage,
  credentialsAllowed,
  type AllowedApis,
  type AllowedCredentials,
} from '../../../src/api/v1alpha1/tenancy.ts';
import { decide, type DecideInput } from '../../../src/apiintegration/decide.ts';
import { desiredFields } from '../../../src/apiintegration/desired.ts';
import type { ApiIntegration } from '../../../src/api/v1alpha1/types.ts';
import { UID, object, recordedAt } from './fixtures.ts';
import { setup } from './memory-ports.ts';

const only = (...ids: string[]): AllowedApis => ({ any: false, ids, missing: false });

describe('the allowed-api-ids annotation', () => {
  it.each([
    ['api1', 'api1', false, true],
    ['api0,api1', 'api1', false, true],
    [' api0 , api1 ', 'api1', false, true],
    ['api0 api1\napi2', 'api2', false, true],
    ['api0,,api2', 'api1', false, false],
    ['*', 'api1', true, true],
    ['api0, *', 'api1', true, true],
    ['', 'api1', false, false],
    ['  ', 'api1', false, false],
    [undefined, 'api1', false, true],
    [undefined, 'api1', true, false],
    ['api1', 'API1', false, false],
  ])('%j allows %s (required: %s): %s', (annotation, apiId, required, expected) => {
    expect(apiAllowed(annotation, apiId, required)).toBe(expected);
  });

  it('says which ids are allowed, or that the annotation is required and missing', () => {
    expect(allowedApisOf('a, b', false)).toEqual(only('a', 'b'));
    expect(allowedApisOf(undefined, true)).toEqual({ any: false, ids: [], missing: true });
    expect(apiNotAllowedMessage('team-a', 'x', only('a', 'b'))).toMatch(
      /^API x is not allowed in namespace team-a \(it allows only a, b\); ask a cluster administrator to add it to the Namespace's apigw\.dev\/allowed-api-ids annotation$/,
    );
    expect(apiNotAllowedMessage('team-a', 'x', only())).toContain('(it allows no API)');
    expect(apiNotAllowedMessage('team-a', 'x', allowedApisOf(undefined, true))).toContain(
      'the operator requires the apigw.dev/allowed-api-ids annotation and the Namespace has none',
    );
  });
});

const NOW = Date.parse('2026-06-01T12:00:00Z');
const anyRole = async (): Promise<AllowedCredentials> => ({ any: true });

function input(obj: ApiIntegration, allowedApis?: AllowedApis): DecideInput {
  const allowedHere = !allowedApis || allowedApis.any || allowedApis.ids.includes(obj.spec.apiId);
  return {
    obj,
    observation: {},
    now: NOW,
    ...(allowedApis ? { allowedApis } : {}),
    // The shell reads no desired state for an API the namespace may not touch.
    ...(allowedHere
      ? {
          desired: {
            location: { region: 'us-east-1', apiId: obj.spec.apiId },
            protocol: 'HTTP' as const,
            fields: desiredFields(obj.spec, UID),
          },
        }
      : {}),
  };
}

describe('decide: tenancy', () => {
  it('stalls an object naming an API its namespace does not list, with no AWS action, and looks again later', () => {
    const plan = decide(input(object({ finalizers: [] }), only('api2')));
    expect(plan).toEqual({
      action: { type: 'None' },
      outcome: { kind: 'Stalled', reason: 'ApiNotAllowed', message: expect.stringContaining('API api1') },
      notice: { type: 'Warning', reason: 'ApiNotAllowed', message: expect.stringContaining('only api2') },
      requeue: { kind: 'wait' },
    });
  });

  it('goes on as before when the API is listed, when any is allowed, and when no list is given', () => {
    for (const allowed of [only('api1'), allowedApisOf('*', true), undefined])
      expect(decide(input(object({ finalizers: [] }), allowed)).action).toMatchObject({ type: 'Create' });
  });

  it('stops writing to a Ready object’s API once it is no longer allowed, and deletes nothing there', () => {
    const plan = decide(input(object({ annotations: recordedAt() }), only('api2')));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'ApiNotAllowed' });
    expect(plan.need).toBeUndefined();
  });

  it('reports an invalid spec first: nothing is read or written for it either', () => {
    const plan = decide({ ...input(object(), only('api2')), invalid: 'spec.x: bad' });
    expect(plan.outcome).toMatchObject({ reason: 'InvalidSpec' });
  });

  it('lets a deleted object go without touching an API that is no longer allowed, saying what it left', () => {
    const plan = decide(input(object({ deleting: true, annotations: recordedAt() }), only('api2')));
    expect(plan).toEqual({
      action: { type: 'RemoveFinalizer' },
      event: {
        type: 'Warning',
        reason: 'ApiNotAllowed',
        message: expect.stringMatching(/^left integration int1 in place: API api1 is not allowed in namespace team-a/),
      },
      requeue: { kind: 'none' },
    });
    // Retained: the marker is not stripped either.
    const retained = object({ deleting: true, spec: { deletionPolicy: 'Retain' }, annotations: recordedAt() });
    expect(decide(input(retained, only('api2'))).action).toEqual({ type: 'RemoveFinalizer' });
    // Allowed: cleaned up as always.
    const allowed = input(object({ deleting: true, annotations: recordedAt() }), only('api1'));
    expect(decide({ ...allowed, observation: { routes: [] } }).action).toMatchObject({
      type: 'Delete',
      integrationId: 'int1',
    });
  });

  it('holds writes steered by annotations to the same list: a recorded or superseded place elsewhere', () => {
    // A tenant can edit annotations, so a recorded integration on another team's API is not deleted.
    const steered = object({ deleting: true, annotations: recordedAt('theirs', 'api9') });
    expect(decide(input(steered, only('api1'))).action).toEqual({ type: 'RemoveFinalizer' });
    const superseded = object({
      annotations: { ...recordedAt('i2', 'api1'), 'apigw.dev/superseded': 'us-east-1/api9/theirs' },
    });
    const plan = decide(input(superseded, only('api1')));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({
      kind: 'Stalled',
      reason: 'ApiNotAllowed',
      message: expect.stringContaining('API api9'),
    });
  });
});

describe('the reconciler shell: tenancy', () => {
  const tenancy = (allowed: AllowedApis) => ({ allowedApis: async () => allowed, allowedCredentials: anyRole });

  it('makes no AWS call at all, reads included, for an object naming an API its namespace does not list', async () => {
    const t = setup(object({ finalizers: [] }), { tenancy: tenancy(only('api2')) });
    let protocolReads = 0;
    const read = t.gateway.getApiProtocol.bind(t.gateway);
    t.gateway.getApiProtocol = (...args) => (protocolReads++, read(...args));
    const r = await t.run();
    expect(t.gateway.calls).toEqual([]);
    expect(protocolReads).toBe(0);
    expect(t.store.writes).toEqual(['status']);
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'ApiNotAllowed' });
    expect(t.events).toEqual(['Warning:ApiNotAllowed']);
    expect(r.requeueAfterMs).toBe(30_000);
  });

  it('keeps a Ready object’s integration when its API stops being allowed, and leaves it when the object is deleted', async () => {
    let allowed = only('api1');
    const t = setup(object({ finalizers: [] }), {
      tenancy: { allowedApis: async () => allowed, allowedCredentials: anyRole },
    });
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True' });
    allowed = only('api2');
    t.gateway.calls = [];
    t.store.edit({ description: 'changed' });
    await t.run();
    expect(t.gateway.calls).toEqual([]);
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'ApiNotAllowed' });
    expect(t.gateway.items.has('i1')).toBe(true);
    t.store.delete();
    await t.run();
    expect(t.gateway.calls).toEqual([]);
    expect(t.gateway.items.has('i1')).toBe(true);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
    expect(t.events.slice(-1)).toEqual(['Warning:ApiNotAllowed']);
  });
});

const TEAM_A = 'arn:aws:iam::123456789012:role/team-a-*';
const roles = (...patterns: string[]): AllowedCredentials => ({ any: false, patterns });

describe('the allowed-credentials-arns annotation', () => {
  it.each([
    // exact ARNs, separated by commas and/or whitespace
    ['arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/a', true],
    ['arn:aws:iam::1:role/x, arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/a', true],
    ['arn:aws:iam::1:role/x\narn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/a', true],
    ['arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/ab', false],
    ['arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/A', false],
    // a trailing * covers a role name prefix, and roles under a path
    [TEAM_A, 'arn:aws:iam::123456789012:role/team-a-sqs', true],
    [TEAM_A, 'arn:aws:iam::123456789012:role/team-a-', true],
    [TEAM_A, 'arn:aws:iam::123456789012:role/team-a-x/nested', true],
    [TEAM_A, 'arn:aws:iam::123456789012:role/team-b-sqs', false],
    [TEAM_A, 'arn:aws:iam::999999999999:role/team-a-sqs', false],
    [TEAM_A, 'arn:aws:iam::123456789012:user/team-a-sqs', false],
    // * stays within one colon-separated segment: no other account or service slides under it
    ['arn:aws:iam::*:role/team-a-*', 'arn:aws:iam::999999999999:role/team-a-sqs', true],
    ['arn:aws:iam::*:role/team-a-*', 'arn:aws:iam::1:x:role/team-a-sqs', false],
    ['arn:aws:iam::123456789012:role/*', 'arn:aws:iam::123456789012:role/team-b', true],
    ['arn:aws:iam::123456789012:*', 'arn:aws:iam::123456789012:role/any', true],
    ['arn:aws:iam::123456789012:*', 'arn:aws:iam::123456789012:role/any:more', false],
    // other regular-expression characters are literal
    ['arn:aws:iam::123456789012:role/a.b', 'arn:aws:iam::123456789012:role/axb', false],
    ['arn:aws:iam::123456789012:role/a+b', 'arn:aws:iam::123456789012:role/a+b', true],
    // the caller pass-through form is an ARN like any other: listed (it matches itself), or refused
    ['arn:aws:iam::*:user/*', 'arn:aws:iam::*:user/*', true],
    [TEAM_A, 'arn:aws:iam::*:user/*', false],
    // * alone allows any; absent allows any; present but empty allows no role
    ['*', 'arn:aws:iam::1:role/x', true],
    [`${TEAM_A}, *`, 'arn:aws:iam::1:role/x', true],
    [undefined, 'arn:aws:iam::1:role/x', true],
    ['', 'arn:aws:iam::1:role/x', false],
    [' , ', 'arn:aws:iam::1:role/x', false],
  ])('%j allows %s: %s', (annotation, arn, expected) => {
    expect(credentialsAllowed(allowedCredentialsOf(annotation), arn)).toBe(expected);
  });

  it('always allows an integration without credentialsArn, even when no role is allowed', () => {
    expect(credentialsAllowed(allowedCredentialsOf(''), undefined)).toBe(true);
  });
});

describe('decide: allowed credentials', () => {
  const withRole = (credentialsArn: string | undefined, over: Parameters<typeof object>[0] = {}) =>
    object({ finalizers: [], ...over, spec: { ...(credentialsArn ? { credentialsArn } : {}), ...over.spec } });
  const decideWith = (obj: ApiIntegration, allowedCredentials?: AllowedCredentials, allowedApis?: AllowedApis) =>
    decide({ ...input(obj, allowedApis), ...(allowedCredentials ? { allowedCredentials } : {}) });

  it.each([
    ['exactly listed', 'arn:aws:iam::123456789012:role/team-a-sqs', roles('arn:aws:iam::123456789012:role/team-a-sqs')],
    ['matched by a glob', 'arn:aws:iam::123456789012:role/team-a-sqs', roles('arn:aws:iam::1:role/x', TEAM_A)],
    ['any allowed', 'arn:aws:iam::123456789012:role/team-b-sqs', allowedCredentialsOf('*')],
    ['no list given', 'arn:aws:iam::123456789012:role/team-b-sqs', undefined],
    ['no credentialsArn, no role allowed', undefined, roles()],
  ])('creates as before: %s', (_case, arn, allowed) => {
    expect(decideWith(withRole(arn), allowed).action).toMatchObject({ type: 'Create' });
  });

  it.each([
    ['not listed', 'arn:aws:iam::123456789012:role/team-b-sqs', roles(TEAM_A), `(it allows only ${TEAM_A})`],
    ['outside the glob’s account', 'arn:aws:iam::999999999999:role/team-a-sqs', roles(TEAM_A), 'allows only'],
    ['when no role is allowed', 'arn:aws:iam::123456789012:role/team-a-sqs', roles(), '(it allows no credentialsArn)'],
  ])('stalls a role %s, with no AWS action, and looks again later', (_case, arn, allowed, says) => {
    const plan = decideWith(withRole(arn), allowed);
    const message = expect.stringMatching(
      new RegExp(`^credentialsArn ${arn!.replace(/[.*]/g, '\\$&')} is not allowed in namespace team-a`),
    );
    expect(plan).toEqual({
      action: { type: 'None' },
      outcome: { kind: 'Stalled', reason: 'CredentialsNotAllowed', message },
      notice: { type: 'Warning', reason: 'CredentialsNotAllowed', message: expect.stringContaining(says) },
      requeue: { kind: 'wait' },
    });
    expect(plan.notice?.message).toContain('apigw.dev/allowed-credentials-arns');
  });

  it('stops updating a Ready integration once its role is no longer allowed', () => {
    const obj = withRole('arn:aws:iam::123456789012:role/team-b-sqs', {
      annotations: recordedAt(),
      finalizers: undefined,
    });
    const plan = decideWith(obj, roles(TEAM_A));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.need).toBeUndefined();
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'CredentialsNotAllowed' });
  });

  it('reports an invalid spec first, a refused API before a refused role, and deletes as usual (a delete passes no role)', () => {
    const refused = withRole('arn:aws:iam::123456789012:role/team-b-sqs');
    expect(decide({ ...input(refused), allowedCredentials: roles(), invalid: 'spec.x: bad' }).outcome).toMatchObject({
      reason: 'InvalidSpec',
    });
    expect(decideWith(refused, roles(), only('api2')).outcome).toMatchObject({ reason: 'ApiNotAllowed' });
    const deleted = withRole('arn:aws:iam::123456789012:role/team-b-sqs', {
      deleting: true,
      annotations: recordedAt(),
      finalizers: undefined,
    });
    const withRoutes = { ...input(deleted), allowedCredentials: roles(), observation: { routes: [] } };
    expect(decide(withRoutes).action).toMatchObject({ type: 'Delete', integrationId: 'int1' });
  });
});

describe('the reconciler shell: allowed credentials', () => {
  const tenancy = (allowed: AllowedCredentials) => ({
    allowedApis: async (): Promise<AllowedApis> => ({ any: true }),
    allowedCredentials: async () => allowed,
  });
  const sqsRole = (name: string) => ({ credentialsArn: `arn:aws:iam::123456789012:role/${name}` });

  it('makes no AWS call at all, reads included, for an integration naming a role its namespace does not allow', async () => {
    const t = setup(object({ finalizers: [], spec: sqsRole('team-b-sqs') }), { tenancy: tenancy(roles(TEAM_A)) });
    let protocolReads = 0;
    const read = t.gateway.getApiProtocol.bind(t.gateway);
    t.gateway.getApiProtocol = (...args) => (protocolReads++, read(...args));
    const r = await t.run();
    expect(t.gateway.calls).toEqual([]);
    expect(protocolReads).toBe(0);
    expect(t.store.writes).toEqual(['status']);
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'CredentialsNotAllowed' });
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'CredentialsNotAllowed' });
    expect(t.events).toEqual(['Warning:CredentialsNotAllowed']);
    expect(r.requeueAfterMs).toBe(30_000);
  });

  it('creates the integration with a role the glob allows', async () => {
    const t = setup(object({ finalizers: [], spec: sqsRole('team-a-sqs') }), { tenancy: tenancy(roles(TEAM_A)) });
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    expect([...t.gateway.items.values()].map((i) => i.credentialsArn)).toEqual([sqsRole('team-a-sqs').credentialsArn]);
  });
});
