// The ApiIntegration schema, written once. TypeScript types (types.ts), the CRD YAML
// (crds/, via crd.ts) and runtime structural validation (validation.ts) all derive from it.
// Only keywords Kubernetes allows in structural schemas may appear here; CEL rules that do not
// depend on the API's protocol live beside the fields they constrain.
import { Type } from '@sinclair/typebox';
import { managementPolicyField, regionField, roleArnField, statusSchema } from './common-schema.ts';
import { deletionPolicySpecSchema } from './deletion-policy.ts';
import { INTEGRATION_RESPONSE_RULES, integrationResponsesField } from './response-schema.ts';
import { lambdaPermissionSpecSchema, lambdaPermissionStatusSchema } from './lambda-permission.ts';
import { HTTP_METHODS, ID_SHAPE, IAM_ROLE_ARN, StringEnum, adoptedIdRule, kindNames, type CelRule } from './group.ts';
import {
  DESCRIPTION_MAX,
  INTEGRATION_TYPES,
  CONNECTION_TYPES,
  PAYLOAD_FORMAT_VERSIONS,
  PASSTHROUGH_BEHAVIORS,
  CONTENT_HANDLING_STRATEGIES,
  SUBTYPE_PARAMETERS,
  INTEGRATION_SUBTYPES,
  HTTP_REQUEST_MAPPING_KEY,
  WEBSOCKET_REQUEST_KEY,
  SUBTYPE_PARAMETER_KEY,
  RESPONSE_MAPPING_KEY,
  STATUS_CODE_KEY,
  RESERVED_HEADER_KEY,
} from './vocabulary.ts';

export const INTEGRATION_NAMES = kindNames('ApiIntegration', ['apiint']);
export const { kind: KIND, plural: PLURAL } = INTEGRATION_NAMES;

// Importers of the schema get its vocabulary too.
export * from './vocabulary.ts';

const StringMap = (description: string, valueMax: number, maxProperties: number, extra: Record<string, unknown> = {}) =>
  Type.Unsafe<Record<string, string>>({
    type: 'object',
    description,
    maxProperties,
    additionalProperties: { type: 'string', maxLength: valueMax },
    ...extra,
  });

const has = (f: string) => `has(self.${f})`;
const subtypeRules: CelRule[] = INTEGRATION_SUBTYPES.map((subtype) => {
  const required = SUBTYPE_PARAMETERS[subtype].required;
  return {
    rule: `!has(self.integrationSubtype) || self.integrationSubtype != '${subtype}' || (has(self.requestParameters) && ${required
      .map((p) => `'${p}' in self.requestParameters`)
      .join(' && ')})`,
    message: `integrationSubtype ${subtype} requires requestParameters ${required.join(', ')}`,
    fieldPath: '.requestParameters',
    reason: 'FieldValueRequired',
  };
});

const WEBSOCKET_ONLY = [
  'requestTemplates',
  'templateSelectionExpression',
  'passthroughBehavior',
  'contentHandlingStrategy',
  'integrationResponses',
] as const;
const HTTP_ONLY = ['responseParameters', 'tlsConfig', 'integrationSubtype'] as const;

/** Cross-field rules that hold whatever the API's protocol; enforced at `kubectl apply`. */
export const SPEC_RULES: CelRule[] = [
  {
    rule: `!${has('integrationSubtype')} || self.integrationType == 'AWS_PROXY'`,
    message: 'integrationSubtype requires integrationType AWS_PROXY',
    fieldPath: '.integrationSubtype',
  },
  {
    rule: `!${has('integrationSubtype')} || (!${has('integrationUri')} && !${has('integrationMethod')})`,
    message: 'service integrations (integrationSubtype) take neither integrationUri nor integrationMethod; remove them',
    fieldPath: '.integrationSubtype',
  },
  {
    rule: `!${has('integrationSubtype')} || ${has('credentialsArn')}`,
    message: 'integrationSubtype requires credentialsArn: the IAM role API Gateway assumes to call the service',
    fieldPath: '.credentialsArn',
    reason: 'FieldValueRequired',
  },
  {
    rule: `!${has('integrationSubtype')} || !${has('credentialsArn')} || self.credentialsArn.matches(r'${IAM_ROLE_ARN}')`,
    message: 'service integrations (integrationSubtype) need an IAM role in credentialsArn, not a user',
    fieldPath: '.credentialsArn',
  },
  {
    rule: `!has(self.payloadFormatVersion) || self.payloadFormatVersion == '1.0' || (self.integrationType == 'AWS_PROXY' && !${has('integrationSubtype')})`,
    message:
      "payloadFormatVersion 2.0 is only for Lambda proxy integrations (AWS_PROXY without integrationSubtype); use '1.0'",
    fieldPath: '.payloadFormatVersion',
  },
  {
    rule: `!(${has('connectionType')} && self.connectionType == 'VPC_LINK') || ${has('connectionId')}`,
    message: 'connectionType VPC_LINK requires connectionId (the VPC link id)',
    fieldPath: '.connectionId',
    reason: 'FieldValueRequired',
  },
  {
    rule: `!${has('connectionId')} || (${has('connectionType')} && self.connectionType == 'VPC_LINK')`,
    message:
      'connectionId is only used with connectionType VPC_LINK; set connectionType: VPC_LINK or remove connectionId',
    fieldPath: '.connectionId',
  },
  {
    rule: `!${has('tlsConfig')} || (${has('connectionType')} && self.connectionType == 'VPC_LINK')`,
    message: 'tlsConfig applies only to private integrations (connectionType VPC_LINK)',
    fieldPath: '.tlsConfig',
  },
  {
    rule: `!(self.integrationType in ['HTTP', 'HTTP_PROXY']) || (${has('integrationMethod')} && ${has('integrationUri')})`,
    message: 'HTTP and HTTP_PROXY integrations require integrationMethod and integrationUri',
    fieldPath: '.integrationMethod',
    reason: 'FieldValueRequired',
  },
  {
    rule: `self.integrationType == 'MOCK' || ${has('integrationSubtype')} || ${has('integrationUri')}`,
    message: 'integrationUri is required (a Lambda ARN, a URL, a listener or Cloud Map ARN, or an AWS service action)',
    fieldPath: '.integrationUri',
    reason: 'FieldValueRequired',
  },
  {
    rule: `self.integrationType != 'MOCK' || !${has('integrationUri')}`,
    message: 'MOCK integrations take no integrationUri',
    fieldPath: '.integrationUri',
  },
  {
    rule: `self.integrationType != 'AWS_PROXY' || ${has('integrationSubtype')} || !${has('integrationMethod')} || self.integrationMethod == 'POST'`,
    message: 'Lambda proxy integrations are invoked with POST; set integrationMethod: POST or leave it out',
    fieldPath: '.integrationMethod',
  },
  {
    rule: `!((${WEBSOCKET_ONLY.map(has).join(' || ')}) && (${HTTP_ONLY.map(has).join(' || ')}))`,
    message: `WebSocket-only fields (${WEBSOCKET_ONLY.join(', ')}) cannot be combined with HTTP-API-only fields (${HTTP_ONLY.join(', ')})`,
  },
  {
    rule: `!${has('integrationSubtype')} || !${has('requestParameters')} || self.requestParameters.all(k, k.matches(r'${SUBTYPE_PARAMETER_KEY}'))`,
    message: 'service integrations take action parameter names (e.g. QueueUrl, MessageBody) as requestParameters keys',
    fieldPath: '.requestParameters',
  },
  {
    rule: `${has('integrationSubtype')} || !${has('requestParameters')} || self.requestParameters.all(k, k.matches(r'${HTTP_REQUEST_MAPPING_KEY}') || k.matches(r'${WEBSOCKET_REQUEST_KEY}'))`,
    message:
      'requestParameters keys must be append|overwrite|remove:header.NAME, append|overwrite|remove:querystring.NAME or overwrite:path (HTTP APIs), or integration.request.header|querystring|path.NAME (WebSocket APIs)',
    fieldPath: '.requestParameters',
  },
  {
    rule: `!${has('managementPolicy')} || self.managementPolicy != 'ObserveOnly' || ${has('integrationId')}`,
    message: 'managementPolicy ObserveOnly needs spec.integrationId: the integration to observe',
    fieldPath: '.integrationId',
    reason: 'FieldValueRequired',
  },
  ...subtypeRules,
  ...INTEGRATION_RESPONSE_RULES,
  {
    rule: `!${has('integrationSubtype')} || !${has('requestParameters')} || ${INTEGRATION_SUBTYPES.map(
      (s) =>
        `(self.integrationSubtype == '${s}' && self.requestParameters.all(k, k in [${[
          ...SUBTYPE_PARAMETERS[s].required,
          ...SUBTYPE_PARAMETERS[s].optional,
        ]
          .map((p) => `'${p}'`)
          .join(', ')}]))`,
    ).join(' || ')}`,
    message:
      'requestParameters has a parameter this integrationSubtype does not accept; see the subtype reference for allowed names',
    fieldPath: '.requestParameters',
  },
];

/** `spec.integrationId` names an adopted integration; changing it would silently re-point the object. */
export const SPEC_TRANSITION_RULES: CelRule[] = [adoptedIdRule('integrationId', KIND, 'integration')];

const MappingValues = (description: string) =>
  StringMap(description, 512, 100, {
    'x-kubernetes-validations': [
      {
        rule: 'self.all(k, size(self[k]) >= 1)',
        message: 'mapping values must not be empty (use a static value such as "\'\'" for remove: keys)',
      },
      {
        rule: `self.all(k, !k.matches(r'${RESERVED_HEADER_KEY}'))`,
        message:
          'reserved headers (Authorization, Host-like hop-by-hop headers, X-Forwarded-*, x-amz-*, x-amzn-*, apigw-*, access-control-*) cannot be mapped',
      },
    ],
  });

export const ApiIntegrationSpec = Type.Object(
  {
    apiId: Type.String({
      description:
        'ID of the API Gateway v2 API (HTTP or WebSocket) the integration belongs to. Changing it moves the integration: a new one is created under the new API, then the old one is deleted.',
      ...ID_SHAPE,
    }),
    integrationType: StringEnum(
      INTEGRATION_TYPES,
      'Integration type. HTTP APIs accept AWS_PROXY (Lambda or, with integrationSubtype, an AWS service) and HTTP_PROXY; WebSocket APIs accept AWS, AWS_PROXY, HTTP, HTTP_PROXY and MOCK.',
    ),
    integrationUri: Type.Optional(
      Type.String({
        description:
          'Lambda function ARN or invoke URI, http(s) URL, ALB/NLB listener or Cloud Map service ARN (private integrations), or AWS service action URI. Not used by service integrations (integrationSubtype) or MOCK.',
        minLength: 1,
        maxLength: 2048,
      }),
    ),
    integrationMethod: Type.Optional(
      StringEnum(
        HTTP_METHODS,
        'HTTP method used to call the backend. Required for HTTP and HTTP_PROXY; Lambda uses POST; service integrations take none.',
      ),
    ),
    integrationSubtype: Type.Optional(
      StringEnum(
        INTEGRATION_SUBTYPES as unknown as readonly string[],
        'HTTP APIs only: AWS service action for an AWS_PROXY service integration, e.g. SQS-SendMessage. Requires credentialsArn, payloadFormatVersion 1.0 and the action parameters in requestParameters.',
      ),
    ),
    connectionType: Type.Optional(
      StringEnum(CONNECTION_TYPES, 'INTERNET (default) or VPC_LINK for private integrations.'),
    ),
    connectionId: Type.Optional(
      Type.String({
        description: 'VPC link ID; required when connectionType is VPC_LINK.',
        minLength: 1,
        maxLength: 1024,
      }),
    ),
    credentialsArn: Type.Optional(
      Type.String({
        description:
          'IAM role API Gateway assumes to call the backend (required for service integrations, which take only a role), or arn:aws:iam::*:user/* to pass the caller identity through to Lambda or HTTP backends.',
        maxLength: 2048,
        pattern: '^arn:aws[a-zA-Z-]*:iam::([0-9]{12}|\\*):(role|user)/.+$',
      }),
    ),
    description: Type.Optional(
      Type.String({
        description: `Free-form description, at most ${DESCRIPTION_MAX} bytes in UTF-8 (${DESCRIPTION_MAX} ASCII characters, fewer otherwise): AWS allows 1024 and the operator appends an ownership marker.`,
        maxLength: DESCRIPTION_MAX,
      }),
    ),
    payloadFormatVersion: Type.Optional(
      StringEnum(
        PAYLOAD_FORMAT_VERSIONS,
        "Payload format sent to the backend. Required on HTTP APIs: '1.0' or '2.0' for Lambda proxy, '1.0' for everything else. On WebSocket APIs only '1.0' (what AWS reports anyway), or leave it out.",
      ),
    ),
    passthroughBehavior: Type.Optional(
      StringEnum(
        PASSTHROUGH_BEHAVIORS,
        'WebSocket APIs only: how unmapped request content types pass through to the backend.',
      ),
    ),
    contentHandlingStrategy: Type.Optional(
      StringEnum(CONTENT_HANDLING_STRATEGIES, 'WebSocket APIs only: how to convert the request payload.'),
    ),
    requestParameters: Type.Optional(
      StringMap(
        'Request parameter mappings. HTTP APIs: keys append|overwrite|remove:header.NAME, append|overwrite|remove:querystring.NAME or overwrite:path, values like $request.header.NAME, $context.VAR or a static string. Service integrations: action parameters (e.g. QueueUrl). WebSocket APIs: keys integration.request.header|querystring|path.NAME with route.request.*, context.* or quoted static values. Removing a key removes the mapping in AWS.',
        512,
        100,
        {
          'x-kubernetes-validations': [
            {
              rule: 'self.all(k, size(self[k]) >= 1)',
              message: 'requestParameters values must not be empty (remove: mappings still need a value, e.g. "\'\'")',
            },
            {
              rule: `self.all(k, !k.matches(r'${RESERVED_HEADER_KEY}'))`,
              message:
                'reserved headers (Authorization, Connection, Content-Length, Host-like hop-by-hop headers, X-Forwarded-*, x-amz-*, x-amzn-*, apigw-*, access-control-*) cannot be mapped',
            },
          ],
        },
      ),
    ),
    requestTemplates: Type.Optional(
      StringMap('WebSocket APIs only: VTL request templates keyed by content type.', 32768, 20),
    ),
    responseParameters: Type.Optional(
      Type.Unsafe<Record<string, Record<string, string>>>({
        type: 'object',
        description:
          'HTTP APIs only: response mappings keyed by backend status code (200-599); each maps append|overwrite|remove:header.NAME or overwrite:statuscode to $response.header.NAME, $response.body.PATH, $context.VAR or a static value. Removing a status code removes its mappings in AWS.',
        maxProperties: 50,
        additionalProperties: MappingValues('Response mappings for one status code.'),
        'x-kubernetes-validations': [
          {
            rule: `self.all(k, k.matches(r'${STATUS_CODE_KEY}'))`,
            message: 'responseParameters keys must be HTTP status codes from 200 to 599',
          },
          {
            rule: `self.all(k, self[k].all(a, a.matches(r'${RESPONSE_MAPPING_KEY}')))`,
            message: 'response mapping keys must be append|overwrite|remove:header.NAME or overwrite:statuscode',
          },
        ],
      }),
    ),
    templateSelectionExpression: Type.Optional(
      Type.String({
        description: 'WebSocket APIs only: template selection expression.',
        minLength: 1,
        maxLength: 1024,
      }),
    ),
    timeoutInMillis: Type.Optional(
      Type.Integer({
        description:
          'Backend timeout in milliseconds: 50-30000 on HTTP APIs (default 30000), 50-29000 on WebSocket APIs (default 29000).',
        minimum: 50,
        maximum: 30000,
      }),
    ),
    tlsConfig: Type.Optional(
      Type.Object(
        {
          serverNameToVerify: Type.String({
            description: 'Host name API Gateway verifies in the backend certificate and sends as SNI.',
            minLength: 1,
            maxLength: 512,
          }),
        },
        { description: 'HTTP API private integrations only: TLS to the backend.' },
      ),
    ),
    integrationResponses: integrationResponsesField(),
    region: regionField('moves the integration'),
    roleArn: roleArnField(
      "IAM role to act through (another account's, for example). Refused unless the Namespace allows it: it must equal the namespace's apigw.dev/role-arn annotation or be listed in its apigw.dev/allowed-role-arns annotation. Defaults to the namespace's role, else the operator's own identity.",
    ),
    deletionPolicy: deletionPolicySpecSchema('integration'),
    integrationId: Type.Optional(
      Type.String({
        description:
          'Adopt this existing integration instead of creating one. Immutable once set. Integrations made by quick create (apiGatewayManaged), or managed by another ApiIntegration that still exists, are refused.',
        ...ID_SHAPE,
      }),
    ),
    managementPolicy: managementPolicyField(
      'Manage (default) makes AWS match the spec; ObserveOnly only reads the integration and reports it in status, never writing to AWS.',
    ),
    lambdaPermission: lambdaPermissionSpecSchema(),
  },
  {
    description:
      'Desired state of one API Gateway v2 integration: the CreateIntegration input in lowerCamelCase, plus operator settings.',
    'x-kubernetes-validations': [...SPEC_RULES, ...SPEC_TRANSITION_RULES],
  },
);

export const ObservedIntegration = Type.Object(
  {
    apiId: Type.Optional(Type.String({ description: 'API the observed integration belongs to.' })),
    region: Type.Optional(Type.String({ description: 'Region of the observed integration.' })),
    protocolType: Type.Optional(Type.String({ description: 'HTTP or WEBSOCKET, as reported by GetApi.' })),
    integrationType: Type.Optional(Type.String({ description: 'Integration type reported by AWS.' })),
    integrationUri: Type.Optional(Type.String({ description: 'Integration URI reported by AWS.' })),
    integrationMethod: Type.Optional(
      Type.String({ description: 'Method reported by AWS (AWS fills in POST for Lambda).' }),
    ),
    integrationSubtype: Type.Optional(Type.String({ description: 'Service integration subtype reported by AWS.' })),
    connectionType: Type.Optional(Type.String({ description: 'Connection type (INTERNET when not set).' })),
    payloadFormatVersion: Type.Optional(Type.String({ description: 'Payload format version reported by AWS.' })),
    timeoutInMillis: Type.Optional(Type.Integer({ description: 'Timeout reported by AWS, including its default.' })),
    passthroughBehavior: Type.Optional(Type.String({ description: 'Passthrough behaviour reported by AWS.' })),
    integrationResponseSelectionExpression: Type.Optional(
      Type.String({ description: 'WebSocket APIs: the integration response selection expression AWS reports.' }),
    ),
    apiGatewayManaged: Type.Optional(
      Type.Boolean({ description: 'True for integrations made by quick create; those cannot be deleted.' }),
    ),
  },
  { description: 'What AWS reports for the integration, including values AWS defaulted.' },
);

export const ApiIntegrationStatus = statusSchema(
  'integration',
  {
    integrationId: Type.Optional(Type.String({ description: 'ID of the integration in API Gateway.' })),
    lambdaPermission: lambdaPermissionStatusSchema(),
  },
  ObservedIntegration,
);

export const PRINTER_COLUMNS = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Live', type: 'string', jsonPath: '.status.conditions[?(@.type=="Live")].status' },
  { name: 'Integration ID', type: 'string', jsonPath: '.status.integrationId' },
  { name: 'Type', type: 'string', jsonPath: '.spec.integrationType' },
  { name: 'API', type: 'string', jsonPath: '.spec.apiId' },
  { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
  { name: 'Live Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Live")].reason', priority: 1 },
  { name: 'On Delete', type: 'string', jsonPath: '.status.deletionPolicy', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
