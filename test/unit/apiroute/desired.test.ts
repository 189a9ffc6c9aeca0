// The route's target follows the referenced ApiIntegration's recorded integration; what the object
// records in annotations reads back the same way the reconciler will write it.
import { describe, expect, it } from '@jest/globals';
import { desiredRouteFields, desiredRouteLocation, resolveTarget } from '../../../src/apiroute/desired.ts';
import {
  ownerElsewhere,
  recordRouteAnnotations,
  recordedRouteOf,
  routePendingAnnotation,
} from '../../../src/apiroute/recorded.ts';
import { PLACE, httpSpec, routeObject } from './fixtures.ts';

describe('resolveTarget', () => {
  it('uses a raw target as it is', () => {
    expect(resolveTarget({ ...httpSpec, integrationRef: undefined, target: 'integrations/abc' }, PLACE)).toEqual({
      kind: 'resolved',
      target: 'integrations/abc',
      integrationId: 'abc',
    });
  });

  it("follows the ApiIntegration's recorded integration on the same API", () => {
    expect(resolveTarget(httpSpec, PLACE, { integrationId: 'int7', location: PLACE })).toEqual({
      kind: 'resolved',
      target: 'integrations/int7',
      integrationId: 'int7',
    });
  });

  it.each([
    ['without an integration', {}, 'has no integration in AWS yet'],
    ['in another region', { integrationId: 'i', location: { ...PLACE, region: 'eu-west-1' } }, 'in eu-west-1'],
    ['being deleted', { integrationId: 'i', location: PLACE, deleting: true }, 'is being deleted'],
  ])('waits for an ApiIntegration %s, naming it', (_what, ref, message) => {
    const r = resolveTarget(httpSpec, PLACE, ref);
    expect(r).toEqual({ kind: 'waiting', message: expect.stringContaining(message) });
    expect((r as { message: string }).message).toContain('ApiIntegration items');
  });

  it('tells an ApiIntegration that does not exist from one outside the label selector', () => {
    expect(resolveTarget(httpSpec, PLACE, undefined)).toEqual({
      kind: 'missing',
      reason: 'IntegrationNotFound',
      fact: 'ApiIntegration items does not exist in this namespace',
      fix: 'fix integrationRef.name, or create the ApiIntegration',
    });
    expect(resolveTarget(httpSpec, PLACE, { outsideSelector: 'shard=a' })).toEqual({
      kind: 'missing',
      reason: 'IntegrationNotSelected',
      fact: "ApiIntegration items exists but does not match this operator's --label-selector 'shard=a'",
      fix: 'give it the same label as this route (both kinds of one path need the shard label)',
    });
  });
});

describe('desiredRouteFields', () => {
  it('is the CreateRoute input: route fields and the target, never the operator fields', () => {
    const spec = {
      ...httpSpec,
      authorizationType: 'JWT' as const,
      authorizerId: 'j1',
      authorizationScopes: ['a'],
      region: 'us-east-1',
      roleArn: 'arn:aws:iam::123456789012:role/x',
      deletionPolicy: 'Retain' as const,
      managementPolicy: 'Manage' as const,
    };
    expect(desiredRouteFields(spec, 'integrations/i1')).toEqual({
      routeKey: 'GET /items/{id}',
      target: 'integrations/i1',
      authorizationType: 'JWT',
      authorizerId: 'j1',
      authorizationScopes: ['a'],
    });
  });

  it('places the route in the spec region, else the default, with the role to act through', () => {
    expect(desiredRouteLocation(httpSpec, 'us-east-1', 'arn:aws:iam::1:role/r')).toEqual({
      region: 'us-east-1',
      apiId: 'api1',
      roleArn: 'arn:aws:iam::1:role/r',
    });
    expect(desiredRouteLocation({ ...httpSpec, region: 'eu-west-1' }, 'us-east-1')).toEqual({
      region: 'eu-west-1',
      apiId: 'api1',
    });
  });
});

describe('recorded route annotations', () => {
  it('read back what the reconciler writes: pending create (keys with spaces), record, superseded', () => {
    const pending = routePendingAnnotation(PLACE, 'ANY /a b/{proxy+}', 1780000000123.7);
    expect(recordedRouteOf(routeObject({ annotations: pending })).pending).toEqual({
      place: PLACE,
      routeKey: 'ANY /a b/{proxy+}',
      since: 1780000000123,
    });
    const record = recordRouteAnnotations('r2', { ...PLACE, apiId: 'api2' }, 5_000, {
      location: PLACE,
      routeId: 'r1',
    });
    const annotations = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null)) as Record<
      string,
      string
    >;
    expect(record['apigw.dev/create-pending']).toBeNull();
    expect(recordedRouteOf(routeObject({ annotations }))).toEqual({
      routeId: 'r2',
      location: { ...PLACE, apiId: 'api2' },
      recordedAt: 5_000,
      superseded: { location: PLACE, routeId: 'r1' },
    });
  });

  it('falls back to status when annotations were lost, and ignores malformed markers', () => {
    const obj = routeObject({
      annotations: { 'apigw.dev/create-pending': 'garbage', 'apigw.dev/superseded': 'a/b' },
    });
    obj.status = { routeId: 'r4', observed: { apiId: 'api1', region: 'us-east-1' } };
    expect(recordedRouteOf(obj)).toEqual({ routeId: 'r4', location: PLACE });
  });

  it('finds the other ApiRoute that records a route at a place', () => {
    const claims = [{ ...PLACE, routeId: 'r1', owner: 'ns/a' }];
    expect(ownerElsewhere(claims, PLACE, 'r1')).toBe('ns/a');
    expect(ownerElsewhere(claims, { ...PLACE, apiId: 'api2' }, 'r1')).toBeUndefined();
  });
});
