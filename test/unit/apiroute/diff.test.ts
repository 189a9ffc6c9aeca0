// The smallest UpdateRoute (and DeleteRouteRequestParameter calls) that makes AWS match the spec,
// removals included: UpdateRoute merges, so a field the spec drops is sent with its reset value.
import { describe, expect, it } from '@jest/globals';
import { diffRoute } from '../../../src/apiroute/diff.ts';
import type { ObservedRoute, RouteFields } from '../../../src/apiroute/ports.ts';
import { observedRoute } from './fixtures.ts';

const want = (over: RouteFields = {}): RouteFields => ({
  routeKey: 'GET /items/{id}',
  target: 'integrations/int1',
  ...over,
});
const have = (over: Partial<ObservedRoute> = {}) => observedRoute(over);

describe('diffRoute', () => {
  it('finds nothing when AWS matches, AWS defaults included (NONE, apiKeyRequired false)', () => {
    expect(diffRoute(want(), have())).toEqual({ changed: [], removeRequestParameters: [] });
    expect(diffRoute(want(), { routeId: 'r1', routeKey: 'GET /items/{id}', target: 'integrations/int1' })).toEqual({
      changed: [],
      removeRequestParameters: [],
    });
  });

  it.each<[string, RouteFields, Partial<ObservedRoute>, RouteFields]>([
    ['a new target', want({ target: 'integrations/int2' }), {}, { target: 'integrations/int2' }],
    ['a new route key', want({ routeKey: 'GET /things' }), {}, { routeKey: 'GET /things' }],
    ['an added operation name', want({ operationName: 'getItem' }), {}, { operationName: 'getItem' }],
    ['a removed operation name, as ""', want(), { operationName: 'getItem' }, { operationName: '' }],
    [
      'a removed authorizer, as NONE and ""',
      want(),
      { authorizationType: 'CUSTOM', authorizerId: 'a1' },
      { authorizationType: 'NONE', authorizerId: '' },
    ],
    [
      'a new authorizer id, with its type alongside',
      want({ authorizationType: 'CUSTOM', authorizerId: 'a2' }),
      { authorizationType: 'CUSTOM', authorizerId: 'a1' },
      { authorizerId: 'a2', authorizationType: 'CUSTOM' },
    ],
    ['removed scopes, as []', want(), { authorizationScopes: ['a'] }, { authorizationScopes: [] }],
    ['apiKeyRequired removed, as false', want(), { apiKeyRequired: true }, { apiKeyRequired: false }],
    [
      'removed selection expressions, as ""',
      want(),
      { modelSelectionExpression: '$request.body.type', routeResponseSelectionExpression: '$default' },
      { modelSelectionExpression: '', routeResponseSelectionExpression: '' },
    ],
    [
      'a removed request model, as an empty value beside the kept ones',
      want({ requestModels: { $default: 'M' } }),
      { requestModels: { $default: 'M', 'application/json': 'J' } },
      { requestModels: { $default: 'M', 'application/json': '' } },
    ],
  ])('sends only %s', (_what, desired, actual, update) => {
    const d = diffRoute(desired, have(actual));
    expect(d.update).toEqual(update);
    expect(d.removeRequestParameters).toEqual([]);
  });

  it('compares scopes as a set', () => {
    expect(
      diffRoute(want({ authorizationScopes: ['b', 'a'] }), have({ authorizationScopes: ['a', 'b'] })).changed,
    ).toEqual([]);
  });

  it('treats a request model AWS keeps empty as removed', () => {
    expect(diffRoute(want(), have({ requestModels: { x: '' } })).changed).toEqual([]);
  });

  it('removes a request parameter with DeleteRouteRequestParameter, not UpdateRoute', () => {
    const d = diffRoute(
      want({ requestParameters: { 'route.request.header.a': { required: true } } }),
      have({
        requestParameters: { 'route.request.header.a': { required: true }, 'route.request.querystring.b': {} },
      }),
    );
    expect(d).toEqual({
      changed: ['requestParameters'],
      removeRequestParameters: ['route.request.querystring.b'],
    });
  });

  it('sends changed request parameters in UpdateRoute, and removes the dropped ones after', () => {
    const d = diffRoute(
      want({ requestParameters: { 'route.request.header.a': { required: true } } }),
      have({ requestParameters: { 'route.request.header.a': { required: false }, 'route.request.header.b': {} } }),
    );
    expect(d.update).toEqual({ requestParameters: { 'route.request.header.a': { required: true } } });
    expect(d.removeRequestParameters).toEqual(['route.request.header.b']);
  });

  it('reads an omitted required flag as false, as AWS does', () => {
    const d = diffRoute(
      want({ requestParameters: { 'route.request.header.a': { required: false } } }),
      have({ requestParameters: { 'route.request.header.a': {} } }),
    );
    expect(d.changed).toEqual([]);
  });
});
