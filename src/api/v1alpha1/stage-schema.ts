// The ApiStage schema, written once like the other kinds': TypeScript types (stage-types.ts), the
// CRD YAML (stage-crd.ts) and runtime structural validation (stage-validation.ts) derive from it.
// status.observed follows the field table (stage-fields.ts). CEL rules that hold whatever the API's
// protocol live here; the ones that need the protocol (learned from GetApi) are in
// stage-validation.ts only. AWS limits, with their sources:
// - stage names: alphanumerics, hyphens and underscores, at most 128 characters (API reference,
//   Stage: docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename.html),
//   or `$default`, the stage served at the API's base URL (developer guide, "Stages for HTTP APIs");
// - stage variables: names of alphanumerics and underscores, values matching
//   [A-Za-z0-9-._~:/?#&=,]+ (CreateStage/UpdateStage StageVariables); 100 per stage, names up to
//   64 and values up to 512 characters, none of it adjustable (developer guide, "Quotas for
//   configuring and running an HTTP API");
// - access log format: one line (a newline only at the end) holding $context.requestId or
//   $context.extendedRequestId, at most 3 KB (same quotas page); the destination is a CloudWatch
//   Logs log group ARN, arn:aws:logs:REGION:ACCOUNT:log-group:NAME ("Configure logging for HTTP APIs").
import { Type, type Static } from '@sinclair/typebox';
import {
  managementPolicyField,
  observedFieldSchemas,
  regionField,
  roleArnField,
  statusSchema,
} from './common-schema.ts';
import { deletionPolicySpecSchema } from './deletion-policy.ts';
import {
  HTTP_ROUTE_KEY,
  HTTP_ROUTE_KEY_START,
  ID_SHAPE,
  PREDEFINED_ROUTE_KEYS,
  StringEnum,
  kindNames,
  type CelRule,
} from './group.ts';
import { OBSERVED_STAGE_FIELDS, STAGE_FIELDS } from './stage-fields.ts';

export const STAGE_NAMES = kindNames('ApiStage', ['apistage']);
export const { kind: STAGE_KIND, plural: STAGE_PLURAL } = STAGE_NAMES;

/** OnChange (the default when unset): a deployment once the API has settled after changes. Manual: only on request. */
export const DEPLOYMENT_POLICIES = ['OnChange', 'Manual'] as const;
export const LOGGING_LEVELS = ['ERROR', 'INFO', 'OFF'] as const;
/** Route settings CreateStage documents as "supported only for WebSocket APIs" (stage-fields.ts rows). */
export const WEBSOCKET_ROUTE_SETTINGS = ['loggingLevel', 'dataTraceEnabled'] as const;

/** A stage name: `$default`, or alphanumerics, hyphens and underscores. */
export const STAGE_NAME = '^(\\$default|[A-Za-z0-9_-]+)$';
export const STAGE_NAME_MAX = 128;
export const STAGE_VARIABLE_NAME = '^[A-Za-z0-9_]+$';
export const STAGE_VARIABLE_NAME_MAX = 64;
export const STAGE_VARIABLE_VALUE = '^[A-Za-z0-9._~:/?#&=,-]+$';
export const STAGE_VARIABLES_MAX = 100;
export const ACCESS_LOG_DESTINATION = '^arn:aws[a-zA-Z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[A-Za-z0-9_/.#-]+$';
/** The access log template quota: 3 KB. */
export const ACCESS_LOG_FORMAT_MAX = 3072;
/** The request ids AWS requires in an access log format: either one will do. */
export const ACCESS_LOG_REQUEST_IDS = ['$context.requestId', '$context.extendedRequestId'] as const;
/** Route settings are keyed by route key; an API has at most 300 routes by default (quotas page). */
export const ROUTE_SETTINGS_MAX = 300;

const has = (f: string) => `has(self.${f})`;
const list = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

/** Cross-field rules that hold whatever the API's protocol; enforced at `kubectl apply`. */
export const STAGE_SPEC_RULES: CelRule[] = [
  {
    rule: `!(${has('autoDeploy')} && self.autoDeploy) || !${has('deploymentPolicy')} || self.deploymentPolicy != 'Manual'`,
    message:
      'autoDeploy true makes AWS deploy every change at once, which contradicts deploymentPolicy Manual; drop one of them',
    fieldPath: '.autoDeploy',
  },
  {
    rule: `!${has('managementPolicy')} || self.managementPolicy != 'ObserveOnly' || (${has('adopt')} && self.adopt)`,
    message: 'managementPolicy ObserveOnly observes an existing stage: set adopt true',
    fieldPath: '.adopt',
    reason: 'FieldValueRequired',
  },
];

/**
 * What may not change: the stage name and its API are the stage's identity in AWS (UpdateStage can
 * neither rename a stage nor move it to another API; a stage of another API is another ApiStage),
 * and turning adopt off would silently make a taken-over stage deletable (the unset deletion
 * policy of an adopted stage is Retain).
 */
export const STAGE_TRANSITION_RULES: CelRule[] = [
  {
    rule: 'self.stageName == oldSelf.stageName',
    message: 'spec.stageName is immutable; create a new ApiStage for another stage',
    fieldPath: '.stageName',
  },
  {
    rule: 'self.apiId == oldSelf.apiId',
    message: 'spec.apiId is immutable; create a new ApiStage for a stage of another API',
    fieldPath: '.apiId',
  },
  {
    rule: 'has(self.region) == has(oldSelf.region) && (!has(self.region) || self.region == oldSelf.region)',
    message: 'spec.region is immutable; create a new ApiStage for a stage of another API',
    fieldPath: '.region',
  },
  {
    rule: '!has(oldSelf.adopt) || !oldSelf.adopt || (has(self.adopt) && self.adopt)',
    message:
      'spec.adopt cannot be turned off once true; to delete the stage with the object, set deletionPolicy Delete',
    fieldPath: '.adopt',
  },
];

/** Rules on the keys of routeSettings: the same key shapes as ApiRoute's routeKey. */
export const ROUTE_SETTINGS_KEY_RULES: CelRule[] = [
  {
    rule: `self.all(k, !k.startsWith('$') || k in ${list(PREDEFINED_ROUTE_KEYS)})`,
    message:
      'routeSettings keys are route keys: those starting with $ are $default, or $connect / $disconnect on WebSocket APIs',
  },
  {
    rule: `self.all(k, !k.matches(r'${HTTP_ROUTE_KEY_START}') || k.matches(r'${HTTP_ROUTE_KEY}'))`,
    message:
      'routeSettings keys shaped like HTTP routes must be METHOD /path as the route has it: a path variable is a whole segment {name}, a greedy {name+} comes last',
  },
];

export const STAGE_VARIABLE_RULES: CelRule[] = [
  {
    rule: `self.all(k, k.matches(r'${STAGE_VARIABLE_NAME}') && size(k) <= ${STAGE_VARIABLE_NAME_MAX})`,
    message: `stageVariables names are letters, digits and underscores, at most ${STAGE_VARIABLE_NAME_MAX} characters`,
  },
];

const requestIdIn = (f: string) => ACCESS_LOG_REQUEST_IDS.map((id) => `${f}.contains('${id}')`).join(' || ');
export const ACCESS_LOG_RULES: CelRule[] = [
  {
    rule: requestIdIn('self.format'),
    message: 'accessLogSettings.format must include $context.requestId or $context.extendedRequestId',
    fieldPath: '.format',
  },
  {
    rule: `!self.format.matches(r'[\\r\\n].')`,
    message: 'accessLogSettings.format must be a single line (a newline only at the very end)',
    fieldPath: '.format',
  },
];

const RouteSettings = (description: string) =>
  Type.Object(
    {
      throttlingBurstLimit: Type.Optional(
        Type.Integer({ description: 'Requests the route may take in a burst.', minimum: 0, format: 'int32' }),
      ),
      throttlingRateLimit: Type.Optional(
        Type.Number({ description: 'Steady-state requests per second the route may take.', minimum: 0 }),
      ),
      detailedMetricsEnabled: Type.Optional(
        Type.Boolean({ description: 'Whether CloudWatch gets per-route metrics. Default false.' }),
      ),
      loggingLevel: Type.Optional(
        StringEnum(
          LOGGING_LEVELS,
          'WebSocket APIs only: execution logging, ERROR, INFO or OFF (quote "OFF" in YAML: kubectl reads a bare OFF as false).',
        ),
      ),
      dataTraceEnabled: Type.Optional(
        Type.Boolean({
          description:
            'WebSocket APIs only: log full requests and responses (may log sensitive data; not for production).',
        }),
      ),
    },
    { description },
  );

export const ApiStageSpec = Type.Object(
  {
    apiId: Type.String({
      description: 'ID of the API Gateway v2 API (HTTP or WebSocket) the stage belongs to.',
      ...ID_SHAPE,
    }),
    stageName: Type.String({
      description:
        "Name of the stage, unique per API and part of its invoke URL: letters, digits, hyphens and underscores, or $default (HTTP APIs: served at the API's base URL). Immutable.",
      minLength: 1,
      maxLength: STAGE_NAME_MAX,
      pattern: STAGE_NAME,
    }),
    adopt: Type.Optional(
      Type.Boolean({
        description:
          'Take over the existing stage of this name. Without it an existing stage is left alone and reported as taken. Cannot be turned off once true; an adopted stage is retained on delete unless deletionPolicy says Delete.',
      }),
    ),
    autoDeploy: Type.Optional(
      Type.Boolean({
        description:
          'Let AWS deploy every change to the API by itself (default false). The operator then makes no deployments; incompatible with deploymentPolicy Manual.',
      }),
    ),
    deploymentPolicy: Type.Optional(
      StringEnum(
        DEPLOYMENT_POLICIES,
        'OnChange (default): make one deployment once the API has settled after changes, none when nothing changed. Manual: deploy only when the annotation apigw.dev/deploy-requested-at gets a new value.',
      ),
    ),
    description: Type.Optional(Type.String({ description: 'Description of the stage.', maxLength: 1024 })),
    stageVariables: Type.Optional(
      Type.Unsafe<Record<string, string>>({
        type: 'object',
        description: `Stage variables, referenced as \${stageVariables.NAME} by integrations (at most ${STAGE_VARIABLES_MAX}). Not for secrets. Removing a key removes the variable in AWS.`,
        maxProperties: STAGE_VARIABLES_MAX,
        additionalProperties: {
          type: 'string',
          description: 'Value: letters, digits and -._~:/?#&=, only, at most 512 characters.',
          minLength: 1,
          maxLength: 512,
          pattern: STAGE_VARIABLE_VALUE,
        },
        'x-kubernetes-validations': STAGE_VARIABLE_RULES,
      }),
    ),
    defaultRouteSettings: Type.Optional(RouteSettings('Settings for every route without settings of its own.')),
    routeSettings: Type.Optional(
      Type.Unsafe<Record<string, Static<ReturnType<typeof RouteSettings>>>>({
        type: 'object',
        description:
          'Settings per route, keyed by route key (e.g. GET /items or $connect); the route must exist on the API. Removing a key removes its settings in AWS.',
        maxProperties: ROUTE_SETTINGS_MAX,
        additionalProperties: RouteSettings('Settings of one route.'),
        'x-kubernetes-validations': ROUTE_SETTINGS_KEY_RULES,
      }),
    ),
    accessLogSettings: Type.Optional(
      Type.Object(
        {
          destinationArn: Type.String({
            description: 'ARN of the CloudWatch Logs log group, arn:aws:logs:REGION:ACCOUNT:log-group:NAME.',
            maxLength: 1024,
            pattern: ACCESS_LOG_DESTINATION,
          }),
          format: Type.String({
            description: 'One line of $context variables, including $context.requestId or $context.extendedRequestId.',
            minLength: 1,
            maxLength: ACCESS_LOG_FORMAT_MAX,
          }),
        },
        {
          description: 'Access logging to CloudWatch Logs. Removing the block turns access logging off.',
          'x-kubernetes-validations': ACCESS_LOG_RULES,
        },
      ),
    ),
    region: regionField(),
    roleArn: roleArnField(),
    deletionPolicy: deletionPolicySpecSchema('stage'),
    managementPolicy: managementPolicyField(
      'Manage (default) makes AWS match the spec and deploys; ObserveOnly only reads the stage (adopt true) and reports it in status, never writing to AWS.',
    ),
  },
  {
    description:
      'Desired state of one API Gateway v2 stage: the CreateStage input in lowerCamelCase, plus when to deploy and operator settings.',
    'x-kubernetes-validations': [...STAGE_SPEC_RULES, ...STAGE_TRANSITION_RULES],
  },
);

export const ObservedStage = Type.Object(
  {
    protocolType: Type.Optional(Type.String({ description: 'HTTP or WEBSOCKET, as reported by GetApi.' })),
    ...observedFieldSchemas(ApiStageSpec, STAGE_FIELDS, OBSERVED_STAGE_FIELDS),
    apiGatewayManaged: Type.Optional(
      Type.Boolean({ description: 'True for the stage quick create made; those cannot be managed.' }),
    ),
    lastDeploymentStatusMessage: Type.Optional(
      Type.String({ description: 'With autoDeploy: how the last automatic deployment went, as AWS reports it.' }),
    ),
  },
  { description: 'What AWS reports for the stage, including values AWS defaulted.' },
);

/** An object holding a deployment back, or left out of one. */
const WaitingOn = Type.Object(
  {
    kind: Type.String({ description: 'Kind of the object: ApiIntegration or ApiRoute.', maxLength: 64 }),
    name: Type.String({ description: 'Name of the object.', maxLength: 253 }),
    namespace: Type.String({ description: 'Namespace of the object.', maxLength: 63 }),
    reason: Type.String({
      description:
        'The Ready reason that holds it back (e.g. IntegrationNotReady), or Stalled: REASON for one left out of the deployment.',
      maxLength: 128,
    }),
  },
  { description: 'One object on the API that is not settled.' },
);

export const ApiStageStatus = statusSchema(
  'stage',
  {
    apiId: Type.Optional(Type.String({ description: 'API of the stage the operator manages.' })),
    region: Type.Optional(Type.String({ description: 'Region of that API.' })),
    stageName: Type.Optional(Type.String({ description: 'Name of the stage in AWS.' })),
    deploymentId: Type.Optional(Type.String({ description: 'ID of the deployment the stage serves.' })),
    servedObjects: Type.Optional(
      Type.Unsafe<Record<string, number>>({
        type: 'object',
        description:
          'The ApiIntegrations and ApiRoutes the served deployment holds, as Kind/namespace/name: generation; their Live condition reads it.',
        maxProperties: 1000,
        additionalProperties: { type: 'integer', description: 'The generation of that object the deployment holds.' },
      }),
    ),
    deployedRevision: Type.Optional(
      Type.String({
        description:
          "Digest of the API's routes and integrations in the deployment the operator made last; also in that deployment's description, so a restart does not deploy again.",
        maxLength: 128,
      }),
    ),
    lastDeployedAt: Type.Optional(
      Type.String({ description: 'When the operator made its last deployment.', format: 'date-time' }),
    ),
    lastHandledDeployAt: Type.Optional(
      Type.String({
        description: 'The last apigw.dev/deploy-requested-at value the operator acted on.',
        maxLength: 256,
      }),
    ),
    waitingOn: Type.Optional(
      Type.Unsafe<Static<typeof WaitingOn>[]>({
        type: 'array',
        description:
          'Objects on the API that hold the next deployment back (not yet Ready for their generation), or that were left out of it because they are Stalled. At most 100 listed.',
        items: WaitingOn,
        maxItems: 100,
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
  },
  ObservedStage,
);

export const STAGE_PRINTER_COLUMNS = [
  { name: 'API', type: 'string', jsonPath: '.spec.apiId' },
  { name: 'Stage', type: 'string', jsonPath: '.spec.stageName' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Deployment', type: 'string', jsonPath: '.status.deploymentId' },
  { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
  { name: 'Policy', type: 'string', jsonPath: '.spec.deploymentPolicy', priority: 1 },
  { name: 'On Delete', type: 'string', jsonPath: '.status.deletionPolicy', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
