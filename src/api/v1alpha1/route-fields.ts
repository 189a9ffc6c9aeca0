// The route fields, once: for each CreateRoute / UpdateRoute field the ApiRoute spec carries, its SDK
// member, the protocols that take it, what AWS reports when the spec left it out, how it is cleared
// in place, and whether status.observed reports it. The SDK mapping (adapters/aws/route-mapping.ts),
// the diff (apiroute/diff.ts), the desired fields (apiroute/desired.ts), RouteFields
// (apiroute/ports.ts) and status.observed (apiroute/status.ts and its schema in route-schema.ts) all
// follow this table, and test/unit/api/route-fields.test.ts checks it against the schema: a new route
// field is a row here, its spec property, and a sample value in that test.
//
// UpdateRoute merges like UpdateIntegration: a field left out stays as it is, so a field removed
// from the spec is sent with its reset value. The reset values, and where they come from:
// - authorizationType → "NONE", authorizerId → "", authorizationScopes → [], operationName → "",
//   apiKeyRequired → false: probed against real AWS by go-to-k/cdkd (#1160, its apigatewayv2
//   provider's clearableUpdate);
// - target, modelSelectionExpression, routeResponseSelectionExpression → "": what Terraform's
//   aws_apigatewayv2_route sends when they are removed (it sends the new value of any changed field);
// - requestModels: a removed key is sent with an empty value, as for integration parameter maps
//   (cdkd's mapWithRemovals); the kept keys go along because moto replaces the map;
// - requestParameters (`$connect` only) are objects, which UpdateRoute merges but cannot remove: a
//   removed key needs DeleteRouteRequestParameter, one call per key (cdkd live probe; Terraform does
//   the same). Changed and added keys are sent in UpdateRoute.
// routeKey changes in place (CloudFormation: "No interruption"), the route id stays.
import { observedRows, type ObservedRow } from './common-schema.ts';
import type { Protocol } from './group.ts';

export type { Reported } from './common-schema.ts';

/**
 * How a field is compared and cleared:
 * - scalar: equal values, or a value `unsetMatches` when the spec has none; cleared by sending `reset`;
 * - set: a list compared as a set, empty when unset; cleared by sending `reset`;
 * - map: a string map whose empty values count as absent; a removed key is sent with "" (AWS merges);
 * - parameters: `$connect` request parameter constraints, an omitted `required` read as false (AWS's
 *   default); UpdateRoute sets keys but cannot remove one, DeleteRouteRequestParameter does.
 */
export type RouteFieldKind = 'scalar' | 'set' | 'map' | 'parameters';

interface Row<K extends RouteFieldKind> {
  kind: K;
  /** The SDK's member name (CreateRoute / UpdateRoute / Route); route-mapping.ts checks it. */
  aws: string;
  /** Protocols that take the field (validation carries the rule; route-fields.test.ts ties the two). */
  protocols: readonly Protocol[];
  /** Reported in status.observed, with this description; absent: not reported. */
  observed?: string;
  /** AWS's documented default, reported when AWS's answer leaves the field out (moto does). */
  observedDefault?: string;
}

export interface ScalarRow extends Row<'scalar'> {
  /** Values AWS reports when the spec left the field out: not drift. */
  unsetMatches: (v: unknown) => boolean;
  /** What UpdateRoute is sent to clear the field; absent: never cleared (always desired). */
  reset?: string | boolean;
  /** Sent along whenever this field is sent: AWS checks the pair together (Terraform does the same). */
  sentWith?: string;
}

export interface SetRow extends Row<'set'> {
  reset: readonly string[];
}

export type RouteFieldRule = ScalarRow | SetRow | Row<'map'> | Row<'parameters'>;

const BOTH: readonly Protocol[] = ['HTTP', 'WEBSOCKET'];
/** CreateRoute documents these as "supported only for WebSocket APIs". */
const WS: readonly Protocol[] = ['WEBSOCKET'];

const absent = (v: unknown) => v === undefined || v === '';

// Rows in this order: the diff names changed fields in it (events and status messages list them).
export const ROUTE_FIELDS = {
  // Always in the desired fields (required), so never unset and never cleared.
  routeKey: {
    kind: 'scalar',
    aws: 'RouteKey',
    protocols: BOTH,
    unsetMatches: () => false,
    observed: 'Route key reported by AWS.',
  },
  target: {
    kind: 'scalar',
    aws: 'Target',
    protocols: BOTH,
    unsetMatches: absent,
    reset: '',
    observed: 'Target reported by AWS (integrations/INTEGRATION_ID).',
  },
  authorizationType: {
    kind: 'scalar',
    aws: 'AuthorizationType',
    protocols: BOTH,
    unsetMatches: (v) => absent(v) || v === 'NONE',
    reset: 'NONE',
    observed: 'Authorization type (NONE when not set).',
    observedDefault: 'NONE',
  },
  authorizerId: {
    kind: 'scalar',
    aws: 'AuthorizerId',
    protocols: BOTH,
    unsetMatches: absent,
    reset: '',
    sentWith: 'authorizationType',
  },
  operationName: { kind: 'scalar', aws: 'OperationName', protocols: BOTH, unsetMatches: absent, reset: '' },
  modelSelectionExpression: {
    kind: 'scalar',
    aws: 'ModelSelectionExpression',
    protocols: WS,
    unsetMatches: absent,
    reset: '',
  },
  routeResponseSelectionExpression: {
    kind: 'scalar',
    aws: 'RouteResponseSelectionExpression',
    protocols: WS,
    unsetMatches: absent,
    reset: '',
  },
  apiKeyRequired: {
    kind: 'scalar',
    aws: 'ApiKeyRequired',
    protocols: WS,
    unsetMatches: (v) => v === undefined || v === false,
    reset: false,
    observed: 'Whether an API key is required (WebSocket APIs).',
  },
  // Checked only by JWT authorizers, which HTTP APIs alone have (the schema's rules say so).
  authorizationScopes: { kind: 'set', aws: 'AuthorizationScopes', protocols: BOTH, reset: [] },
  requestModels: { kind: 'map', aws: 'RequestModels', protocols: WS },
  requestParameters: { kind: 'parameters', aws: 'RequestParameters', protocols: WS },
} as const satisfies Record<string, RouteFieldRule>;

export type RouteFieldName = keyof typeof ROUTE_FIELDS;
export const ROUTE_FIELD_NAMES = Object.keys(ROUTE_FIELDS) as RouteFieldName[];

/** The row of a field, as the common rule type (the table's own type keeps each row's literals). */
export const routeFieldRule = (f: RouteFieldName): RouteFieldRule => ROUTE_FIELDS[f];

/** The rows status.observed reports. */
export type ObservedRouteFieldName = ObservedRow<typeof ROUTE_FIELDS>;
export const OBSERVED_ROUTE_FIELDS = observedRows(ROUTE_FIELDS);

/** Spec fields that steer the operator or name the target (integrationRef); never sent to AWS as they are. */
export const ROUTE_OPERATOR_FIELDS = [
  'apiId',
  'integrationRef',
  'region',
  'roleArn',
  'deletionPolicy',
  'routeId',
  'managementPolicy',
] as const;

/**
 * Spec fields managed by calls of their own, never sent with CreateRoute or UpdateRoute: the route
 * responses (response-schema.ts, apiroute/responses.ts).
 */
export const ROUTE_SUB_RESOURCE_FIELDS = ['routeResponses'] as const;

/** What AWS reports beyond the spec's fields, kept in status.observed. */
export const ROUTE_REPORTED_ONLY = ['apiGatewayManaged'] as const;
