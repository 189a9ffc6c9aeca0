// TypeScript twins of the CEL rules in schema.ts. CEL cannot run in Node, yet the operator must
// refuse the same specs before any AWS call (objects may predate the CRD, or come from a CLI).
// Each twin names the CEL rule it mirrors by its message; a unit test checks every rule has
// exactly one twin, and an integration test proves both refuse the same manifests.
// The API server reports every CEL rule that fails; the twins also say which problems are only
// follow-ons of another (see Finding), so the operator and the CLI show the cause, not the echoes.
import {
  HTTP_REQUEST_MAPPING_KEY,
  INTEGRATION_SUBTYPES,
  RESERVED_HEADER_KEY,
  RESPONSE_MAPPING_KEY,
  STATUS_CODE_KEY,
  SUBTYPE_PARAMETERS,
  SUBTYPE_PARAMETER_KEY,
  KIND,
  WEBSOCKET_REQUEST_KEY,
  type IntegrationSubtype,
} from './schema.ts';
import { IAM_ROLE_ARN } from './group.ts';
import { INTEGRATION_RESPONSE_TWINS } from './response-schema.ts';
import {
  assuming,
  has,
  problem,
  record,
  re2,
  refuting,
  specField,
  str,
  when,
  type Finding,
  type LooseSpec,
  type Problem,
} from './problem.ts';
import { adoptedIdTwin, type CelTwin, type TransitionTwin } from './twins.ts';

/** Request parameter keys of HTTP APIs and of WebSocket APIs, as the CEL rules match them. */
export const HTTP_MAPPING_KEY = re2(HTTP_REQUEST_MAPPING_KEY);
export const WS_MAPPING_KEY = re2(WEBSOCKET_REQUEST_KEY);
const SUBTYPE_KEY = re2(SUBTYPE_PARAMETER_KEY);
const RESPONSE_KEY = re2(RESPONSE_MAPPING_KEY);
const STATUS_CODE = re2(STATUS_CODE_KEY);
const RESERVED = re2(RESERVED_HEADER_KEY);
const ROLE = re2(IAM_ROLE_ARN);

export const WEBSOCKET_ONLY_FIELDS = [
  'requestTemplates',
  'templateSelectionExpression',
  'passthroughBehavior',
  'contentHandlingStrategy',
  'integrationResponses',
] as const;
export const HTTP_ONLY_FIELDS = ['responseParameters', 'tlsConfig', 'integrationSubtype'] as const;

const isVpcLink = (s: LooseSpec) => str(s, 'connectionType') === 'VPC_LINK';
const typeOf = (s: LooseSpec) => str(s, 'integrationType');
const keysOf = (m: Record<string, unknown> | undefined): string[] => (m ? Object.keys(m) : []);
const isKnownSubtype = (v: string | undefined): v is IntegrationSubtype =>
  v !== undefined && (INTEGRATION_SUBTYPES as string[]).includes(v);

// Whether the type or the subtype is the mistake is the user's call, so a conflict between them
// silences advice that takes either one for granted.
const serviceRule = (check: (s: LooseSpec) => Finding[]) => (s: LooseSpec) =>
  assuming(['serviceIntegration'], check(s));

function subtypeTwins(): CelTwin[] {
  return [
    {
      cel: 'integrationSubtype requires integrationType AWS_PROXY',
      check: (s) =>
        refuting(
          ['integrationType', 'serviceIntegration'],
          when(
            has(s, 'integrationSubtype') && typeOf(s) !== 'AWS_PROXY',
            specField('integrationSubtype'),
            'integrationSubtype requires integrationType AWS_PROXY; set integrationType: AWS_PROXY or remove integrationSubtype',
          ),
        ),
    },
    {
      cel: 'service integrations (integrationSubtype) take neither integrationUri nor integrationMethod; remove them',
      check: serviceRule((s) =>
        when(
          has(s, 'integrationSubtype') && (has(s, 'integrationUri') || has(s, 'integrationMethod')),
          specField('integrationSubtype'),
          `service integrations (integrationSubtype) take neither integrationUri nor integrationMethod; remove ${['integrationUri', 'integrationMethod'].filter((f) => has(s, f)).join(' and ')}`,
        ),
      ),
    },
    {
      cel: 'integrationSubtype requires credentialsArn: the IAM role API Gateway assumes to call the service',
      check: serviceRule((s) =>
        when(
          has(s, 'integrationSubtype') && !has(s, 'credentialsArn'),
          specField('credentialsArn'),
          'integrationSubtype requires credentialsArn: set it to the IAM role API Gateway assumes to call the service',
        ),
      ),
    },
    {
      // API Gateway calls the service with the role's credentials; the caller pass-through form
      // (arn:aws:iam::*:user/*) fails at runtime (aws-controllers-k8s/apigatewayv2-controller#131).
      cel: 'service integrations (integrationSubtype) need an IAM role in credentialsArn, not a user',
      check: (s) =>
        assuming(
          ['serviceIntegration', 'credentialsArn'],
          when(
            has(s, 'integrationSubtype') && typeof s.credentialsArn === 'string' && !ROLE.test(s.credentialsArn),
            specField('credentialsArn'),
            'service integrations (integrationSubtype) need an IAM role in credentialsArn, e.g. arn:aws:iam::123456789012:role/apigw-integration-sqs, which API Gateway assumes to call the service; passing the caller through (arn:aws:iam::*:user/*) does not work for AWS service actions',
          ),
        ),
    },
    { cel: /^integrationSubtype \S+ requires requestParameters /, check: serviceRule(missingActionParameters) },
    {
      cel: 'service integrations take action parameter names (e.g. QueueUrl, MessageBody) as requestParameters keys',
      check: serviceRule(actionParameterKeyShape),
    },
    {
      cel: /^requestParameters has a parameter this integrationSubtype does not accept/,
      check: serviceRule(unknownActionParameters),
    },
  ];
}

function missingActionParameters(s: LooseSpec): Problem[] {
  const subtype = str(s, 'integrationSubtype');
  if (!isKnownSubtype(subtype)) return [];
  const params = record(s, 'requestParameters') ?? {};
  const missing = SUBTYPE_PARAMETERS[subtype].required.filter((p) => !(p in params));
  return when(
    missing.length > 0,
    specField('requestParameters'),
    `integrationSubtype ${subtype} requires requestParameters ${SUBTYPE_PARAMETERS[subtype].required.join(', ')}; add ${missing.join(', ')}`,
  );
}

function actionParameterKeyShape(s: LooseSpec): Problem[] {
  if (!has(s, 'integrationSubtype')) return [];
  return keysOf(record(s, 'requestParameters'))
    .filter((k) => !SUBTYPE_KEY.test(k))
    .map((k) =>
      problem(
        specField('requestParameters', k),
        'service integrations take action parameter names (e.g. QueueUrl, MessageBody) as requestParameters keys, not parameter mappings; rename or remove this key',
      ),
    );
}

function unknownActionParameters(s: LooseSpec): Problem[] {
  const subtype = str(s, 'integrationSubtype');
  if (!isKnownSubtype(subtype)) return [];
  const { required, optional } = SUBTYPE_PARAMETERS[subtype];
  const allowed: readonly string[] = [...required, ...optional];
  return keysOf(record(s, 'requestParameters'))
    .filter((k) => !allowed.includes(k))
    .map((k) =>
      problem(
        specField('requestParameters', k),
        `integrationSubtype ${subtype} does not accept the parameter ${k}; use one of ${allowed.join(', ')}`,
      ),
    );
}

function connectionTwins(): CelTwin[] {
  return [
    {
      cel: "payloadFormatVersion 2.0 is only for Lambda proxy integrations (AWS_PROXY without integrationSubtype); use '1.0'",
      // Silent when the version is malformed (the schema names the allowed ones) or the type is wrong.
      check: (s) =>
        assuming(
          ['integrationType', 'payloadFormatVersion'],
          when(
            has(s, 'payloadFormatVersion') &&
              str(s, 'payloadFormatVersion') !== '1.0' &&
              !(typeOf(s) === 'AWS_PROXY' && !has(s, 'integrationSubtype')),
            specField('payloadFormatVersion'),
            "payloadFormatVersion 2.0 is only for Lambda proxy integrations (AWS_PROXY without integrationSubtype); set payloadFormatVersion: '1.0'",
          ),
        ),
    },
    {
      cel: 'connectionType VPC_LINK requires connectionId (the VPC link id)',
      check: (s) =>
        when(
          isVpcLink(s) && !has(s, 'connectionId'),
          specField('connectionId'),
          'connectionType VPC_LINK requires connectionId; set it to the VPC link id',
        ),
    },
    {
      cel: 'connectionId is only used with connectionType VPC_LINK; set connectionType: VPC_LINK or remove connectionId',
      check: (s) =>
        when(
          has(s, 'connectionId') && !isVpcLink(s),
          specField('connectionId'),
          'connectionId is only used with connectionType VPC_LINK; set connectionType: VPC_LINK or remove connectionId',
        ),
    },
    {
      cel: 'tlsConfig applies only to private integrations (connectionType VPC_LINK)',
      check: (s) =>
        assuming(
          ['tlsConfig'],
          when(
            has(s, 'tlsConfig') && !isVpcLink(s),
            specField('tlsConfig'),
            'tlsConfig applies only to private integrations; set connectionType: VPC_LINK with a connectionId, or remove tlsConfig',
          ),
        ),
    },
  ];
}

// What a given integration type needs is moot while the type itself is refused.
const typeRule = (check: (s: LooseSpec) => Finding[]) => (s: LooseSpec) => assuming(['integrationType'], check(s));

function targetTwins(): CelTwin[] {
  return [
    {
      // The CEL rule also fails when the URI is missing; the integrationUri twin reports that case.
      cel: 'HTTP and HTTP_PROXY integrations require integrationMethod and integrationUri',
      check: typeRule((s) =>
        when(
          (typeOf(s) === 'HTTP' || typeOf(s) === 'HTTP_PROXY') && !has(s, 'integrationMethod'),
          specField('integrationMethod'),
          `${typeOf(s)} integrations require integrationMethod; set the HTTP method used to call the backend (e.g. GET or ANY)`,
        ),
      ),
    },
    {
      cel: 'integrationUri is required (a Lambda ARN, a URL, a listener or Cloud Map ARN, or an AWS service action)',
      check: typeRule((s) =>
        when(
          typeOf(s) !== 'MOCK' && !has(s, 'integrationSubtype') && !has(s, 'integrationUri'),
          specField('integrationUri'),
          'integrationUri is required; set a Lambda ARN, an http(s) URL, a listener or Cloud Map ARN, or an AWS service action',
        ),
      ),
    },
    {
      cel: 'MOCK integrations take no integrationUri',
      check: typeRule((s) =>
        when(
          typeOf(s) === 'MOCK' && has(s, 'integrationUri'),
          specField('integrationUri'),
          'MOCK integrations take no integrationUri; remove it',
        ),
      ),
    },
    {
      cel: 'Lambda proxy integrations are invoked with POST; set integrationMethod: POST or leave it out',
      check: typeRule((s) =>
        when(
          typeOf(s) === 'AWS_PROXY' &&
            !has(s, 'integrationSubtype') &&
            has(s, 'integrationMethod') &&
            str(s, 'integrationMethod') !== 'POST',
          specField('integrationMethod'),
          'Lambda proxy integrations are invoked with POST; set integrationMethod: POST or leave it out',
        ),
      ),
    },
    // Once the protocol is known, each foreign field is named on its own instead.
    {
      cel: /^WebSocket-only fields .* cannot be combined with HTTP-API-only fields/,
      check: (s) => assuming(['unknownProtocol'], mixedProtocolFields(s)),
    },
    {
      cel: 'managementPolicy ObserveOnly needs spec.integrationId: the integration to observe',
      check: (s) =>
        when(
          str(s, 'managementPolicy') === 'ObserveOnly' && !has(s, 'integrationId'),
          specField('integrationId'),
          'managementPolicy ObserveOnly needs spec.integrationId: set the id of the integration to observe',
        ),
    },
    {
      cel: /^requestParameters keys must be append\|overwrite\|remove:header\.NAME/,
      check: (s) =>
        has(s, 'integrationSubtype')
          ? []
          : keysOf(record(s, 'requestParameters'))
              .filter((k) => !HTTP_MAPPING_KEY.test(k) && !WS_MAPPING_KEY.test(k))
              .map((k) =>
                problem(
                  specField('requestParameters', k),
                  'requestParameters keys must be append|overwrite|remove:header.NAME, append|overwrite|remove:querystring.NAME or overwrite:path (HTTP APIs), or integration.request.header|querystring|path.NAME (WebSocket APIs); rename this key',
                ),
              ),
    },
  ];
}

function mixedProtocolFields(s: LooseSpec): Problem[] {
  const ws = WEBSOCKET_ONLY_FIELDS.filter((f) => has(s, f));
  const http = HTTP_ONLY_FIELDS.filter((f) => has(s, f));
  return when(
    ws.length > 0 && http.length > 0,
    specField(),
    `WebSocket-only fields (${ws.join(', ')}) cannot be combined with HTTP-API-only fields (${http.join(', ')}); keep the ones for your API's protocol and remove the others`,
  );
}

/** Twins of the spec-level CEL rules (SPEC_RULES). */
export const SPEC_RULE_TWINS: readonly CelTwin[] = [
  ...subtypeTwins(),
  ...connectionTwins(),
  ...targetTwins(),
  ...INTEGRATION_RESPONSE_TWINS,
];

const emptyValues = (m: Record<string, unknown> | undefined, path: (k: string) => string, message: string): Problem[] =>
  Object.entries(m ?? {})
    .filter(([, v]) => v === '')
    .map(([k]) => problem(path(k), message));

const reservedKeys = (m: Record<string, unknown> | undefined, path: (k: string) => string): Problem[] =>
  keysOf(m)
    .filter((k) => RESERVED.test(k))
    .map((k) =>
      problem(path(k), `the header in ${k} is reserved by API Gateway and cannot be mapped; remove this mapping`),
    );

// How to fix a response mapping is moot on a WebSocket API, where responseParameters must go.
const responseRule = (check: (s: LooseSpec) => Finding[]) => (s: LooseSpec) =>
  assuming(['responseParameters'], check(s));

/** Twins of the CEL rules attached to the map fields; `at` is the schema path of the map. */
export const MAP_RULE_TWINS: readonly (CelTwin & { at: string })[] = [
  {
    at: 'requestParameters',
    cel: /^requestParameters values must not be empty/,
    check: (s) =>
      emptyValues(
        record(s, 'requestParameters'),
        (k) => specField('requestParameters', k),
        'requestParameters values must not be empty; remove: mappings still need a value, e.g. "\'\'"',
      ),
  },
  {
    at: 'requestParameters',
    cel: /^reserved headers/,
    check: (s) => reservedKeys(record(s, 'requestParameters'), (k) => specField('requestParameters', k)),
  },
  {
    at: 'responseParameters',
    cel: 'responseParameters keys must be HTTP status codes from 200 to 599',
    check: responseRule((s) =>
      keysOf(record(s, 'responseParameters'))
        .filter((k) => !STATUS_CODE.test(k))
        .map((k) =>
          problem(
            specField('responseParameters', k),
            'responseParameters keys must be HTTP status codes from 200 to 599; use the backend status code these mappings apply to',
          ),
        ),
    ),
  },
  {
    at: 'responseParameters',
    cel: 'response mapping keys must be append|overwrite|remove:header.NAME or overwrite:statuscode',
    check: responseRule((s) =>
      responseMaps(s).flatMap(([code, m]) =>
        keysOf(m)
          .filter((a) => !RESPONSE_KEY.test(a))
          .map((a) =>
            problem(
              specField('responseParameters', code, a),
              'response mapping keys must be append|overwrite|remove:header.NAME or overwrite:statuscode; rename this key',
            ),
          ),
      ),
    ),
  },
  {
    at: 'responseParameters.*',
    cel: /^mapping values must not be empty/,
    check: responseRule((s) =>
      responseMaps(s).flatMap(([code, m]) =>
        emptyValues(
          m,
          (k) => specField('responseParameters', code, k),
          'mapping values must not be empty; use a static value such as "\'\'" for remove: keys',
        ),
      ),
    ),
  },
  {
    at: 'responseParameters.*',
    cel: /^reserved headers/,
    check: responseRule((s) =>
      responseMaps(s).flatMap(([code, m]) => reservedKeys(m, (k) => specField('responseParameters', code, k))),
    ),
  },
];

function responseMaps(s: LooseSpec): [string, Record<string, unknown> | undefined][] {
  return Object.entries(record(s, 'responseParameters') ?? {}).map(([code, m]) => [code, record({ m }, 'm')]);
}

/** Twin of SPEC_TRANSITION_RULES: what may not change between the stored spec and an update. */
export const TRANSITION_RULE_TWINS: readonly TransitionTwin[] = [adoptedIdTwin('integrationId', KIND, 'integration')];
