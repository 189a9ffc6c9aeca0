// TypeScript twins of the ApiRoute CEL rules in route-schema.ts, so the operator refuses the same
// specs before any AWS call (objects may predate the CRD, or come from a CLI). Each twin names the
// CEL rule it mirrors by its message; a unit test checks every rule has exactly one twin, and an
// integration test proves both refuse the same manifests on a real API server.
import { has, isOneOf, problem, record, re2, specField, str, when, type LooseSpec, type Problem } from './problem.ts';
import { adoptedIdTwin, type CelTwin, type TransitionTwin } from './twins.ts';
import { ROUTE_RESPONSE_TWINS } from './response-schema.ts';
import {
  AUTHORIZER_TYPES,
  HTTP_ROUTE_KEY,
  HTTP_ROUTE_KEY_START,
  PREDEFINED_ROUTE_KEYS,
  ROUTE_KIND,
  ROUTE_REQUEST_PARAMETER_KEY,
  WEBSOCKET_ROUTE_FIELDS,
  WEBSOCKET_ROUTE_KEYS,
} from './route-schema.ts';

const HTTP_KEY_START = re2(HTTP_ROUTE_KEY_START);
const HTTP_KEY = re2(HTTP_ROUTE_KEY);
const PARAMETER_KEY = re2(ROUTE_REQUEST_PARAMETER_KEY);

const keyOf = (s: LooseSpec) => str(s, 'routeKey');
const authOf = (s: LooseSpec) => str(s, 'authorizationType');

/** What gives a WebSocket API away without asking AWS (the CEL rules' WEBSOCKET_TELL). */
export function websocketTells(s: LooseSpec): string[] {
  const key = keyOf(s);
  return [
    ...(isOneOf(key, WEBSOCKET_ROUTE_KEYS) ? [`routeKey ${key}`] : []),
    ...WEBSOCKET_ROUTE_FIELDS.filter((f) => (f === 'apiKeyRequired' ? s.apiKeyRequired === true : has(s, f))),
  ];
}

function targetTwin(s: LooseSpec): Problem[] {
  const ref = has(s, 'integrationRef');
  const raw = has(s, 'target');
  if (ref && raw)
    return [
      problem(
        specField('target'),
        'set exactly one of integrationRef and target: remove target to follow the ApiIntegration, or remove integrationRef to use the raw target',
      ),
    ];
  return when(
    !ref && !raw,
    specField('integrationRef'),
    'set exactly one of integrationRef (the name of an ApiIntegration in this namespace) and target (integrations/INTEGRATION_ID)',
  );
}

function routeKeyTwins(): CelTwin[] {
  return [
    {
      cel: /^route keys starting with \$ are reserved/,
      check: (s) => {
        const key = keyOf(s);
        return when(
          key !== undefined && key.startsWith('$') && !isOneOf(key, PREDEFINED_ROUTE_KEYS),
          specField('routeKey'),
          `${key} is not a route key: keys starting with $ are reserved; use $default, or $connect / $disconnect on WebSocket APIs (a custom WebSocket key has no $)`,
        );
      },
    },
    {
      cel: /^HTTP route keys are METHOD \/path/,
      check: (s) => {
        const key = keyOf(s);
        return when(
          key !== undefined && HTTP_KEY_START.test(key) && !HTTP_KEY.test(key),
          specField('routeKey'),
          `${key} is not a valid HTTP route key: the path is / or /-separated segments, a path variable is a whole segment {name}, and a greedy {name+} comes last (e.g. GET /items/{id} or ANY /{proxy+})`,
        );
      },
    },
  ];
}

function authorizationTwins(): CelTwin[] {
  return [
    {
      cel: /^authorizationType JWT exists only on HTTP APIs/,
      check: (s) => {
        const tells = websocketTells(s);
        return when(
          authOf(s) === 'JWT' && tells.length > 0,
          specField('authorizationType'),
          `authorizationType JWT exists only on HTTP APIs, and ${tells.join(', ')} belong to WebSocket APIs; use CUSTOM or AWS_IAM on a WebSocket $connect route, or drop the WebSocket fields`,
        );
      },
    },
    {
      cel: 'WebSocket APIs authorize only on the $connect route; set authorizationType NONE or leave it out',
      check: (s) =>
        when(
          websocketTells(s).length > 0 &&
            keyOf(s) !== '$connect' &&
            has(s, 'authorizationType') &&
            authOf(s) !== 'NONE',
          specField('authorizationType'),
          `WebSocket APIs authorize only on the $connect route, not on ${keyOf(s)}; set authorizationType NONE or leave it out`,
        ),
    },
    {
      cel: 'authorizationType CUSTOM and JWT need authorizerId: the id of the API authorizer to use',
      check: (s) =>
        when(
          isOneOf(authOf(s), AUTHORIZER_TYPES) && !has(s, 'authorizerId'),
          specField('authorizerId'),
          `authorizationType ${authOf(s)} needs authorizerId: set the id of the API's authorizer`,
        ),
    },
    {
      cel: 'authorizerId is used only with authorizationType CUSTOM or JWT',
      check: (s) =>
        when(
          has(s, 'authorizerId') && !isOneOf(authOf(s), AUTHORIZER_TYPES),
          specField('authorizerId'),
          'authorizerId is used only with authorizationType CUSTOM or JWT; set one of them or remove authorizerId',
        ),
    },
    {
      cel: 'authorizationScopes are checked only by JWT authorizers; set authorizationType JWT or remove them',
      check: (s) =>
        when(
          has(s, 'authorizationScopes') && authOf(s) !== 'JWT',
          specField('authorizationScopes'),
          'authorizationScopes are checked only by JWT authorizers; set authorizationType JWT or remove them',
        ),
    },
  ];
}

/** Twins of the spec-level CEL rules (ROUTE_SPEC_RULES). */
export const ROUTE_SPEC_RULE_TWINS: readonly CelTwin[] = [
  { cel: /^set exactly one of integrationRef/, check: targetTwin },
  ...routeKeyTwins(),
  ...authorizationTwins(),
  {
    cel: 'requestParameters are only for the $connect route of a WebSocket API',
    check: (s) =>
      when(
        has(s, 'requestParameters') && keyOf(s) !== '$connect',
        specField('requestParameters'),
        `requestParameters are only for the $connect route of a WebSocket API, not ${keyOf(s)}; remove them`,
      ),
  },
  {
    cel: 'managementPolicy ObserveOnly needs spec.routeId: the route to observe',
    check: (s) =>
      when(
        str(s, 'managementPolicy') === 'ObserveOnly' && !has(s, 'routeId'),
        specField('routeId'),
        'managementPolicy ObserveOnly needs spec.routeId: set the id of the route to observe',
      ),
  },
  ...ROUTE_RESPONSE_TWINS,
];

/** Twins of the CEL rules attached to map fields; `at` is the schema path of the map. */
export const ROUTE_MAP_RULE_TWINS: readonly (CelTwin & { at: string })[] = [
  {
    at: 'requestParameters',
    cel: 'requestParameters keys must be route.request.header.NAME or route.request.querystring.NAME',
    check: (s) =>
      Object.keys(record(s, 'requestParameters') ?? {})
        .filter((k) => !PARAMETER_KEY.test(k))
        .map((k) =>
          problem(
            specField('requestParameters', k),
            'requestParameters keys must be route.request.header.NAME or route.request.querystring.NAME; rename this key',
          ),
        ),
  },
];

/** Twin of ROUTE_TRANSITION_RULES: what may not change between the stored spec and an update. */
export const ROUTE_TRANSITION_RULE_TWINS: readonly TransitionTwin[] = [adoptedIdTwin('routeId', ROUTE_KIND, 'route')];
