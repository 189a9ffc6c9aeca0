// Compares what AWS holds for a route with what the spec asks for, and computes the smallest
// UpdateRoute (plus DeleteRouteRequestParameter calls) that gets there.
//
// UpdateRoute merges like UpdateIntegration: a field left out stays as it is, so a field removed
// from the spec is sent with its reset value. The reset values, and where they come from:
// - authorizationType → "NONE", authorizerId → "", authorizationScopes → [], operationName → "",
//   apiKeyRequired → false: probed against real AWS by go-to-k/cdkd (#1160, its apigatewayv2
//   provider's clearableUpdate);
// - target, modelSelectionExpression, routeResponseSelectionExpression → "": what Terraform's
//   aws_apigatewayv2_route sends when they are removed (it sends the new value of any changed field);
// - requestModels: a removed key is sent with an empty value, as for integration parameter maps
//   (cdkd's mapWithRemovals); the kept keys go along because moto replaces the map;
// - requestParameters (`$connect` only) are objects, which UpdateRoute merges but cannot remove: a
//   removed key needs DeleteRouteRequestParameter, one call per key (cdkd live probe; Terraform does
//   the same). Changed and added keys are sent in UpdateRoute.
// Whenever authorizerId is sent, authorizationType goes along, as Terraform does: AWS checks the
// pair together. routeKey changes in place (CloudFormation: "No interruption"), the route id stays.
import type { ObservedRoute, ParameterConstraints, RouteFields } from './ports.ts';

export interface RouteDiff {
  /** Field names that differ; empty when AWS matches the spec. */
  changed: string[];
  /** The UpdateRoute input, when a field changes through it. */
  update?: RouteFields;
  /** Request parameters to delete with DeleteRouteRequestParameter, after the update. */
  removeRequestParameters: string[];
}

type ScalarField =
  | 'routeKey'
  | 'target'
  | 'authorizationType'
  | 'authorizerId'
  | 'operationName'
  | 'modelSelectionExpression'
  | 'routeResponseSelectionExpression'
  | 'apiKeyRequired';

const absent = (v: unknown) => v === undefined || v === '';

/** For each scalar: which reported values mean "not set" (AWS defaults), and what clears it. */
const SCALARS: Record<ScalarField, { unset: (v: unknown) => boolean; reset?: string | boolean }> = {
  // Always in the desired fields (required), so never unset and never cleared.
  routeKey: { unset: () => false },
  target: { unset: absent, reset: '' },
  authorizationType: { unset: (v) => absent(v) || v === 'NONE', reset: 'NONE' },
  authorizerId: { unset: absent, reset: '' },
  operationName: { unset: absent, reset: '' },
  modelSelectionExpression: { unset: absent, reset: '' },
  routeResponseSelectionExpression: { unset: absent, reset: '' },
  apiKeyRequired: { unset: (v) => v === undefined || v === false, reset: false },
};
const SCALAR_FIELDS = Object.keys(SCALARS) as ScalarField[];

const sorted = (xs: readonly string[] | undefined) => [...(xs ?? [])].sort();
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const cleanMap = (m: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(m ?? {}).filter(([, v]) => v !== ''));
const sameMap = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  sameList(Object.keys(a).sort(), Object.keys(b).sort()) && Object.keys(a).every((k) => a[k] === b[k]);
/** `required` defaults to false in AWS, so an omitted one is compared as false. */
const requiredFlags = (m: Record<string, ParameterConstraints> | undefined) =>
  Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, v.required ?? false]));

class Builder {
  readonly changed: string[] = [];
  readonly update: Record<string, unknown> = {};
  removeRequestParameters: string[] = [];
  set(field: string, value: unknown): void {
    if (!this.changed.includes(field)) this.changed.push(field);
    this.update[field] = value;
  }
}

function diffScalars(desired: RouteFields, actual: ObservedRoute, b: Builder): void {
  for (const field of SCALAR_FIELDS) {
    const rule = SCALARS[field];
    const want = desired[field];
    const have = actual[field];
    if (want !== undefined ? want === have : rule.unset(have)) continue;
    b.set(field, want ?? rule.reset);
  }
}

function diffScopes(desired: RouteFields, actual: ObservedRoute, b: Builder): void {
  // A set: AWS does not promise to keep the order.
  if (!sameList(sorted(desired.authorizationScopes), sorted(actual.authorizationScopes)))
    b.set('authorizationScopes', desired.authorizationScopes ?? []);
}

function diffRequestModels(desired: RouteFields, actual: ObservedRoute, b: Builder): void {
  const want = cleanMap(desired.requestModels);
  const have = cleanMap(actual.requestModels);
  if (sameMap(want, have)) return;
  const gone = Object.keys(have).filter((k) => !(k in want));
  b.set('requestModels', { ...want, ...Object.fromEntries(gone.map((k) => [k, ''])) });
}

function diffRequestParameters(desired: RouteFields, actual: ObservedRoute, b: Builder): void {
  const want = requiredFlags(desired.requestParameters);
  const have = requiredFlags(actual.requestParameters);
  if (sameMap(want, have)) return;
  const gone = Object.keys(have).filter((k) => !(k in want));
  const setting = Object.keys(want).some((k) => have[k] !== want[k]);
  if (setting) b.set('requestParameters', desired.requestParameters ?? {});
  else b.changed.push('requestParameters');
  b.removeRequestParameters = gone;
}

export function diffRoute(desired: RouteFields, actual: ObservedRoute): RouteDiff {
  const b = new Builder();
  diffScalars(desired, actual, b);
  diffScopes(desired, actual, b);
  diffRequestModels(desired, actual, b);
  diffRequestParameters(desired, actual, b);
  if ('authorizerId' in b.update && !('authorizationType' in b.update))
    b.update.authorizationType = desired.authorizationType ?? 'NONE';
  const sending = Object.keys(b.update).length > 0;
  return {
    changed: b.changed,
    ...(sending ? { update: b.update as RouteFields } : {}),
    removeRequestParameters: b.removeRequestParameters,
  };
}
