// What deleting an object does in AWS, for every kind: an object that adopted an existing
// integration, route or stage keeps it unless its spec says Delete, the rest delete what they made, and
// status.deletionPolicy says which applies.
import { describe, expect, it } from '@jest/globals';
import type { ApiRouteSpecT } from '../../../src/api/v1alpha1/route-types.ts';
import type { ApiIntegrationSpecT } from '../../../src/api/v1alpha1/types.ts';
import { effectiveDeletionPolicy, type DeletionPolicySpec } from '../../../src/api/v1alpha1/deletion-policy.ts';
import { decide } from '../../../src/apiintegration/decide.ts';
import { nextStatus } from '../../../src/apiintegration/status.ts';
import { decideRoute } from '../../../src/apiroute/decide.ts';
import { nextRouteStatus } from '../../../src/apiroute/status.ts';
import { object, recordedAt } from '../apiintegration/fixtures.ts';
import { recordedRoute, routeInput, routeObject } from '../apiroute/fixtures.ts';

type IntegrationSpec = Partial<ApiIntegrationSpecT>;
type RouteSpec = Partial<ApiRouteSpecT>;

const NOW = Date.parse('2026-06-01T12:00:00Z');
const ready = { kind: 'Ready' as const, reason: 'Synced' as const, message: 'ok' };

describe('effectiveDeletionPolicy', () => {
  it.each<[string, DeletionPolicySpec, 'Delete' | 'Retain']>([
    ['made by the operator, nothing said', {}, 'Delete'],
    ['made by the operator, Retain', { deletionPolicy: 'Retain' }, 'Retain'],
    ['an adopted integration, nothing said', { integrationId: 'abc1' }, 'Retain'],
    ['an adopted route, nothing said', { routeId: 'r1' }, 'Retain'],
    ['an adopted integration, Delete said explicitly', { integrationId: 'abc1', deletionPolicy: 'Delete' }, 'Delete'],
    ['an adopted route, Delete said explicitly', { routeId: 'r1', deletionPolicy: 'Delete' }, 'Delete'],
    ['an adopted stage, nothing said', { adopt: true }, 'Retain'],
    ['a stage the operator made (adopt false), nothing said', { adopt: false }, 'Delete'],
    ['an adopted stage, Delete said explicitly', { adopt: true, deletionPolicy: 'Delete' }, 'Delete'],
    [
      'ObserveOnly never writes, whatever the spec says',
      { managementPolicy: 'ObserveOnly', deletionPolicy: 'Delete' },
      'Retain',
    ],
  ])('%s: %s', (_what, spec, expected) => {
    expect(effectiveDeletionPolicy(spec)).toBe(expected);
  });
});

describe('deleting an ApiIntegration that adopted its integration', () => {
  // No route targets the integration: a delete is decided only after a look at the API's routes.
  const deleted = (spec: IntegrationSpec) =>
    decide({
      obj: object({ deleting: true, spec, annotations: recordedAt('ext1') }),
      observation: { routes: [] },
      now: NOW,
    });

  it('keeps the integration, stripping the ownership marker, when no deletionPolicy is given', () => {
    expect(deleted({ integrationId: 'ext1', description: 'theirs' }).action).toEqual({
      type: 'Release',
      location: { region: 'us-east-1', apiId: 'api1' },
      integrationId: 'ext1',
      fields: { integrationType: 'AWS_PROXY', description: 'theirs' },
    });
  });

  it('deletes it when deletionPolicy: Delete says so', () => {
    expect(deleted({ integrationId: 'ext1', deletionPolicy: 'Delete' }).action).toMatchObject({
      type: 'Delete',
      integrationId: 'ext1',
      then: 'RemoveFinalizer',
    });
  });

  it('still deletes an integration the operator created, by default', () => {
    expect(deleted({}).action).toMatchObject({ type: 'Delete', integrationId: 'ext1' });
  });

  it('shows the policy that applies in status', () => {
    const status = (spec: IntegrationSpec) =>
      nextStatus(object({ spec }), { outcome: ready }, new Date(NOW)).deletionPolicy;
    expect([
      status({}),
      status({ integrationId: 'ext1' }),
      status({ integrationId: 'ext1', deletionPolicy: 'Delete' }),
    ]).toEqual(['Delete', 'Retain', 'Delete']);
  });
});

describe('deleting an ApiRoute that adopted its route', () => {
  const deleted = (spec: RouteSpec) =>
    decideRoute(routeInput(routeObject({ deleting: true, spec, annotations: recordedRoute('r7') })));

  it('leaves the route in AWS when no deletionPolicy is given', () => {
    expect(deleted({ routeId: 'r7' }).action).toEqual({ type: 'RemoveFinalizer' });
  });

  it('deletes it when deletionPolicy: Delete says so', () => {
    expect(deleted({ routeId: 'r7', deletionPolicy: 'Delete' }).action).toMatchObject({
      type: 'Delete',
      routeId: 'r7',
      then: 'RemoveFinalizer',
    });
  });

  it('still deletes a route the operator created, by default', () => {
    expect(deleted({}).action).toMatchObject({ type: 'Delete', routeId: 'r7' });
  });

  it('shows the policy that applies in status', () => {
    const status = (spec: RouteSpec) =>
      nextRouteStatus(routeObject({ spec }), { outcome: ready }, new Date(NOW)).deletionPolicy;
    expect([status({}), status({ routeId: 'r7' }), status({ routeId: 'r7', deletionPolicy: 'Delete' })]).toEqual([
      'Delete',
      'Retain',
      'Delete',
    ]);
  });
});
