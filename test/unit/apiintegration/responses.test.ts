// The integration responses of a WebSocket integration, as decide tables: each row is a situation
// (a new integration, an edit, a removal, a move, an out-of-band change) and the one next call.
import { describe, expect, it } from '@jest/globals';
import { decide, type DecideInput, type Observation } from '../../../src/apiintegration/decide.ts';
import { desiredFields } from '../../../src/apiintegration/desired.ts';
import { desiredIntegrationResponses } from '../../../src/apiintegration/responses.ts';
import type { ApiIntegration, ApiIntegrationSpecT } from '../../../src/api/v1alpha1/types.ts';
import type { ObservedResponse } from '../../../src/kind/responses.ts';
import { UID, object, recordedAt } from './fixtures.ts';
import { setup } from './memory-ports.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');

const mockSpec: Partial<ApiIntegrationSpecT> = {
  apiId: 'api1',
  integrationType: 'MOCK',
  integrationUri: undefined,
  payloadFormatVersion: undefined,
  requestTemplates: { $default: '{"statusCode": 200}' },
  integrationResponses: [
    { integrationResponseKey: '$default', responseTemplates: { $default: '{"ok": true}' } },
    { integrationResponseKey: '/4\\d\\d/', templateSelectionExpression: '$default' },
  ],
};

function input(
  obj: ApiIntegration,
  observation: Observation = {},
  protocol: 'HTTP' | 'WEBSOCKET' = 'WEBSOCKET',
): DecideInput {
  const responses = desiredIntegrationResponses(obj.spec, protocol);
  return {
    obj,
    observation,
    now: NOW,
    desired: {
      location: { region: 'us-east-1', apiId: obj.spec.apiId },
      protocol,
      fields: desiredFields(obj.spec, UID),
      ...(responses ? { responses } : {}),
    },
  };
}

/** The integration as AWS holds it when it matches the spec. */
const current = (obj: ApiIntegration, id = 'int1') => ({
  integrationId: id,
  ...desiredFields(obj.spec, UID),
  timeoutInMillis: 29000,
  connectionType: 'INTERNET',
});

const held = (id: string, key: string, fields: Record<string, unknown>): ObservedResponse => ({ id, key, fields });
const matching = [
  held('r1', '$default', { responseTemplates: { $default: '{"ok": true}' } }),
  held('r2', '/4\\d\\d/', { templateSelectionExpression: '$default' }),
];

const existing = (over: { spec?: Partial<ApiIntegrationSpecT>; generation?: number } = {}) =>
  object({ spec: { ...mockSpec, ...over.spec }, annotations: recordedAt(), generation: over.generation ?? 2 });

describe('integration responses: decide', () => {
  it('a new integration with responses: the create goes on to its responses in the same pass', () => {
    const plan = decide(input(object({ spec: mockSpec })));
    expect(plan.action).toMatchObject({ type: 'Create' });
    expect(plan.continues).toBe(true);
  });

  it('reads the responses once the integration matches, then creates the missing ones in spec order', () => {
    const obj = existing();
    expect(decide(input(obj, { current: current(obj) })).need).toEqual({
      kind: 'responses',
      place: { region: 'us-east-1', apiId: 'api1' },
      integrationId: 'int1',
    });
    const plan = decide(input(obj, { current: current(obj), responses: [] }));
    expect(plan.action).toEqual({
      type: 'IntegrationResponse',
      location: { region: 'us-east-1', apiId: 'api1' },
      integrationId: 'int1',
      step: { op: 'Create', key: '$default', fields: { responseTemplates: { $default: '{"ok": true}' } } },
    });
    expect(plan).toMatchObject({ continues: true, event: { type: 'Normal', reason: 'Updated' } });
    const next = decide(input(obj, { current: current(obj), responses: [matching[0]!] }));
    expect(next.action).toMatchObject({ step: { op: 'Create', key: '/4\\d\\d/' } });
  });

  it('is Ready only when the responses match too', () => {
    const obj = existing();
    const plan = decide(input(obj, { current: current(obj), responses: matching }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Synced' });
    expect(plan.continues).toBeUndefined();
  });

  it('an edited template is updated in place, by id', () => {
    const obj = existing({
      spec: { integrationResponses: [{ integrationResponseKey: '$default', responseTemplates: { $default: 'v2' } }] },
    });
    const plan = decide(input(obj, { current: current(obj), responses: [matching[0]!] }));
    expect(plan.action).toMatchObject({
      step: { op: 'Update', id: 'r1', key: '$default', fields: { responseTemplates: { $default: 'v2' } } },
    });
  });

  it('a response removed from the list is deleted; an empty list deletes them all', () => {
    const one = existing({
      spec: {
        integrationResponses: [{ integrationResponseKey: '/4\\d\\d/', templateSelectionExpression: '$default' }],
      },
    });
    expect(decide(input(one, { current: current(one), responses: matching })).action).toMatchObject({
      step: { op: 'Delete', id: 'r1', key: '$default', why: 'removed' },
    });
    const none = existing({ spec: { integrationResponses: [] } });
    expect(decide(input(none, { current: current(none), responses: [matching[1]!] })).action).toMatchObject({
      step: { op: 'Delete', id: 'r2' },
    });
  });

  it('a field or map key removed from a response: deleted, then made again without it', () => {
    const obj = existing({ spec: { integrationResponses: [{ integrationResponseKey: '$default' }] } });
    const plan = decide(input(obj, { current: current(obj), responses: [matching[0]!] }));
    expect(plan.action).toMatchObject({ step: { op: 'Delete', id: 'r1', why: 'recreate' } });
    expect(decide(input(obj, { current: current(obj), responses: [] })).action).toMatchObject({
      step: { op: 'Create', key: '$default', fields: {} },
    });
  });

  it('a second response AWS holds for one key (a create whose answer was lost) is deleted', () => {
    const obj = existing();
    const twice = [...matching, held('r3', '$default', { responseTemplates: { $default: '{"ok": true}' } })];
    expect(decide(input(obj, { current: current(obj), responses: twice })).action).toMatchObject({
      step: { op: 'Delete', id: 'r3', why: 'duplicate' },
    });
  });

  it('a response deleted out of band is put back on the drift check, as a Warning', () => {
    const obj = existing();
    obj.status = { observedGeneration: 2 };
    const plan = decide(input(obj, { current: current(obj), responses: [matching[1]!] }));
    expect(plan.action).toMatchObject({ step: { op: 'Create', key: '$default' } });
    expect(plan.event).toMatchObject({ type: 'Warning', reason: 'DriftCorrected' });
  });

  it('after a move, the new integration (which has none) gets them, the old one is deleted first', () => {
    const moved = object({ spec: { ...mockSpec, apiId: 'api2' }, annotations: recordedAt() });
    const create = decide(input(moved, { current: current(moved) }));
    expect(create.action).toMatchObject({
      type: 'Create',
      location: { apiId: 'api2' },
      supersede: { integrationId: 'int1' },
    });
    expect(create.continues).toBe(true);
    const onNew = object({ spec: { ...mockSpec, apiId: 'api2' }, annotations: recordedAt('int2', 'api2') });
    const plan = decide(input(onNew, { current: current(onNew, 'int2'), responses: [] }));
    expect(plan.action).toMatchObject({ integrationId: 'int2', step: { op: 'Create', key: '$default' } });
  });

  it('an integration deleted out of band is made again, and its responses follow in the same pass', () => {
    const obj = existing();
    const plan = decide(input(obj, { current: null, claimed: [] }));
    expect(plan).toMatchObject({ action: { type: 'Create' }, event: { reason: 'Recreated' }, continues: true });
  });

  it('left out of the spec, or on an HTTP API, responses are neither read nor written', () => {
    const plain = existing({ spec: { integrationResponses: undefined } });
    const plan = decide(input(plain, { current: current(plain) }));
    expect(plan.need).toBeUndefined();
    expect(plan.outcome).toMatchObject({ reason: 'Synced' });
    expect(desiredIntegrationResponses(existing().spec, 'HTTP')).toBeUndefined();
  });
});

describe('integration responses: the reconciler', () => {
  it('makes the integration and its responses in one pass, then reads Synced; a removal deletes in place', async () => {
    const t = setup(object({ finalizers: [], spec: mockSpec }));
    t.gateway.apis.set('api1', 'WEBSOCKET');
    await t.run();
    const id = t.store.obj.status?.integrationId;
    expect(t.gateway.responses.get(id!)?.map((r) => r.key)).toEqual(['$default', '/4\\d\\d/']);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(t.gateway.count('CreateIntegrationResponse')).toBe(2);
    t.store.obj = {
      ...t.store.obj,
      metadata: { ...t.store.obj.metadata, generation: 2 },
      spec: { ...t.store.obj.spec, integrationResponses: [mockSpec.integrationResponses![1]!] },
    };
    await t.run();
    expect(t.gateway.responses.get(id!)?.map((r) => r.key)).toEqual(['/4\\d\\d/']);
    expect(t.gateway.count('DeleteIntegrationResponse')).toBe(1);
    expect(t.messages.some((m) => m.startsWith('deleted integration response $default'))).toBe(true);
  });
});
