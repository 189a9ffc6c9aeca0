// The stage field table is the one list of stage fields: the ApiStage spec's properties are exactly
// its rows plus the operator's own fields, each nested block's properties are exactly its member
// rows, status.observed has a property for exactly the rows it reports, the WebSocket-only route
// settings are the ones validation keeps off HTTP APIs, and every SDK name is the SDK's (checked by
// the type checker below, and here as the SDK's naming rule). A new stage field is a row, a schema
// property and a sample value below.
import { describe, expect, it } from '@jest/globals';
import type {
  AccessLogSettings,
  CreateStageRequest,
  GetStageResponse,
  RouteSettings,
  UpdateStageRequest,
} from '@aws-sdk/client-apigatewayv2';
import {
  ACCESS_LOG_FIELDS,
  OBSERVED_STAGE_FIELDS,
  ROUTE_SETTINGS_FIELDS,
  ROUTE_SETTINGS_FIELD_NAMES,
  STAGE_FIELDS,
  STAGE_FIELD_NAMES,
  STAGE_OPERATOR_FIELDS,
  STAGE_REPORTED_ONLY,
  type MemberRule,
} from '../../../src/api/v1alpha1/stage-fields.ts';
import { ApiStageSpec, ObservedStage, WEBSOCKET_ROUTE_SETTINGS } from '../../../src/api/v1alpha1/stage-schema.ts';
import { validateStageSpec } from '../../../src/api/v1alpha1/stage-validation.ts';

// The SDK's member names, checked by `tsc`: a row naming a member the SDK lacks fails the type check.
type AwsOf<T> = { [K in keyof T]: T[K] extends { aws: infer A } ? A : never }[keyof T];
type Yes<T extends true> = T;
export type StageMembersExist = Yes<
  AwsOf<typeof STAGE_FIELDS> extends keyof CreateStageRequest & keyof UpdateStageRequest & keyof GetStageResponse
    ? true
    : false
>;
export type RouteSettingsMembersExist = Yes<
  AwsOf<typeof ROUTE_SETTINGS_FIELDS> extends keyof RouteSettings ? true : false
>;
export type AccessLogMembersExist = Yes<AwsOf<typeof ACCESS_LOG_FIELDS> extends keyof AccessLogSettings ? true : false>;

const sorted = (xs: Iterable<string>) => [...xs].sort();
const propsOf = (schema: unknown) => Object.keys((schema as { properties: Record<string, unknown> }).properties);
const specProp = (f: string) => (ApiStageSpec.properties as Record<string, unknown>)[f];

/** A value for every row, valid on a WebSocket API (which takes every field). */
const SAMPLE: Record<string, unknown> = {
  description: 'Production',
  autoDeploy: false,
  stageVariables: { backend: 'orders.example.com' },
  defaultRouteSettings: {
    throttlingBurstLimit: 10,
    throttlingRateLimit: 5,
    detailedMetricsEnabled: true,
    loggingLevel: 'INFO',
    dataTraceEnabled: false,
  },
  routeSettings: { $connect: { throttlingBurstLimit: 1 } },
  accessLogSettings: {
    destinationArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:orders',
    format: '$context.requestId',
  },
};

const pascal = (f: string) => f[0]!.toUpperCase() + f.slice(1);
const websocketOnly = (rows: Record<string, MemberRule>) =>
  Object.keys(rows).filter((f) => sorted(rows[f]!.protocols).join() === 'WEBSOCKET');

describe('the stage field table', () => {
  it('covers the spec: schema properties = table rows + operator fields', () => {
    expect(sorted(propsOf(ApiStageSpec))).toEqual(sorted([...STAGE_FIELD_NAMES, ...STAGE_OPERATOR_FIELDS]));
  });

  it('covers each route-settings block and accessLogSettings member by member', () => {
    const perRoute = (specProp('routeSettings') as { additionalProperties: unknown }).additionalProperties;
    expect(sorted(propsOf(specProp('defaultRouteSettings')))).toEqual(sorted(ROUTE_SETTINGS_FIELD_NAMES));
    expect(sorted(propsOf(perRoute))).toEqual(sorted(ROUTE_SETTINGS_FIELD_NAMES));
    expect(sorted(propsOf(specProp('accessLogSettings')))).toEqual(sorted(Object.keys(ACCESS_LOG_FIELDS)));
  });

  it('gives status.observed a property for exactly the rows it reports, beside the protocol and what AWS alone reports', () => {
    expect(sorted(propsOf(ObservedStage))).toEqual(
      sorted(['protocolType', ...OBSERVED_STAGE_FIELDS, ...STAGE_REPORTED_ONLY]),
    );
  });

  it('keeps off HTTP APIs exactly the route settings validation refuses there', () => {
    expect(sorted(WEBSOCKET_ROUTE_SETTINGS)).toEqual(sorted(websocketOnly(ROUTE_SETTINGS_FIELDS)));
    expect(websocketOnly(STAGE_FIELDS)).toEqual([]);
  });

  it('names each member as the SDK does: the property in PascalCase', () => {
    for (const rows of [STAGE_FIELDS, ROUTE_SETTINGS_FIELDS, ACCESS_LOG_FIELDS] as Record<string, MemberRule>[])
      for (const [f, row] of Object.entries(rows)) expect([f, row.aws]).toEqual([f, pascal(f)]);
  });

  it('has a valid sample value for every row', () => {
    expect(sorted(Object.keys(SAMPLE))).toEqual(sorted(STAGE_FIELD_NAMES));
    const spec = { apiId: 'w1x2y3z', stageName: 'production', ...SAMPLE };
    expect(validateStageSpec(spec, 'WEBSOCKET')).toEqual({ ok: true, spec });
  });
});
