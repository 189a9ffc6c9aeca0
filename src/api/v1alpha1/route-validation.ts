// The one entry point for "is this ApiRoute spec acceptable?": the frame every kind shares
// (spec-validation.ts) run with the kind's own checks: structure against its schema, the TypeScript
// twins of its CEL rules (route-validation-rules.ts) and, below, the rules that need the API's
// protocol. Pure: no I/O, no SDKs, no environment.
import type { Protocol } from './group.ts';
import { problem, re2, specField, str, when, type LooseSpec, type Problem } from './problem.ts';
import { routeSpecJsonSchema } from './route-crd.ts';
import { HTTP_ROUTE_KEY, ROUTE_KIND, WEBSOCKET_ROUTE_FIELDS, WEBSOCKET_ROUTE_KEYS } from './route-schema.ts';
import type { ApiRouteSpecT } from './route-types.ts';
import { ROUTE_MAP_RULE_TWINS, ROUTE_SPEC_RULE_TWINS, ROUTE_TRANSITION_RULE_TWINS } from './route-validation-rules.ts';
import { specValidation, type SpecValidationResult } from './spec-validation.ts';
import { structureCheck } from './spec-structure.ts';

export type RouteValidationResult = SpecValidationResult<ApiRouteSpecT>;

const HTTP_KEY = re2(HTTP_ROUTE_KEY);

function httpRouteKey(s: LooseSpec): Problem[] {
  const key = str(s, 'routeKey');
  if (key === undefined || key === '$default' || HTTP_KEY.test(key)) return [];
  // Keys starting with $ or with an HTTP method and a bad path are the CEL rules' to report.
  if (key.startsWith('$') && !WEBSOCKET_ROUTE_KEYS.includes(key as (typeof WEBSOCKET_ROUTE_KEYS)[number])) return [];
  const upper = key.replace(/^(\S+) /, (_m, method: string) => `${method.toUpperCase()} `);
  const hint =
    upper !== key && HTTP_KEY.test(upper) ? ` (methods are upper case: ${upper})` : ' (e.g. GET /items/{id})';
  return [
    problem(
      specField('routeKey'),
      `${key} is not an HTTP API route key: HTTP APIs take $default or METHOD /path${hint}; $connect, $disconnect and custom keys exist only on WebSocket APIs`,
    ),
  ];
}

function websocketFieldsOnHttp(s: LooseSpec): Problem[] {
  return [...WEBSOCKET_ROUTE_FIELDS, 'routeResponses']
    .filter((f) => (f === 'apiKeyRequired' ? s.apiKeyRequired === true : s[f] !== undefined))
    .map((f) => problem(specField(f), `${f} is only for WebSocket APIs and apiId names an HTTP API; remove it`));
}

function websocketAuthorization(s: LooseSpec): Problem[] {
  const auth = str(s, 'authorizationType');
  const key = str(s, 'routeKey');
  if (auth === 'JWT')
    return [
      problem(
        specField('authorizationType'),
        'JWT authorizers exist only on HTTP APIs and apiId names a WebSocket API; use CUSTOM (a Lambda authorizer) or AWS_IAM on the $connect route',
      ),
    ];
  // Same words as the CEL twin, so a problem both find is listed once.
  return when(
    auth !== undefined && auth !== 'NONE' && key !== '$connect',
    specField('authorizationType'),
    `WebSocket APIs authorize only on the $connect route, not on ${key}; set authorizationType NONE or leave it out`,
  );
}

/** The rules that need the API's protocol, which only GetApi can tell. */
export function routeProtocolProblems(s: LooseSpec, protocol: Protocol): Problem[] {
  return protocol === 'HTTP' ? [...httpRouteKey(s), ...websocketFieldsOnHttp(s)] : websocketAuthorization(s);
}

export const { validate: validateRouteSpec, validateUpdate: validateRouteSpecUpdate } = specValidation<ApiRouteSpecT>({
  notAnObject: 'spec must be an object with at least apiId and routeKey',
  structure: structureCheck(routeSpecJsonSchema(), { kind: ROUTE_KIND }),
  twins: [...ROUTE_SPEC_RULE_TWINS, ...ROUTE_MAP_RULE_TWINS],
  protocol: routeProtocolProblems,
  transitionTwins: ROUTE_TRANSITION_RULE_TWINS,
});
