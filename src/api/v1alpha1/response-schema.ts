// The WebSocket two-way responses, written once for both kinds: ApiIntegration's
// `spec.integrationResponses` and ApiRoute's `spec.routeResponses`, their field tables (how each
// field maps to the SDK and compares), the CEL rules that hold whatever the API's protocol, and
// those rules' TypeScript twins (twins.ts says why twins exist).
//
// AWS facts (developer guide, "Set up WebSocket API integration responses" and "Set up route
// responses for WebSocket APIs"):
// - "For proxy integrations, API Gateway automatically passes the backend output to the caller as
//   the complete payload. There is no integration response." Only AWS, HTTP and MOCK take them,
//   and HTTP APIs have no such types, so the CEL rule on the type refuses them there too.
// - An integration response key is `$default` (the catch-all) or a regular expression written
//   "/expression/", e.g. /2\d\d/, matched against the backend's status code (HTTP) or error.
// - "You can only define the $default route response for WebSocket APIs", and "API Gateway will
//   not pass the backend response through to the route response, unless you set up a route
//   response": a two-way route is a route response plus routeResponseSelectionExpression.
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum, type CelRule } from './group.ts';
import { has, problem, specField, str, type Finding, type LooseSpec } from './problem.ts';
import type { CelTwin } from './twins.ts';
import { CONTENT_HANDLING_STRATEGIES } from './vocabulary.ts';

/** `$default` or a regular expression between slashes. */
export const INTEGRATION_RESPONSE_KEY = '^(\\$default|/.+/)$';
export const ROUTE_RESPONSE_KEYS = ['$default'] as const;
const PROXY_TYPES = ['AWS_PROXY', 'HTTP_PROXY'] as const;

/**
 * How a response field compares and is sent: a scalar, a string map, or route response parameter
 * constraints (`{required}`, an omitted `required` read as false). `aws` is the SDK member name.
 */
export type ResponseFieldKind = 'scalar' | 'map' | 'parameters';
export interface ResponseFieldRow {
  kind: ResponseFieldKind;
  aws: string;
}

export const INTEGRATION_RESPONSE_FIELDS = {
  templateSelectionExpression: { kind: 'scalar', aws: 'TemplateSelectionExpression' },
  responseTemplates: { kind: 'map', aws: 'ResponseTemplates' },
  responseParameters: { kind: 'map', aws: 'ResponseParameters' },
  contentHandlingStrategy: { kind: 'scalar', aws: 'ContentHandlingStrategy' },
} as const satisfies Record<string, ResponseFieldRow>;

export const ROUTE_RESPONSE_FIELDS = {
  modelSelectionExpression: { kind: 'scalar', aws: 'ModelSelectionExpression' },
  responseModels: { kind: 'map', aws: 'ResponseModels' },
  responseParameters: { kind: 'parameters', aws: 'ResponseParameters' },
} as const satisfies Record<string, ResponseFieldRow>;

const stringMap = (description: string, valueMax: number) =>
  Type.Unsafe<Record<string, string>>({
    type: 'object',
    description,
    maxProperties: 50,
    additionalProperties: { type: 'string', maxLength: valueMax },
  });

const expression = (description: string) => Type.Optional(Type.String({ description, minLength: 1, maxLength: 1024 }));

export const IntegrationResponse = Type.Object(
  {
    integrationResponseKey: Type.String({
      description:
        '$default (the catch-all) or a regular expression between slashes matched against the backend status code, e.g. /2\\d\\d/ or /4\\d\\d/.',
      minLength: 1,
      maxLength: 512,
      pattern: INTEGRATION_RESPONSE_KEY,
    }),
    templateSelectionExpression: expression('Expression selecting the response template (a key of responseTemplates).'),
    responseTemplates: Type.Optional(stringMap('VTL response templates keyed by template selection key.', 32768)),
    responseParameters: Type.Optional(
      stringMap(
        'Response parameter mappings: method.response.header.NAME keys, integration.response.header.NAME, integration.response.body.PATH or quoted static values.',
        512,
      ),
    ),
    contentHandlingStrategy: Type.Optional(
      StringEnum(CONTENT_HANDLING_STRATEGIES, 'How to convert the response payload; left out, it passes through.'),
    ),
  },
  { description: 'One integration response (WebSocket APIs, non-proxy integrations).' },
);

export const integrationResponsesField = () =>
  Type.Optional(
    Type.Unsafe<Static<typeof IntegrationResponse>[]>({
      type: 'array',
      description:
        'WebSocket APIs only, non-proxy integrations (AWS, HTTP, MOCK) only: how the backend answer is turned into the reply of a two-way route, keyed by integrationResponseKey. The route also needs a $default route response (ApiRoute spec.routeResponses). Left out, the operator leaves the integration responses alone; listed, AWS holds exactly these (an empty list removes them all). They follow the integration when it is replaced or moved.',
      items: IntegrationResponse,
      maxItems: 50,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['integrationResponseKey'],
    }),
  );

export const RouteResponse = Type.Object(
  {
    routeResponseKey: StringEnum(ROUTE_RESPONSE_KEYS, 'The route response key; API Gateway takes only $default.'),
    modelSelectionExpression: expression('Expression selecting the response model (a key of responseModels).'),
    responseModels: Type.Optional(
      Type.Unsafe<Record<string, string>>({
        type: 'object',
        description: 'Response model names keyed by model selection key.',
        maxProperties: 50,
        additionalProperties: { type: 'string', minLength: 1, maxLength: 128 },
      }),
    ),
    responseParameters: Type.Optional(
      Type.Unsafe<Record<string, { required: boolean }>>({
        type: 'object',
        description: 'Route response parameters, each saying whether it is required.',
        maxProperties: 50,
        additionalProperties: {
          type: 'object',
          description: 'Constraints on one response parameter.',
          properties: { required: { type: 'boolean', description: 'Whether the parameter must be present.' } },
          required: ['required'],
        },
      }),
    ),
  },
  { description: 'The route response of a two-way WebSocket route.' },
);

export const routeResponsesField = () =>
  Type.Optional(
    Type.Unsafe<Static<typeof RouteResponse>[]>({
      type: 'array',
      description:
        'WebSocket APIs only: the route response that makes the route two-way, so callers get the backend answer back. API Gateway takes one, keyed $default, and it needs routeResponseSelectionExpression ($default). Non-proxy integrations also need integration responses (ApiIntegration spec.integrationResponses). Left out, the operator leaves route responses alone; listed, AWS holds exactly these.',
      items: RouteResponse,
      maxItems: 1,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['routeResponseKey'],
    }),
  );

const INTEGRATION_RESPONSES_ON_PROXY =
  'integrationResponses are only for non-proxy integrations (AWS, HTTP, MOCK) on WebSocket APIs: proxy integrations pass the backend answer through as it is';

/** ApiIntegration: spec-level rules about integrationResponses. */
export const INTEGRATION_RESPONSE_RULES: CelRule[] = [
  {
    rule: `!has(self.integrationResponses) || size(self.integrationResponses) == 0 || !(self.integrationType in [${PROXY_TYPES.map((t) => `'${t}'`).join(', ')}])`,
    message: INTEGRATION_RESPONSES_ON_PROXY,
    fieldPath: '.integrationResponses',
  },
];

const listOf = (s: LooseSpec, f: string): unknown[] => (Array.isArray(s[f]) ? (s[f] as unknown[]) : []);

export const INTEGRATION_RESPONSE_TWINS: readonly CelTwin[] = [
  {
    cel: INTEGRATION_RESPONSES_ON_PROXY,
    check: (s): Finding[] => {
      const t = str(s, 'integrationType');
      if (listOf(s, 'integrationResponses').length === 0 || !(PROXY_TYPES as readonly string[]).includes(t ?? ''))
        return [];
      return [
        problem(
          specField('integrationResponses'),
          `${INTEGRATION_RESPONSES_ON_PROXY}, and HTTP APIs have none; remove integrationResponses (a ${t} route replies with a route response alone)`,
        ),
      ];
    },
  },
];

const ROUTE_RESPONSES_NEED_SELECTION =
  'routeResponses need routeResponseSelectionExpression ($default): together they make a WebSocket route two-way';

/** ApiRoute: spec-level rules about routeResponses. */
export const ROUTE_RESPONSE_RULES: CelRule[] = [
  {
    rule: '!has(self.routeResponses) || size(self.routeResponses) == 0 || has(self.routeResponseSelectionExpression)',
    message: ROUTE_RESPONSES_NEED_SELECTION,
    fieldPath: '.routeResponseSelectionExpression',
    reason: 'FieldValueRequired',
  },
];

export const ROUTE_RESPONSE_TWINS: readonly CelTwin[] = [
  {
    cel: ROUTE_RESPONSES_NEED_SELECTION,
    check: (s): Finding[] =>
      listOf(s, 'routeResponses').length > 0 && !has(s, 'routeResponseSelectionExpression')
        ? [
            problem(
              specField('routeResponseSelectionExpression'),
              `${ROUTE_RESPONSES_NEED_SELECTION}; set routeResponseSelectionExpression: $default`,
            ),
          ]
        : [],
  },
];

/** Integration response keys listed more than once (the API server refuses them as a list-map; so does validate). */
export function duplicateResponseKeys(spec: unknown, field: string, key: string): Finding[] {
  const items = spec && typeof spec === 'object' ? (spec as LooseSpec)[field] : undefined;
  if (!Array.isArray(items)) return [];
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const item of items) {
    const k = item && typeof item === 'object' ? (item as LooseSpec)[key] : undefined;
    if (typeof k !== 'string') continue;
    if (seen.has(k)) out.push(problem(specField(field, k), `${key} ${k} is listed twice; keep one entry per key`));
    seen.add(k);
  }
  return out;
}
