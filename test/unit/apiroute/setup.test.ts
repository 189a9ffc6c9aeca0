// How ApiRoutes hang off the runtime: which routes an ApiIntegration's change concerns, what a
// route claims for the ownership index, and which route updates are worth a reconcile.
import { describe, expect, it } from '@jest/globals';
import type { ApiRoute } from '../../../src/api/v1alpha1/route-types.ts';
import {
  claimIndexKey,
  integrationChangeConcernsRoutes,
  routeClaimsOf,
  routesReferencing,
  routeWorthReconciling,
  trimRouteForCache,
} from '../../../src/apiroute/setup.ts';
import { recordedRoute, routeObject } from './fixtures.ts';
import { itemsIntegration } from './memory-ports.ts';

const named = (name: string, over: Parameters<typeof routeObject>[0] = {}, namespace = 'team-a'): ApiRoute => {
  const o = routeObject(over);
  return { ...o, metadata: { ...o.metadata, name, namespace } };
};

describe('an ApiIntegration change requeues the routes that name it', () => {
  it('maps to the ApiRoutes in its namespace whose integrationRef names it, and no others', () => {
    const routes = [
      named('a'),
      named('b', { spec: { integrationRef: { name: 'other' } } }),
      named('c', {}, 'team-b'),
      named('d', { spec: { integrationRef: undefined, target: 'integrations/abc' } }),
      named('e'),
    ];
    expect(routesReferencing(itemsIntegration(), routes)).toEqual(['team-a/a', 'team-a/e']);
    expect(routesReferencing(itemsIntegration(), [])).toEqual([]);
  });

  it('concerns them when its integration id or place changes, or its deletion starts; not on other writes', () => {
    const base = itemsIntegration('int1');
    expect(integrationChangeConcernsRoutes(base, itemsIntegration('int2'))).toBe(true);
    expect(integrationChangeConcernsRoutes(base, itemsIntegration('int1', 'api2'))).toBe(true);
    expect(integrationChangeConcernsRoutes(itemsIntegration(null), base)).toBe(true);
    expect(integrationChangeConcernsRoutes(base, itemsIntegration('int1', 'api1', true))).toBe(true);
    const statusOnly = { ...base, status: { observedGeneration: 1 } };
    expect(integrationChangeConcernsRoutes(base, statusOnly)).toBe(false);
  });

  it('concerns them when what its function policy means for Live changes, not when the stages move its Live', () => {
    const live = (status: 'True' | 'False' | 'Unknown', reason: string, message = '') => ({
      ...itemsIntegration('int1'),
      status: { conditions: [{ type: 'Live', status, reason, message, lastTransitionTime: '' }] },
    });
    const missing = live('False', 'LambdaPermissionMissing', 'run aws lambda add-permission ...');
    expect(integrationChangeConcernsRoutes(live('True', 'Served'), missing)).toBe(true);
    expect(integrationChangeConcernsRoutes(missing, live('False', 'AwaitingDeployment'))).toBe(true);
    expect(integrationChangeConcernsRoutes(missing, live('Unknown', 'LambdaPermissionUnknown'))).toBe(true);
    expect(integrationChangeConcernsRoutes(live('True', 'Served'), live('False', 'AwaitingDeployment'))).toBe(false);
    expect(integrationChangeConcernsRoutes(missing, { ...missing })).toBe(false);
  });
});

describe('the ownership index', () => {
  it('a route claims what it records, and a route still to delete after a move', () => {
    const moved = named('m', {
      annotations: { ...recordedRoute('r2', 'api2'), 'apigw.dev/superseded': 'us-east-1/api1/r1' },
    });
    expect(routeClaimsOf(moved)).toEqual([
      { region: 'us-east-1', apiId: 'api2', routeId: 'r2', owner: 'team-a/m' },
      { region: 'us-east-1', apiId: 'api1', routeId: 'r1', owner: 'team-a/m' },
    ]);
    expect(routeClaimsOf(named('new'))).toEqual([]);
    expect(claimIndexKey({ region: 'eu-west-1', apiId: 'x' })).toBe('eu-west-1/x');
  });
});

describe('which route updates are worth a reconcile', () => {
  const base = routeObject();
  it('spec changes, deletion and reconcile requests; not the operator own writes', () => {
    const meta = base.metadata;
    expect(routeWorthReconciling(base, { ...base, metadata: { ...meta, generation: 2 } })).toBe(true);
    expect(routeWorthReconciling(base, { ...base, metadata: { ...meta, deletionTimestamp: 'now' } })).toBe(true);
    const requested = { ...meta, annotations: { 'apigw.dev/reconcile-requested-at': 'x' } };
    expect(routeWorthReconciling(base, { ...base, metadata: requested })).toBe(true);
    const recorded = { ...meta, annotations: recordedRoute(), resourceVersion: '8' };
    expect(routeWorthReconciling(base, { ...base, metadata: recorded, status: { observedGeneration: 1 } })).toBe(false);
  });
});

describe('the ApiRoute cache', () => {
  it('keeps the operator annotations and what reconcile reads, and drops the rest', () => {
    const o = routeObject({
      annotations: { ...recordedRoute(), 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    });
    const bulky = { ...o, metadata: { ...o.metadata, managedFields: [{ manager: 'kubectl' }] } } as ApiRoute;
    const trimmed = trimRouteForCache(bulky);
    expect(trimmed.metadata.annotations).toEqual(recordedRoute());
    expect(trimmed.metadata).not.toHaveProperty('managedFields');
    expect(trimmed.spec).toBe(o.spec);
    const bare = routeObject();
    delete bare.metadata.annotations;
    expect(trimRouteForCache(bare).metadata).toMatchObject({ name: 'get-item', annotations: undefined });
  });
});
