// The route field table is the one list of route fields: the ApiRoute spec's properties are exactly
// its rows plus the operator's own fields, status.observed has a property for exactly the rows it
// reports, its WebSocket rows are the fields validation keeps to WebSocket APIs, and every row makes
// the whole trip (spec → SDK input → SDK output → observed → status, with nothing left to update),
// is seen when it drifts, and is cleared when the spec drops it. A new route field is a row, a schema
// property and a sample value below.
import { describe, expect, it } from '@jest/globals';
import type { Route } from '@aws-sdk/client-apigatewayv2';
import {
  OBSERVED_ROUTE_FIELDS,
  ROUTE_FIELDS,
  ROUTE_FIELD_NAMES,
  ROUTE_OPERATOR_FIELDS,
  ROUTE_REPORTED_ONLY,
  ROUTE_SUB_RESOURCE_FIELDS,
  routeFieldRule,
  type RouteFieldName,
} from '../../../src/api/v1alpha1/route-fields.ts';
import {
  ApiRouteSpec,
  ObservedRoute as ObservedRouteSchema,
  WEBSOCKET_ROUTE_FIELDS,
} from '../../../src/api/v1alpha1/route-schema.ts';
import type { ApiRouteSpecT } from '../../../src/api/v1alpha1/route-types.ts';
import { fromSdkRoute, toRouteInput } from '../../../src/adapters/aws/route-mapping.ts';
import { desiredRouteFields } from '../../../src/apiroute/desired.ts';
import { diffRoute } from '../../../src/apiroute/diff.ts';
import type { ObservedRoute, RouteFields } from '../../../src/apiroute/ports.ts';
import { nextRouteStatus } from '../../../src/apiroute/status.ts';
import { routeObject } from '../apiroute/fixtures.ts';

const sorted = (xs: Iterable<string>) => [...xs].sort();

/** A value for every row; a new row needs one here (the first round-trip check says so). */
const SAMPLE: Record<string, unknown> = {
  routeKey: '$connect',
  target: 'integrations/i1',
  authorizationType: 'CUSTOM',
  authorizerId: 'au1',
  operationName: 'connect',
  modelSelectionExpression: '$request.body.type',
  routeResponseSelectionExpression: '$default',
  apiKeyRequired: true,
  authorizationScopes: ['read', 'write'],
  requestModels: { $default: 'Message' },
  requestParameters: { 'route.request.header.Auth': { required: true } },
};
const SPEC = { apiId: 'api1', ...SAMPLE } as ApiRouteSpecT;
const NOTHING_TO_DO = { changed: [], removeRequestParameters: [] };
const REQUIRED: string[] = ApiRouteSpec.required ?? [];
const SAMPLE_MAP = (f: string) => SAMPLE[f] as Record<string, unknown>;

/** The sample's route as AWS reports it after CreateRoute. */
const created = (): { desired: RouteFields; observed: ObservedRoute } => {
  const desired = desiredRouteFields(SPEC, 'integrations/i1');
  return { desired, observed: fromSdkRoute({ ...toRouteInput(desired), RouteId: 'r1' } as Route) };
};

/** Another value of the row's kind, for drift. */
function drifted(f: RouteFieldName): unknown {
  const rule = routeFieldRule(f);
  if (rule.kind === 'set') return ['other'];
  if (rule.kind === 'map') return { other: 'Other' };
  if (rule.kind === 'parameters') return { 'route.request.header.Other': { required: false } };
  return typeof SAMPLE[f] === 'boolean' ? !SAMPLE[f] : 'other';
}

const without = <T extends object>(o: T, f: string): T =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== f)) as T;

describe('the route field table', () => {
  it('covers the spec: schema properties = table rows + operator fields', () => {
    expect(sorted(Object.keys(ApiRouteSpec.properties))).toEqual(
      sorted([...ROUTE_FIELD_NAMES, ...ROUTE_OPERATOR_FIELDS, ...ROUTE_SUB_RESOURCE_FIELDS]),
    );
  });

  it('gives status.observed a property for exactly the rows it reports, beside where the route is', () => {
    expect(sorted(Object.keys(ObservedRouteSchema.properties))).toEqual(
      sorted(['apiId', 'region', 'protocolType', ...OBSERVED_ROUTE_FIELDS, ...ROUTE_REPORTED_ONLY]),
    );
  });

  it('keeps to WebSocket APIs exactly the rows validation refuses on HTTP APIs', () => {
    const websocketOnly = ROUTE_FIELD_NAMES.filter((f) => sorted(ROUTE_FIELDS[f].protocols).join() === 'WEBSOCKET');
    expect(sorted(WEBSOCKET_ROUTE_FIELDS)).toEqual(sorted(websocketOnly));
  });

  it('pairs a field only with a scalar row, and leaves uncleared only what the spec requires', () => {
    for (const f of ROUTE_FIELD_NAMES) {
      const rule = routeFieldRule(f);
      if (rule.kind !== 'scalar') continue;
      if (rule.sentWith) expect(routeFieldRule(rule.sentWith as RouteFieldName).kind).toBe('scalar');
      if (rule.reset === undefined) expect(REQUIRED).toContain(f);
    }
  });

  it('takes every row from the spec to the SDK and back, into status, with nothing left to update', () => {
    expect(sorted(Object.keys(SAMPLE))).toEqual(sorted(ROUTE_FIELD_NAMES));
    const { desired, observed } = created();
    expect(desired).toEqual(SAMPLE);
    expect(Object.keys(toRouteInput(desired))).toHaveLength(ROUTE_FIELD_NAMES.length);
    expect(observed).toEqual({ routeId: 'r1', ...SAMPLE });
    expect(diffRoute(desired, observed)).toEqual(NOTHING_TO_DO);
    const status = nextRouteStatus(
      routeObject({ spec: SPEC }),
      { outcome: { kind: 'Ready', reason: 'Synced', message: '' }, routeId: 'r1', observed },
      new Date(0),
    );
    expect(status.observed).toEqual(Object.fromEntries(OBSERVED_ROUTE_FIELDS.map((f) => [f, SAMPLE[f]])));
  });

  it.each(ROUTE_FIELD_NAMES)('sees %s drift and sends the spec value back', (f) => {
    const { desired, observed } = created();
    const d = diffRoute(desired, { ...observed, [f]: drifted(f) });
    expect(d.changed).toContain(f);
    // A map's drifted key goes along, emptied: AWS merges maps.
    expect(d.update?.[f]).toEqual(routeFieldRule(f).kind === 'map' ? { ...SAMPLE_MAP(f), other: '' } : desired[f]);
  });

  it.each(ROUTE_FIELD_NAMES.filter((f) => !REQUIRED.includes(f)))(
    'clears %s when the spec drops it, and then reads AWS as matching',
    (f) => {
      const { desired, observed } = created();
      const dropped = without(desired, f);
      const d = diffRoute(dropped, observed);
      expect(d.changed).toContain(f);
      const rule = routeFieldRule(f);
      if (rule.kind === 'parameters')
        // UpdateRoute cannot remove a request parameter: each goes by DeleteRouteRequestParameter.
        expect(d.removeRequestParameters).toEqual(Object.keys(SAMPLE_MAP(f)));
      else if (rule.kind === 'map')
        // Each removed key is sent empty; AWS merges and drops it.
        expect(d.update?.[f]).toEqual(Object.fromEntries(Object.keys(SAMPLE_MAP(f)).map((k) => [k, ''])));
      else expect(d.update?.[f]).toEqual(rule.reset);
      // What AWS then reports, as moto does (an emptied map value kept); a paired field went along.
      const after = rule.kind === 'parameters' ? without(observed, f) : { ...observed, ...d.update };
      expect(diffRoute(dropped, after)).toEqual(NOTHING_TO_DO);
    },
  );
});
