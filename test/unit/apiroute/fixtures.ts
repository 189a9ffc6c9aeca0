// Builders for ApiRoute objects and observed routes used by the decision tables.
import type { ApiRoute, ApiRouteSpecT } from '../../../src/api/v1alpha1/route-types.ts';
import { FINALIZER } from '../../../src/api/v1alpha1/group.ts';
import type { DesiredRoute, RouteDecideInput, RouteObservation } from '../../../src/apiroute/decide.ts';
import { resolveTarget, type ReferencedIntegration } from '../../../src/apiroute/desired.ts';
import type { ObservedRoute } from '../../../src/apiroute/ports.ts';
import type { RouteClaim } from '../../../src/apiroute/recorded.ts';

export const PLACE = { region: 'us-east-1', apiId: 'api1' };

/** The decision tables' clock: 2026-01-01T00:10:00Z. */
export const NOW = Date.parse('2026-01-01T00:10:00Z');

export const httpSpec: ApiRouteSpecT = {
  apiId: 'api1',
  routeKey: 'GET /items/{id}',
  integrationRef: { name: 'items' },
};

export function routeObject(
  over: {
    spec?: Partial<ApiRouteSpecT>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deleting?: boolean;
  } = {},
): ApiRoute {
  return {
    apiVersion: 'apigw.dev/v1alpha1',
    kind: 'ApiRoute',
    metadata: {
      name: 'get-item',
      namespace: 'team-a',
      uid: '5d1c7c57-0000-4000-8000-000000000001',
      generation: 1,
      resourceVersion: '7',
      finalizers: over.finalizers ?? [FINALIZER],
      annotations: over.annotations ?? {},
      ...(over.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { ...httpSpec, ...over.spec } as ApiRouteSpecT,
  };
}

export function observedRoute(over: Partial<ObservedRoute> = {}): ObservedRoute {
  return {
    routeId: 'r1',
    routeKey: 'GET /items/{id}',
    target: 'integrations/int1',
    authorizationType: 'NONE',
    apiKeyRequired: false,
    ...over,
  };
}

export const recordedRoute = (id = 'r1', apiId = 'api1') => ({
  'apigw.dev/route-id': id,
  'apigw.dev/location': `us-east-1/${apiId}`,
});

export const pendingFor = (routeKey = 'GET /items/{id}', apiId = 'api1') => ({
  'apigw.dev/create-pending': `us-east-1/${apiId}@1780000000000 ${routeKey}`,
});

/** The integration the `items` ApiIntegration records, on the route's API. */
export const ITEMS: ReferencedIntegration = { integrationId: 'int1', location: PLACE };

export function routeInput(
  obj: ApiRoute,
  observation: RouteObservation = {},
  opts: { ref?: ReferencedIntegration | null; protocol?: 'HTTP' | 'WEBSOCKET' | null; claims?: RouteClaim[] } = {},
): RouteDecideInput {
  const location = { region: 'us-east-1', apiId: obj.spec.apiId };
  const desired: DesiredRoute = {
    location,
    protocol: opts.protocol === null ? undefined : (opts.protocol ?? 'HTTP'),
    target: resolveTarget(obj.spec, location, opts.ref === null ? undefined : (opts.ref ?? ITEMS)),
  };
  return { obj, observation, desired, claims: opts.claims ?? [], now: NOW };
}
