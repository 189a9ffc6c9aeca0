// The route response of a two-way WebSocket route, as decide tables: each row is a situation (a
// new route, an edit, a removal, a move, an out-of-band change) and the one next call.
import { describe, expect, it } from '@jest/globals';
import { decideRoute, type RouteObservation } from '../../../src/apiroute/decide.ts';
import { desiredRouteResponses } from '../../../src/apiroute/responses.ts';
import type { ApiRoute, ApiRouteSpecT } from '../../../src/api/v1alpha1/route-types.ts';
import type { ObservedResponse } from '../../../src/kind/responses.ts';
import { PLACE, observedRoute, recordedRoute, routeInput, routeObject } from './fixtures.ts';
import { setup } from './memory-ports.ts';

const twoWay: Partial<ApiRouteSpecT> = {
  routeKey: 'echo',
  routeResponseSelectionExpression: '$default',
  routeResponses: [{ routeResponseKey: '$default', modelSelectionExpression: '$default' }],
};

function input(obj: ApiRoute, observation: RouteObservation = {}, protocol: 'HTTP' | 'WEBSOCKET' = 'WEBSOCKET') {
  const base = routeInput(obj, observation, { protocol });
  const responses = desiredRouteResponses(obj.spec, protocol);
  return { ...base, desired: { ...base.desired!, ...(responses ? { responses } : {}) } };
}

const current = (over = {}) =>
  observedRoute({ routeKey: 'echo', routeResponseSelectionExpression: '$default', apiKeyRequired: false, ...over });
const held: ObservedResponse = { id: 'rr1', key: '$default', fields: { modelSelectionExpression: '$default' } };
const existing = (spec: Partial<ApiRouteSpecT> = {}) =>
  routeObject({ spec: { ...twoWay, ...spec }, annotations: recordedRoute() });

describe('route responses: decide', () => {
  it('a new two-way route: the create goes on to its route response in the same pass', () => {
    const plan = decideRoute(input(routeObject({ spec: twoWay })));
    expect(plan.action).toMatchObject({ type: 'Create' });
    expect(plan.continues).toBe(true);
  });

  it('reads the route responses once the route matches, and creates the $default one', () => {
    const obj = existing();
    expect(decideRoute(input(obj, { current: current() })).need).toEqual({
      kind: 'responses',
      place: PLACE,
      routeId: 'r1',
    });
    const plan = decideRoute(input(obj, { current: current(), responses: [] }));
    expect(plan.action).toEqual({
      type: 'RouteResponse',
      location: PLACE,
      routeId: 'r1',
      step: { op: 'Create', key: '$default', fields: { modelSelectionExpression: '$default' } },
    });
    expect(plan.continues).toBe(true);
  });

  it('is Ready only when the route response matches too', () => {
    const plan = decideRoute(input(existing(), { current: current(), responses: [held] }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Synced' });
  });

  it('an edit updates it in place; a changed route goes on to its response after the UpdateRoute', () => {
    const obj = existing({
      routeResponses: [
        { routeResponseKey: '$default', responseParameters: { 'route.response.header.x': { required: true } } },
      ],
    });
    const recreate = decideRoute(input(obj, { current: current(), responses: [held] }));
    expect(recreate.action).toMatchObject({ step: { op: 'Delete', id: 'rr1', why: 'recreate' } });
    const edited = existing({ routeResponses: [{ routeResponseKey: '$default', modelSelectionExpression: 'v2' }] });
    expect(decideRoute(input(edited, { current: current(), responses: [held] })).action).toMatchObject({
      step: { op: 'Update', id: 'rr1', fields: { modelSelectionExpression: 'v2' } },
    });
    const update = decideRoute(input(edited, { current: current({ operationName: 'old' }) }));
    expect(update).toMatchObject({ action: { type: 'Update' }, continues: true });
  });

  it('an omitted required reads as false', () => {
    const obj = existing({
      routeResponses: [
        { routeResponseKey: '$default', responseParameters: { 'route.response.header.x': { required: false } } },
      ],
    });
    const same: ObservedResponse = {
      id: 'rr1',
      key: '$default',
      fields: { responseParameters: { 'route.response.header.x': {} } },
    };
    expect(decideRoute(input(obj, { current: current(), responses: [same] })).action).toEqual({ type: 'None' });
  });

  it('removed from the spec (an empty list), it is deleted', () => {
    const obj = existing({ routeResponses: [] });
    expect(decideRoute(input(obj, { current: current(), responses: [held] })).action).toMatchObject({
      step: { op: 'Delete', id: 'rr1', why: 'removed' },
    });
  });

  it('deleted out of band, it is put back on the drift check, as a Warning', () => {
    const obj = existing();
    obj.status = { observedGeneration: 1 };
    const plan = decideRoute(input(obj, { current: current(), responses: [] }));
    expect(plan.action).toMatchObject({ step: { op: 'Create' } });
    expect(plan.event).toMatchObject({ type: 'Warning', reason: 'DriftCorrected' });
  });

  it('re-targeting the route (its integration moved) keeps its route response: only UpdateRoute, then a match', () => {
    const obj = existing();
    const plan = decideRoute(input(obj, { current: current({ target: 'integrations/old' }) }));
    expect(plan.action).toMatchObject({ type: 'Update', fields: { target: 'integrations/int1' } });
    expect(decideRoute(input(obj, { current: current(), responses: [held] })).action).toEqual({ type: 'None' });
  });

  it('left out of the spec, or on an HTTP API, route responses are neither read nor written', () => {
    const plain = existing({ routeResponses: undefined });
    expect(decideRoute(input(plain, { current: current() })).need).toBeUndefined();
    expect(desiredRouteResponses(existing().spec, 'HTTP')).toBeUndefined();
  });
});

describe('route responses: the reconciler', () => {
  it('makes the route and its route response in one pass, then reads Synced; an edit updates it by id', async () => {
    const t = setup(routeObject({ finalizers: [], spec: twoWay }));
    t.gateway.apis.set('api1', 'WEBSOCKET');
    await t.run();
    const id = t.store.obj.status?.routeId;
    const made = t.gateway.responses.get(id!) ?? [];
    expect(made).toEqual([
      { id: expect.any(String), key: '$default', fields: { modelSelectionExpression: '$default' } },
    ]);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    t.store.obj = {
      ...t.store.obj,
      metadata: { ...t.store.obj.metadata, generation: 2 },
      spec: { ...t.store.obj.spec, routeResponses: [{ routeResponseKey: '$default', modelSelectionExpression: 'v2' }] },
    };
    await t.run();
    expect(t.gateway.responses.get(id!)).toEqual([
      { id: made[0]!.id, key: '$default', fields: { modelSelectionExpression: 'v2' } },
    ]);
    expect(t.gateway.count('UpdateRouteResponse')).toBe(1);
  });
});
