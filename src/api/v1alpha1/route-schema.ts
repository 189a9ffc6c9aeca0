// The ApiRoute schema, written once like ApiIntegration's: TypeScript types (route-types.ts), the
// CRD YAML (route-crd.ts) and runtime structural validation (route-validation.ts) derive from it.
// status.observed follows the field table (route-fields.ts): a property for each row it reports.
// CEL rules that hold whatever the API's protocol live here; the ones that need the protocol
// (learned from GetApi) are in route-validation.ts only. The CRD cannot know an API's protocol,
// but some fields and keys give it away: `$connect`/`$disconnect` and the WebSocket-only fields
// exist only on WebSocket APIs, JWT only on HTTP APIs. Rules use those tells and nothing more.
import { Type } from '@sinclair/typebox';
import {
  managementPolicyField,
  observedFieldSchemas,
  regionField,
  roleArnField,
  statusSchema,
} from './common-schema.ts';
import { deletionPolicySpecSchema } from './deletion-policy.ts';
import { ROUTE_RESPONSE_RULES, routeResponsesField } from './response-schema.ts';
import {
  HTTP_ROUTE_KEY,
  HTTP_ROUTE_KEY_START,
  ID_SHAPE,
  PREDEFINED_ROUTE_KEYS,
  StringEnum,
  WEBSOCKET_ROUTE_KEYS,
  adoptedIdRule,
  kindNames,
  type CelRule,
} from './group.ts';
import { OBSERVED_ROUTE_FIELDS, ROUTE_FIELDS } from './route-fields.ts';

// The route key shapes are shared with ApiStage's route settings; their home is group.ts.
export { HTTP_ROUTE_KEY, HTTP_ROUTE_KEY_START, PREDEFINED_ROUTE_KEYS, WEBSOCKET_ROUTE_KEYS };

export const ROUTE_NAMES = kindNames('ApiRoute', ['apiroute']);
export const { kind: ROUTE_KIND, plural: ROUTE_PLURAL } = ROUTE_NAMES;

export const AUTHORIZATION_TYPES = ['NONE', 'AWS_IAM', 'CUSTOM', 'JWT'] as const;
/** Authorization types that name an authorizer (authorizerId). */
export const AUTHORIZER_TYPES = ['CUSTOM', 'JWT'] as const;
/**
 * Fields CreateRoute documents as "supported only for WebSocket APIs": the field table's WebSocket
 * rows, listed here in the order the CEL rules and messages name them (route-fields.test.ts keeps
 * the two equal).
 */
export const WEBSOCKET_ROUTE_FIELDS = [
  'apiKeyRequired',
  'routeResponseSelectionExpression',
  'modelSelectionExpression',
  'requestModels',
  'requestParameters',
] as const;

/** `$connect` request parameters: the headers and query string of the upgrade request. */
export const ROUTE_REQUEST_PARAMETER_KEY = '^route\\.request\\.(header|querystring)\\.[^\\s]+$';
/** Route targets name an integration of the same API. */
export const ROUTE_TARGET = '^integrations/[a-z0-9]+$';

const has = (f: string) => `has(self.${f})`;
const list = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
const authType = (types: readonly string[]) =>
  `(${has('authorizationType')} && self.authorizationType in ${list(types)})`;
/** Something only a WebSocket API has; `apiKeyRequired: false` is what AWS reports on HTTP APIs too. */
const WEBSOCKET_TELL = [
  `self.routeKey in ${list(WEBSOCKET_ROUTE_KEYS)}`,
  `(${has('apiKeyRequired')} && self.apiKeyRequired)`,
  ...WEBSOCKET_ROUTE_FIELDS.filter((f) => f !== 'apiKeyRequired').map(has),
].join(' || ');

/** Cross-field rules that hold whatever the API's protocol; enforced at `kubectl apply`. */
export const ROUTE_SPEC_RULES: CelRule[] = [
  {
    rule: `${has('integrationRef')} != ${has('target')}`,
    message:
      'set exactly one of integrationRef (an ApiIntegration in this namespace) and target (integrations/INTEGRATION_ID)',
    fieldPath: '.target',
  },
  {
    rule: `!self.routeKey.startsWith('$') || self.routeKey in ${list(PREDEFINED_ROUTE_KEYS)}`,
    message:
      'route keys starting with $ are reserved: use $default, or $connect / $disconnect on WebSocket APIs (a custom WebSocket key has no $)',
    fieldPath: '.routeKey',
  },
  {
    rule: `!self.routeKey.matches(r'${HTTP_ROUTE_KEY_START}') || self.routeKey.matches(r'${HTTP_ROUTE_KEY}')`,
    message:
      'HTTP route keys are METHOD /path: the path is / or /-separated segments, a path variable is a whole segment {name}, and a greedy {name+} comes last',
    fieldPath: '.routeKey',
  },
  {
    rule: `!(${authType(['JWT'])}) || !(${WEBSOCKET_TELL})`,
    message: `authorizationType JWT exists only on HTTP APIs; it cannot go with $connect, $disconnect or the WebSocket-only fields (${WEBSOCKET_ROUTE_FIELDS.join(', ')})`,
    fieldPath: '.authorizationType',
  },
  {
    rule: `!(${WEBSOCKET_TELL}) || self.routeKey == '$connect' || !${has('authorizationType')} || self.authorizationType == 'NONE'`,
    message: 'WebSocket APIs authorize only on the $connect route; set authorizationType NONE or leave it out',
    fieldPath: '.authorizationType',
  },
  {
    rule: `!${authType(AUTHORIZER_TYPES)} || ${has('authorizerId')}`,
    message: 'authorizationType CUSTOM and JWT need authorizerId: the id of the API authorizer to use',
    fieldPath: '.authorizerId',
    reason: 'FieldValueRequired',
  },
  {
    rule: `!${has('authorizerId')} || ${authType(AUTHORIZER_TYPES)}`,
    message: 'authorizerId is used only with authorizationType CUSTOM or JWT',
    fieldPath: '.authorizerId',
  },
  {
    rule: `!${has('authorizationScopes')} || ${authType(['JWT'])}`,
    message: 'authorizationScopes are checked only by JWT authorizers; set authorizationType JWT or remove them',
    fieldPath: '.authorizationScopes',
  },
  {
    rule: `!${has('requestParameters')} || self.routeKey == '$connect'`,
    message: 'requestParameters are only for the $connect route of a WebSocket API',
    fieldPath: '.requestParameters',
  },
  {
    rule: `!${has('managementPolicy')} || self.managementPolicy != 'ObserveOnly' || ${has('routeId')}`,
    message: 'managementPolicy ObserveOnly needs spec.routeId: the route to observe',
    fieldPath: '.routeId',
    reason: 'FieldValueRequired',
  },
  ...ROUTE_RESPONSE_RULES,
];

/** `spec.routeId` names an adopted route; changing it would silently re-point the object. */
export const ROUTE_TRANSITION_RULES: CelRule[] = [adoptedIdRule('routeId', ROUTE_KIND, 'route')];

const ID = ID_SHAPE;

export const ApiRouteSpec = Type.Object(
  {
    apiId: Type.String({
      description:
        'ID of the API Gateway v2 API (HTTP or WebSocket) the route belongs to. Changing it moves the route: a new one is created under the new API, then the old one is deleted.',
      ...ID,
    }),
    routeKey: Type.String({
      description:
        'Route key, unique per API. HTTP APIs: $default or METHOD /path (ANY, GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS; path variables {name}, a greedy {name+} last), e.g. GET /items/{id}. WebSocket APIs: $connect, $disconnect, $default or a custom key matched against the route selection expression, e.g. sendMessage. Changed in place.',
      minLength: 1,
      maxLength: 512,
    }),
    integrationRef: Type.Optional(
      Type.Object(
        {
          name: Type.String({
            description: 'Name of the ApiIntegration.',
            minLength: 1,
            maxLength: 253,
            pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
          }),
        },
        {
          description:
            'The ApiIntegration in this namespace the route sends traffic to; the route waits until it exists in AWS on the same API and follows its integration id. Exactly one of integrationRef and target.',
        },
      ),
    ),
    target: Type.Optional(
      Type.String({
        description:
          'Raw route target, integrations/INTEGRATION_ID, for an integration not managed by an ApiIntegration. Exactly one of integrationRef and target.',
        maxLength: 128,
        pattern: ROUTE_TARGET,
      }),
    ),
    authorizationType: Type.Optional(
      StringEnum(
        AUTHORIZATION_TYPES,
        'NONE (default), AWS_IAM, CUSTOM (Lambda authorizer) or JWT (HTTP APIs only). WebSocket APIs authorize only on $connect.',
      ),
    ),
    authorizerId: Type.Optional(
      Type.String({ description: 'ID of the API authorizer, with authorizationType CUSTOM or JWT.', ...ID }),
    ),
    authorizationScopes: Type.Optional(
      Type.Unsafe<string[]>({
        type: 'array',
        description: 'JWT authorizers: scopes the access token must carry one of (at most 10).',
        items: { type: 'string', minLength: 1, maxLength: 64 },
        // AWS allows 10 scopes per route and the quota cannot be raised ("Scopes per route | 10 | No",
        // HTTP API quotas page); more would pass admission only to be refused by AWS.
        maxItems: 10,
        'x-kubernetes-list-type': 'set',
      }),
    ),
    operationName: Type.Optional(
      Type.String({ description: 'Operation name, e.g. for generated SDKs.', minLength: 1, maxLength: 64 }),
    ),
    apiKeyRequired: Type.Optional(
      Type.Boolean({ description: 'WebSocket APIs only: whether callers need an API key. Default false.' }),
    ),
    routeResponseSelectionExpression: Type.Optional(
      Type.String({
        description:
          'WebSocket APIs only: route response selection expression ($default, the only one API Gateway takes). Alone it does not make the route reply: that takes a route response (routeResponses) too, and integration responses on a non-proxy integration.',
        minLength: 1,
        maxLength: 1024,
      }),
    ),
    modelSelectionExpression: Type.Optional(
      Type.String({
        description: 'WebSocket APIs only: expression selecting the request model (a key of requestModels).',
        minLength: 1,
        maxLength: 1024,
      }),
    ),
    requestModels: Type.Optional(
      Type.Unsafe<Record<string, string>>({
        type: 'object',
        description: 'WebSocket APIs only: request model names keyed by model selection key.',
        maxProperties: 50,
        additionalProperties: {
          type: 'string',
          description: 'Name of a model of the API.',
          minLength: 1,
          maxLength: 128,
        },
      }),
    ),
    requestParameters: Type.Optional(
      Type.Unsafe<Record<string, { required: boolean }>>({
        type: 'object',
        description:
          'WebSocket $connect route only: request parameters keyed route.request.header.NAME or route.request.querystring.NAME, each saying whether it is required. Removing a key removes the parameter in AWS.',
        maxProperties: 50,
        additionalProperties: {
          type: 'object',
          description: 'Constraints on one request parameter.',
          properties: { required: { type: 'boolean', description: 'Whether the parameter must be present.' } },
          required: ['required'],
        },
        'x-kubernetes-validations': [
          {
            rule: `self.all(k, k.matches(r'${ROUTE_REQUEST_PARAMETER_KEY}'))`,
            message: 'requestParameters keys must be route.request.header.NAME or route.request.querystring.NAME',
          },
        ],
      }),
    ),
    routeResponses: routeResponsesField(),
    region: regionField('moves the route'),
    roleArn: roleArnField(),
    deletionPolicy: deletionPolicySpecSchema('route'),
    routeId: Type.Optional(
      Type.String({
        description:
          'Adopt this existing route instead of creating one. Immutable once set. Routes made by quick create (apiGatewayManaged), or managed by another ApiRoute, are refused.',
        ...ID,
      }),
    ),
    managementPolicy: managementPolicyField(
      'Manage (default) makes AWS match the spec; ObserveOnly only reads the route and reports it in status, never writing to AWS.',
    ),
  },
  {
    description:
      'Desired state of one API Gateway v2 route: the CreateRoute input in lowerCamelCase, with the target given by integrationRef or target, plus operator settings.',
    'x-kubernetes-validations': [...ROUTE_SPEC_RULES, ...ROUTE_TRANSITION_RULES],
  },
);

export const ObservedRoute = Type.Object(
  {
    apiId: Type.Optional(Type.String({ description: 'API the observed route belongs to.' })),
    region: Type.Optional(Type.String({ description: 'Region of the observed route.' })),
    protocolType: Type.Optional(Type.String({ description: 'HTTP or WEBSOCKET, as reported by GetApi.' })),
    ...observedFieldSchemas(ApiRouteSpec, ROUTE_FIELDS, OBSERVED_ROUTE_FIELDS),
    apiGatewayManaged: Type.Optional(
      Type.Boolean({ description: 'True for routes made by quick create; those cannot be managed.' }),
    ),
  },
  { description: 'What AWS reports for the route, including values AWS defaulted.' },
);

export const ApiRouteStatus = statusSchema(
  'route',
  {
    routeId: Type.Optional(Type.String({ description: 'ID of the route in API Gateway.' })),
    integrationId: Type.Optional(
      Type.String({ description: 'ID of the integration the route targets, resolved from integrationRef or target.' }),
    ),
  },
  ObservedRoute,
);

export const ROUTE_PRINTER_COLUMNS = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Live', type: 'string', jsonPath: '.status.conditions[?(@.type=="Live")].status' },
  { name: 'Route Key', type: 'string', jsonPath: '.spec.routeKey' },
  { name: 'Route ID', type: 'string', jsonPath: '.status.routeId' },
  { name: 'API', type: 'string', jsonPath: '.spec.apiId' },
  { name: 'Integration', type: 'string', jsonPath: '.spec.integrationRef.name', priority: 1 },
  { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
  { name: 'Live Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Live")].reason', priority: 1 },
  { name: 'On Delete', type: 'string', jsonPath: '.status.deletionPolicy', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
