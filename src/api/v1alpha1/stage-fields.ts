// The stage fields, once: for each CreateStage / UpdateStage field the ApiStage spec carries, its SDK
// member, the protocols that take it, and whether status.observed reports it; the same for the
// members of a route-settings block and of accessLogSettings. The schema (stage-schema.ts) reports
// the observed rows, validation keeps the WebSocket-only rows off HTTP APIs, and
// test/unit/api/stage-fields.test.ts checks the table against the schema and the SDK's types: a new
// stage field is a row here, its spec property, and a sample value in that test.
//
// How AWS takes a change, for the reconciler that maps these rows:
// - UpdateStage merges like UpdateIntegration: a field left out stays as it is.
// - stageVariables: a removed variable is sent with an empty value (what Terraform's
//   aws_apigatewayv2_stage does on update), the kept ones go along.
// - routeSettings: a removed route key needs DeleteRouteSettings, one call per key.
// - accessLogSettings: removing the block needs DeleteAccessLogSettings.
// - loggingLevel and dataTraceEnabled are "supported only for WebSocket APIs" (CreateStage); AWS
//   refuses them on HTTP APIs ("Execution logs are not supported on protocolType HTTP").
// stageName is the stage's identity (a path parameter of every call) and is never updated.
import { observedRows, type ObservedRow } from './common-schema.ts';
import type { Protocol } from './group.ts';

/**
 * How a field is compared and cleared:
 * - scalar: a string or boolean;
 * - map: a string map (stageVariables);
 * - settings: one route-settings block (ROUTE_SETTINGS_FIELDS);
 * - settingsMap: route-settings blocks keyed by route key;
 * - accessLog: the accessLogSettings block (ACCESS_LOG_FIELDS).
 */
export type StageFieldKind = 'scalar' | 'map' | 'settings' | 'settingsMap' | 'accessLog';

export interface StageFieldRule {
  kind: StageFieldKind;
  /** The SDK's member name (CreateStage / UpdateStage / Stage); stage-fields.test.ts checks it. */
  aws: string;
  /** Protocols that take the field. */
  protocols: readonly Protocol[];
  /** Reported in status.observed, with this description; absent: not reported. */
  observed?: string;
}

/** A member of a nested block: its SDK name and the protocols that take it. */
export interface MemberRule {
  aws: string;
  protocols: readonly Protocol[];
}

const BOTH: readonly Protocol[] = ['HTTP', 'WEBSOCKET'];
/** CreateStage documents these route settings as "supported only for WebSocket APIs". */
const WS: readonly Protocol[] = ['WEBSOCKET'];

// Rows in this order: a diff names changed fields in it.
export const STAGE_FIELDS = {
  description: { kind: 'scalar', aws: 'Description', protocols: BOTH, observed: 'Description reported by AWS.' },
  autoDeploy: {
    kind: 'scalar',
    aws: 'AutoDeploy',
    protocols: BOTH,
    observed: 'Whether AWS deploys every change to the API by itself (false when not set).',
  },
  stageVariables: { kind: 'map', aws: 'StageVariables', protocols: BOTH },
  defaultRouteSettings: { kind: 'settings', aws: 'DefaultRouteSettings', protocols: BOTH },
  routeSettings: { kind: 'settingsMap', aws: 'RouteSettings', protocols: BOTH },
  accessLogSettings: { kind: 'accessLog', aws: 'AccessLogSettings', protocols: BOTH },
} as const satisfies Record<string, StageFieldRule>;

export type StageFieldName = keyof typeof STAGE_FIELDS;
export const STAGE_FIELD_NAMES = Object.keys(STAGE_FIELDS) as StageFieldName[];

/** The row of a field, as the common rule type. */
export const stageFieldRule = (f: StageFieldName): StageFieldRule => STAGE_FIELDS[f];

/** The members of a route-settings block (defaultRouteSettings, and each routeSettings entry). */
export const ROUTE_SETTINGS_FIELDS = {
  throttlingBurstLimit: { aws: 'ThrottlingBurstLimit', protocols: BOTH },
  throttlingRateLimit: { aws: 'ThrottlingRateLimit', protocols: BOTH },
  detailedMetricsEnabled: { aws: 'DetailedMetricsEnabled', protocols: BOTH },
  loggingLevel: { aws: 'LoggingLevel', protocols: WS },
  dataTraceEnabled: { aws: 'DataTraceEnabled', protocols: WS },
} as const satisfies Record<string, MemberRule>;

export type RouteSettingsFieldName = keyof typeof ROUTE_SETTINGS_FIELDS;
export const ROUTE_SETTINGS_FIELD_NAMES = Object.keys(ROUTE_SETTINGS_FIELDS) as RouteSettingsFieldName[];

/** The members of accessLogSettings. */
export const ACCESS_LOG_FIELDS = {
  destinationArn: { aws: 'DestinationArn', protocols: BOTH },
  format: { aws: 'Format', protocols: BOTH },
} as const satisfies Record<string, MemberRule>;

/** The rows status.observed reports. */
export type ObservedStageFieldName = ObservedRow<typeof STAGE_FIELDS>;
export const OBSERVED_STAGE_FIELDS = observedRows(STAGE_FIELDS);

/**
 * Spec fields that steer the operator or name the stage; never sent to AWS as they are (stageName
 * only as the stage's name: CreateStage's StageName and the path of every other call).
 */
export const STAGE_OPERATOR_FIELDS = [
  'apiId',
  'stageName',
  'region',
  'roleArn',
  'deletionPolicy',
  'managementPolicy',
  'adopt',
  'deploymentPolicy',
] as const;

/** What AWS reports beyond the spec's fields, kept in status.observed. */
export const STAGE_REPORTED_ONLY = ['apiGatewayManaged', 'lastDeploymentStatusMessage'] as const;
