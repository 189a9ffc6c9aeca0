// Converts between the route fields in the spec's lowerCamelCase names and the SDK's PascalCase
// shapes, row by row of the route field table, and reads the answers only route calls get: a route
// key that is taken, and a target that names no integration.
import type { CreateRouteCommandInput, Route, UpdateRouteCommandInput } from '@aws-sdk/client-apigatewayv2';
import { ROUTE_FIELDS, ROUTE_FIELD_NAMES, type RouteFieldName } from '../../api/v1alpha1/route-fields.ts';
import { AwsError } from '../../kind/errors.ts';
import { RouteKeyExistsError } from '../../apiroute/errors.ts';
import type { ObservedRoute, ParameterConstraints, RouteFields } from '../../apiroute/ports.ts';

type SdkMember = keyof CreateRouteCommandInput & keyof UpdateRouteCommandInput & keyof Route;
type SdkName = (typeof ROUTE_FIELDS)[RouteFieldName]['aws'];
// Checked by the compiler: a row naming anything CreateRoute and UpdateRoute do not take, or GetRoute
// does not report, narrows the return type below and fails to compile.
const sdkName = (f: RouteFieldName): SdkName & SdkMember => ROUTE_FIELDS[f].aws;

type SdkConstraints = Record<string, { Required?: boolean }>;

// `required` defaults to false in AWS; sending it always keeps an update from depending on what a
// member left out means inside a merged map.
const toSdkParameters = (m: Record<string, ParameterConstraints>): SdkConstraints =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { Required: v.required ?? false }]));

const fromSdkParameters = (m: SdkConstraints): Record<string, ParameterConstraints> =>
  Object.fromEntries(
    Object.entries(m).map(([k, v]) => [k, typeof v?.Required === 'boolean' ? { required: v.Required } : {}]),
  );

/** SDK input members for CreateRoute / UpdateRoute. Absent fields are not sent; "" and [] are (they clear). */
export function toRouteInput(fields: RouteFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of ROUTE_FIELD_NAMES) {
    const v = fields[f];
    if (v === undefined) continue;
    out[sdkName(f)] =
      ROUTE_FIELDS[f].kind === 'parameters' ? toSdkParameters(v as Record<string, ParameterConstraints>) : v;
  }
  return out;
}

/** What AWS reports, with nulls and absent members dropped. */
export function fromSdkRoute(r: Route): ObservedRoute {
  const src = r as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { routeId: r.RouteId ?? '', routeKey: r.RouteKey ?? '' };
  for (const f of ROUTE_FIELD_NAMES) {
    const v = src[sdkName(f)];
    if (v === undefined || v === null) continue;
    out[f] = ROUTE_FIELDS[f].kind === 'parameters' ? fromSdkParameters(v as SdkConstraints) : v;
  }
  if (r.ApiGatewayManaged) out.apiGatewayManaged = true;
  return out as unknown as ObservedRoute;
}

// Real AWS, through CloudFormation: "Route with key $connect already exists for this API (Service:
// AmazonApiGatewayV2; Status Code: 409; Error Code: ConflictException)" (serverless/serverless#7260;
// anomalyco/sst#5031 has the same words for "ANY /{proxy+}"). The API reference lists CreateRoute's
// 409 as "The resource already exists". AWS also says ConflictException for a concurrent
// modification, which is worth another try; this is not.
const KEY_EXISTS = /Route with key .* already exists/i;
// A key that differs only in a path variable's name is refused as a conflict too, and no retry or
// listing by key helps: "The provided route key "GET /a/{id}/b" has a conflicting variable on the same
// hierarchical level as "GET /a/{x}/b" (… Status Code: 409; Error Code: ConflictException)"
// (plutomi/plutomi#271). Only another routeKey in the spec does.
const KEY_CLASHES = /conflicting variable on the same hierarchical level/i;

/** Tells a taken or clashing route key apart from a concurrent modification; other errors pass as they are. */
export function refineRouteKeyError(err: AwsError, routeKey: string | undefined): AwsError {
  if (err.kind !== 'Conflict' || routeKey === undefined) return err;
  const details = { operation: err.operation, requestId: err.requestId, httpStatus: err.httpStatus, cause: err.cause };
  if (KEY_EXISTS.test(err.message)) return new RouteKeyExistsError(routeKey, err.message, details);
  if (!KEY_CLASHES.test(err.message)) return err;
  return new AwsError('Rejected', err.message, details);
}

const INTEGRATION_MISSING = /Invalid Integration identifier/i;
const ROUTE_MISSING = /Invalid Route identifier/i;

/**
 * A NotFound on a route write, as the reconciler should see it: a target naming an integration that
 * is not there is the spec's (or its ApiIntegration's) to change, so Rejected; a missing route or API
 * is Transient, and the next pass reads what is there.
 */
export function routeWriteNotFound(err: unknown, operation: string, where: string): AwsError {
  const message = (err as Error)?.message ?? '';
  const integration = INTEGRATION_MISSING.test(message);
  const what = integration
    ? `the target integration does not exist on ${where} (${message})`
    : ROUTE_MISSING.test(message)
      ? `the route does not exist on ${where}`
      : `${where} does not exist`;
  return new AwsError(integration ? 'Rejected' : 'Transient', `${operation}: ${what}`, {
    operation,
    httpStatus: 404,
    cause: err,
  });
}
