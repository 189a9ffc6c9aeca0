// Tenancy for ApiRoutes on the in-memory ports: an API the Namespace's apigw.dev/allowed-api-ids
// does not list is never read nor written, whether the spec names it or an annotation a tenant
// edited does.
import { describe, expect, it } from '@jest/globals';
import type { AllowedApis } from '../../../src/api/v1alpha1/tenancy.ts';
import { observedRoute, recordedRoute, routeObject } from './fixtures.ts';
import { setup } from './memory-ports.ts';

const only = (...ids: string[]): { tenancy: { allowedApis: () => Promise<AllowedApis> } } => ({
  tenancy: { allowedApis: async () => ({ any: false, ids, missing: false }) },
});

describe('tenancy', () => {
  it('an allowed API is reconciled as usual', async () => {
    const t = setup(routeObject({ finalizers: [] }), only('api1'));
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
  });

  it('a spec naming an API the namespace may not touch is Stalled with one Warning, and AWS is not even read', async () => {
    const t = setup(routeObject({ finalizers: [] }), only('api2'));
    expect(await t.run()).toEqual({ requeueAfterMs: 30_000 });
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'ApiNotAllowed' });
    expect(t.ready()?.message).toMatch(/API api1 is not allowed in namespace team-a \(it allows only api2\)/);
    expect(t.gateway.calls).toEqual([]);
    expect(t.gateway.apiReads).toBe(0);
    await t.run();
    expect(t.events).toEqual(['Warning:ApiNotAllowed']);
  });

  it('a route to delete on an API the namespace may not touch (an edited annotation) is not deleted', async () => {
    const annotations = { ...recordedRoute('r1', 'api1'), 'apigw.dev/superseded': 'us-east-1/api9/r5' };
    const t = setup(routeObject({ annotations }), only('api1'));
    t.gateway.put('api1', observedRoute({ routeId: 'r1' }));
    t.gateway.put('api9', observedRoute({ routeId: 'r5' }));
    await t.run();
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'ApiNotAllowed' });
    expect(t.gateway.writes()).toEqual([]);
  });

  it('a deleted object whose route is on an API it may not touch is let go, leaving the route in place', async () => {
    const t = setup(routeObject({ annotations: recordedRoute('r5', 'api9'), deleting: true }), only('api1'));
    t.gateway.put('api9', observedRoute({ routeId: 'r5' }));
    expect(await t.run()).toEqual({});
    expect(t.gateway.writes()).toEqual([]);
    expect(t.gateway.routes.has('r5')).toBe(true);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
    expect(t.events).toEqual(['Warning:ApiNotAllowed']);
    expect(t.messages[0]).toMatch(/^left route r5 in place: API api9 is not allowed/);
  });
});
