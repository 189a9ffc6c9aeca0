// The ApiRoute reconcile decision table: each row is one situation a user can be in, and the single
// next step the operator must take from it.
import { describe, expect, it } from '@jest/globals';
import { decideRoute } from '../../../src/apiroute/decide.ts';
import { PLACE, observedRoute, pendingFor, recordedRoute, routeInput, routeObject } from './fixtures.ts';

const other = { ...PLACE, routeId: 'r9', owner: 'team-b/other' };

describe('decideRoute: a new object', () => {
  it('creates without listing first: AWS refuses a key that exists, so the listing would only cost a call', () => {
    const plan = decideRoute(routeInput(routeObject({ finalizers: [] })));
    expect(plan.need).toBeUndefined();
    expect(plan.action).toMatchObject({ type: 'Create' });
  });

  it('lists before creating again once AWS refused the key, to say whose it is', () => {
    const plan = decideRoute(routeInput(routeObject(), { keyRefused: true }));
    expect(plan.need).toEqual({ kind: 'list', place: PLACE });
    expect(plan.action).toEqual({ type: 'None' });
  });

  it('lists before creating while the object reads RouteKeyTaken for this spec, and not after the spec changes', () => {
    const obj = routeObject();
    obj.status = {
      observedGeneration: 1,
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'RouteKeyTaken',
          message: 'taken',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    };
    expect(decideRoute(routeInput(obj)).need).toEqual({ kind: 'list', place: PLACE });
    obj.metadata.generation = 2;
    expect(decideRoute(routeInput(obj)).action).toMatchObject({ type: 'Create' });
  });

  it('creates with the finalizer in the same write as the pending marker, targeting the integration', () => {
    const plan = decideRoute(routeInput(routeObject({ finalizers: [] }), { listing: [] }));
    expect(plan.action).toMatchObject({
      type: 'Create',
      withFinalizer: true,
      location: PLACE,
      fields: { routeKey: 'GET /items/{id}', target: 'integrations/int1' },
    });
    expect(plan.event).toMatchObject({ type: 'Normal', reason: 'Created' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Synced' });
    expect(plan.requeue).toEqual({ kind: 'drift', place: PLACE });
    // A first create: a refusal for its key means the key is someone else's.
    expect(plan.action).not.toHaveProperty('inDoubt');
  });

  it('sends a raw target as it is, and never the operator fields', () => {
    const obj = routeObject({
      spec: { integrationRef: undefined, target: 'integrations/raw1', region: 'us-east-1', deletionPolicy: 'Retain' },
    });
    const plan = decideRoute(routeInput(obj, { listing: [] }, { ref: null }));
    if (plan.action.type !== 'Create') throw new Error(`expected a create, got ${plan.action.type}`);
    expect(plan.action.fields).toEqual({ routeKey: 'GET /items/{id}', target: 'integrations/raw1' });
  });

  it('waits for the ApiIntegration, naming it, without a finalizer or any AWS read', () => {
    const plan = decideRoute(routeInput(routeObject({ finalizers: [] }), {}, { ref: null }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.need).toBeUndefined();
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'IntegrationNotFound' });
    expect(plan.outcome!.message).toContain('ApiIntegration items does not exist');
  });

  it.each([
    ['has no integration yet', {}, 'has no integration in AWS yet'],
    ['is on another API', { integrationId: 'int1', location: { ...PLACE, apiId: 'api2' } }, 'is on API api2'],
    ['is being deleted', { integrationId: 'int1', location: PLACE, deleting: true }, 'is being deleted'],
  ])('waits while the ApiIntegration %s', (_what, ref, message) => {
    const plan = decideRoute(routeInput(routeObject(), { listing: [] }, { ref }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ reason: 'IntegrationNotReady', message: expect.stringContaining(message) });
  });

  it('refuses to create over a key it does not own, and says how to adopt the route', () => {
    const plan = decideRoute(routeInput(routeObject(), { listing: [observedRoute({ routeId: 'r7' })] }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'RouteKeyTaken' });
    expect(plan.outcome!.message).toContain('set spec.routeId: r7');
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'RouteKeyTaken' });
    expect(plan.requeue).toEqual({ kind: 'drift', place: PLACE });
  });

  it('names the ApiRoute that manages a taken key', () => {
    const plan = decideRoute(
      routeInput(routeObject(), { listing: [observedRoute({ routeId: 'r9' })] }, { claims: [other] }),
    );
    expect(plan.outcome!.message).toContain('managed by ApiRoute team-b/other');
  });

  it('says a quick-create route cannot be adopted', () => {
    const plan = decideRoute(routeInput(routeObject(), { listing: [observedRoute({ apiGatewayManaged: true })] }));
    expect(plan.outcome!.message).toContain('quick create');
  });

  it('waits for a missing API', () => {
    const plan = decideRoute(routeInput(routeObject(), {}, { protocol: null }));
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'ApiNotFound' });
    expect(plan.requeue).toEqual({ kind: 'missing', wait: { stalled: false, graceLeftMs: 120_000 } });
  });

  it('reports an invalid spec as Stalled with a Warning, and does nothing else', () => {
    const plan = decideRoute({ ...routeInput(routeObject()), invalid: 'spec.routeKey: bad' });
    expect(plan).toMatchObject({
      action: { type: 'None' },
      outcome: { kind: 'Stalled', reason: 'InvalidSpec', message: 'spec.routeKey: bad' },
      notice: { type: 'Warning', reason: 'InvalidSpec' },
      requeue: { kind: 'none' },
    });
  });

  it('adds the finalizer first when the object already records a route', () => {
    const plan = decideRoute(routeInput(routeObject({ finalizers: [], annotations: recordedRoute() })));
    expect(plan.action).toEqual({ type: 'AddFinalizer' });
  });
});

describe('decideRoute: a create whose response was lost', () => {
  const pending = routeObject({ annotations: pendingFor() });

  it('lists the place the marker names', () => {
    expect(decideRoute(routeInput(pending)).need).toEqual({ kind: 'list', place: PLACE });
  });

  it('adopts the route it finds by key, and says so', () => {
    const plan = decideRoute(routeInput(pending, { listing: [observedRoute({ routeId: 'r5' })] }));
    expect(plan.action).toMatchObject({ type: 'Record', routeId: 'r5', location: PLACE });
    expect(plan.event).toMatchObject({ type: 'Normal', reason: 'Recovered' });
    // Recording changes what decide reads: the pass goes on.
    expect(plan.continues).toBe(true);
  });

  it('does not adopt a route another ApiRoute records; it clears the marker and the create path refuses', () => {
    const plan = decideRoute(routeInput(pending, { listing: [observedRoute({ routeId: 'r9' })] }, { claims: [other] }));
    expect(plan.action).toEqual({ type: 'ClearPending' });
  });

  it('creates again when the key is still free, keeping the marker (a second create cannot duplicate)', () => {
    const plan = decideRoute(routeInput(pending, { listing: [] }));
    expect(plan.action).toMatchObject({ type: 'Create', fields: { routeKey: 'GET /items/{id}' }, inDoubt: true });
  });

  it('clears a marker for a key the spec no longer asks for', () => {
    const plan = decideRoute(routeInput(routeObject({ annotations: pendingFor('GET /old') }), { listing: [] }));
    expect(plan.action).toEqual({ type: 'ClearPending' });
  });

  it('clears the marker when the API is gone', () => {
    expect(decideRoute(routeInput(pending, { listing: null })).action).toEqual({ type: 'ClearPending' });
  });

  it('recovers even while the integration is not ready: recording needs no target', () => {
    const plan = decideRoute(routeInput(pending, { listing: [observedRoute({ routeId: 'r5' })] }, { ref: null }));
    expect(plan.action).toMatchObject({ type: 'Record', routeId: 'r5' });
  });

  it('supersedes the old route when the lost create was a move', () => {
    const moving = routeObject({
      spec: { apiId: 'api2' },
      annotations: { ...recordedRoute('r1', 'api1'), ...pendingFor('GET /items/{id}', 'api2') },
    });
    const plan = decideRoute(
      routeInput(
        moving,
        { listing: [observedRoute({ routeId: 'r6' })] },
        { ref: { integrationId: 'i2', location: { ...PLACE, apiId: 'api2' } } },
      ),
    );
    expect(plan.action).toMatchObject({
      type: 'Record',
      routeId: 'r6',
      supersede: { location: PLACE, routeId: 'r1' },
    });
  });
});

describe('decideRoute: a recorded route', () => {
  const recorded = routeObject({ annotations: recordedRoute() });

  it('reads it first', () => {
    expect(decideRoute(routeInput(recorded)).need).toEqual({ kind: 'get', place: PLACE, routeId: 'r1', as: 'current' });
  });

  it('does nothing when AWS matches, and reports it', () => {
    const plan = decideRoute(routeInput(recorded, { current: observedRoute() }));
    expect(plan).toMatchObject({ action: { type: 'None' }, outcome: { reason: 'Synced' }, requeue: { kind: 'drift' } });
    expect(plan.report).toMatchObject({ routeId: 'r1', location: PLACE });
  });

  it('follows the integration id: a new id is one UpdateRoute of the target', () => {
    const plan = decideRoute(
      routeInput(recorded, { current: observedRoute() }, { ref: { integrationId: 'int2', location: PLACE } }),
    );
    expect(plan.action).toEqual({
      type: 'Update',
      location: PLACE,
      routeId: 'r1',
      fields: { target: 'integrations/int2' },
      removeRequestParameters: [],
      changed: ['target'],
    });
    expect(plan.event).toEqual({ type: 'Normal', reason: 'Updated', message: 'updated route r1: target' });
  });

  it.each([
    ['is not ready', {}, 'IntegrationNotReady'],
    ['is gone', null, 'IntegrationNotFound'],
  ] as const)('waits (and changes nothing) while the ApiIntegration %s', (_what, ref, reason) => {
    const plan = decideRoute(routeInput(recorded, { current: observedRoute() }, { ref }));
    expect(plan.outcome).toMatchObject({ reason });
    expect(plan.action).toEqual({ type: 'None' });
  });

  it('checks that a new route key is free before changing it in place', () => {
    const renamed = routeObject({ spec: { routeKey: 'GET /things/{id}' }, annotations: recordedRoute() });
    expect(decideRoute(routeInput(renamed, { current: observedRoute() })).need).toEqual({ kind: 'list', place: PLACE });
    const free = decideRoute(routeInput(renamed, { current: observedRoute(), listing: [observedRoute()] }));
    expect(free.action).toMatchObject({ type: 'Update', fields: { routeKey: 'GET /things/{id}' } });
    const taken = decideRoute(
      routeInput(renamed, {
        current: observedRoute(),
        listing: [observedRoute(), observedRoute({ routeId: 'r2', routeKey: 'GET /things/{id}' })],
      }),
    );
    expect(taken.outcome).toMatchObject({ kind: 'Stalled', reason: 'RouteKeyTaken' });
    expect(taken.action).toEqual({ type: 'None' });
  });

  it('recreates a route deleted outside the operator, once the key is seen free', () => {
    const plan = decideRoute(routeInput(recorded, { current: null, listing: [] }));
    expect(plan.action).toMatchObject({ type: 'Create' });
    expect(plan.event).toMatchObject({ reason: 'Recreated' });
    expect(plan.action).not.toHaveProperty('supersede');
  });

  describe('a route recorded moments ago that reads as absent', () => {
    const NOW = Date.parse('2026-06-01T12:00:00Z');
    const justRecorded = routeObject({
      annotations: { ...recordedRoute(), 'apigw.dev/recorded-at': new Date(NOW - 5_000).toISOString() },
    });
    it('is looked at again later, with nothing sent and nothing new said, within the settle window', () => {
      const plan = decideRoute({ ...routeInput(justRecorded, { current: null }), now: NOW, createSettleMs: 30_000 });
      expect(plan.action).toEqual({ type: 'None' });
      expect(plan.outcome).toBeUndefined();
      expect(plan.requeue).toEqual({ kind: 'wait' });
    });
    it('is created again once the window has passed', () => {
      const plan = decideRoute({
        ...routeInput(justRecorded, { current: null }),
        now: NOW + 30_000,
        createSettleMs: 30_000,
      });
      expect(plan.action).toMatchObject({ type: 'Create' });
      expect(plan.event).toMatchObject({ reason: 'Recreated' });
    });
    it('is ours, not a taken key, when the listing after a refused create shows it', () => {
      const plan = decideRoute(routeInput(recorded, { current: null, keyRefused: true, listing: [observedRoute()] }));
      expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Synced' });
      expect(plan.action).toEqual({ type: 'None' });
      expect(plan.report).toMatchObject({ routeId: 'r1' });
    });
  });

  it('never moves an adopted route to another API: the move would delete it', () => {
    const adopted = routeObject({ spec: { apiId: 'api2', routeId: 'r1' }, annotations: recordedRoute() });
    const api2 = { ...PLACE, apiId: 'api2' };
    const plan = decideRoute(
      routeInput(adopted, { current: observedRoute(), listing: [] }, { ref: { integrationId: 'i2', location: api2 } }),
    );
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'AdoptionRefused' });
  });

  it('moves to a new API: creates there, then supersedes the old route', () => {
    const moved = routeObject({ spec: { apiId: 'api2' }, annotations: recordedRoute() });
    const api2 = { ...PLACE, apiId: 'api2' };
    const plan = decideRoute(
      routeInput(moved, { current: observedRoute(), listing: [] }, { ref: { integrationId: 'i2', location: api2 } }),
    );
    expect(plan.action).toMatchObject({
      type: 'Create',
      location: api2,
      supersede: { location: PLACE, routeId: 'r1' },
    });
    expect(plan.event).toMatchObject({ reason: 'Moved' });
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'Moving' });
    // The old route is deleted in the same pass.
    expect(plan.continues).toBe(true);
  });

  it('deletes a superseded route before anything else', () => {
    const obj = routeObject({
      annotations: { ...recordedRoute('r6', 'api2'), 'apigw.dev/superseded': 'us-east-1/api1/r1' },
    });
    expect(decideRoute(routeInput(obj)).action).toEqual({
      type: 'Delete',
      location: PLACE,
      routeId: 'r1',
      then: 'ClearSuperseded',
    });
  });
});

describe('decideRoute: adoption', () => {
  const adopting = routeObject({ spec: { routeId: 'r3' } });

  it('reads the route named by spec.routeId', () => {
    expect(decideRoute(routeInput(adopting)).need).toEqual({ kind: 'get', place: PLACE, routeId: 'r3', as: 'adoptee' });
  });

  it('records it', () => {
    const plan = decideRoute(routeInput(adopting, { adoptee: observedRoute({ routeId: 'r3' }) }));
    expect(plan.action).toEqual({ type: 'Record', routeId: 'r3', location: PLACE });
    expect(plan.event).toMatchObject({ reason: 'Adopted' });
  });

  it.each([
    ['a route that does not exist', { adoptee: null }, [], 'AdoptionFailed'],
    [
      'a quick-create route',
      { adoptee: observedRoute({ routeId: 'r3', apiGatewayManaged: true }) },
      [],
      'AdoptionRefused',
    ],
    [
      'a route another ApiRoute manages',
      { adoptee: observedRoute({ routeId: 'r3' }) },
      [{ ...other, routeId: 'r3' }],
      'AdoptionRefused',
    ],
  ])('refuses %s', (_what, observation, claims, reason) => {
    const plan = decideRoute(routeInput(adopting, observation, { claims }));
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason });
    expect(plan.action).toEqual({ type: 'None' });
  });

  it('adds the finalizer before recording an adopted route on a new object', () => {
    const plan = decideRoute(
      routeInput(routeObject({ finalizers: [], spec: { routeId: 'r3' } }), {
        adoptee: observedRoute({ routeId: 'r3' }),
      }),
    );
    expect(plan.action).toEqual({ type: 'AddFinalizer' });
  });

  it('does not recreate an adopted route that was deleted', () => {
    const obj = routeObject({ spec: { routeId: 'r3' }, annotations: recordedRoute('r3') });
    const plan = decideRoute(routeInput(obj, { current: null }));
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'AdoptedRouteGone' });
  });
});

describe('decideRoute: ObserveOnly', () => {
  const observing = routeObject({ spec: { routeId: 'r3', managementPolicy: 'ObserveOnly' }, finalizers: [] });

  it('reads the route and reports differences without writing', () => {
    const plan = decideRoute(
      routeInput(observing, { adoptee: observedRoute({ routeId: 'r3', authorizationType: 'AWS_IAM' }) }),
    );
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Observed' });
    expect(plan.outcome!.message).toContain('authorizationType');
    expect(plan.report).toMatchObject({ routeId: 'r3' });
  });

  it('compares without a target while the ApiIntegration is not ready', () => {
    const plan = decideRoute(routeInput(observing, { adoptee: observedRoute({ routeId: 'r3' }) }, { ref: null }));
    expect(plan.outcome).toEqual({ kind: 'Ready', reason: 'Observed', message: 'observed; AWS matches the spec' });
  });

  it('says when the route is not there, and creates nothing', () => {
    const plan = decideRoute(routeInput(observing, { adoptee: null }));
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'NotFound' });
    expect(plan.action).toEqual({ type: 'None' });
  });
});

describe('decideRoute: deletion', () => {
  it('deletes the recorded route, then releases the finalizer', () => {
    const plan = decideRoute(routeInput(routeObject({ deleting: true, annotations: recordedRoute() })));
    expect(plan.action).toEqual({ type: 'Delete', location: PLACE, routeId: 'r1', then: 'RemoveFinalizer' });
    expect(plan.event).toEqual({ type: 'Normal', reason: 'Deleted', message: 'deleted route r1' });
    expect(plan.requeue).toEqual({ kind: 'none' });
  });

  it.each([
    ['Retain', { deletionPolicy: 'Retain' as const }],
    ['ObserveOnly', { managementPolicy: 'ObserveOnly' as const, routeId: 'r1' }],
  ])('leaves the route in AWS with %s', (_what, spec) => {
    const plan = decideRoute(routeInput(routeObject({ deleting: true, spec, annotations: recordedRoute() })));
    expect(plan.action).toEqual({ type: 'RemoveFinalizer' });
  });

  it('finds and deletes what a lost create made before letting go', () => {
    const obj = routeObject({ deleting: true, annotations: pendingFor() });
    expect(decideRoute(routeInput(obj)).need).toEqual({ kind: 'list', place: PLACE });
    const plan = decideRoute(routeInput(obj, { listing: [observedRoute({ routeId: 'r5' })] }));
    expect(plan.action).toEqual({ type: 'Delete', location: PLACE, routeId: 'r5', then: 'ClearPending' });
  });

  it('does not delete a route another ApiRoute records', () => {
    const obj = routeObject({ deleting: true, annotations: pendingFor() });
    const plan = decideRoute(routeInput(obj, { listing: [observedRoute({ routeId: 'r9' })] }, { claims: [other] }));
    expect(plan.action).toEqual({ type: 'ClearPending' });
  });

  it('does nothing without the finalizer, and just lets go when nothing was made', () => {
    expect(decideRoute(routeInput(routeObject({ deleting: true, finalizers: [] }))).action).toEqual({ type: 'None' });
    expect(decideRoute(routeInput(routeObject({ deleting: true }))).action).toEqual({ type: 'RemoveFinalizer' });
  });
});
