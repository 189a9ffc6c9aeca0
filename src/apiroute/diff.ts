// Compares what AWS holds for a route with what the spec asks for, and computes the smallest
// UpdateRoute (plus DeleteRouteRequestParameter calls) that gets there, field by field of the route
// field table (route-fields.ts), which also says where each reset value comes from.
//
// UpdateRoute merges like UpdateIntegration: a field left out stays as it is, so a field removed
// from the spec is sent with its reset value; a removed request model is sent as ""; a removed
// request parameter takes DeleteRouteRequestParameter, one call per key. A field the table pairs
// with another (authorizerId with authorizationType) takes its partner along: AWS checks the pair.
import {
  ROUTE_FIELD_NAMES,
  routeFieldRule,
  type RouteFieldName,
  type ScalarRow,
  type SetRow,
} from '../api/v1alpha1/route-fields.ts';
import type { ObservedRoute, ParameterConstraints, RouteFields } from './ports.ts';

export interface RouteDiff {
  /** Field names that differ; empty when AWS matches the spec. */
  changed: string[];
  /** The UpdateRoute input, when a field changes through it. */
  update?: RouteFields;
  /** Request parameters to delete with DeleteRouteRequestParameter, after the update. */
  removeRequestParameters: string[];
}

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

type Flat = Record<string, string>;
type Constraints = Record<string, ParameterConstraints>;

/** One field: what the spec wants and what AWS holds. */
interface Compared {
  field: RouteFieldName;
  want: unknown;
  have: unknown;
}

function diffScalar({ field, want, have }: Compared, rule: ScalarRow, b: Builder): void {
  if (want !== undefined ? want === have : rule.unsetMatches(have)) return;
  b.set(field, want ?? rule.reset);
}

function diffSet({ field, want, have }: Compared, rule: SetRow, b: Builder): void {
  // A set: AWS does not promise to keep the order.
  const w = want as string[] | undefined;
  if (!sameList(sorted(w), sorted(have as string[] | undefined))) b.set(field, w ?? rule.reset);
}

function diffMap({ field, want, have }: Compared, b: Builder): void {
  const w = cleanMap(want as Flat | undefined);
  const h = cleanMap(have as Flat | undefined);
  if (sameMap(w, h)) return;
  const gone = Object.keys(h).filter((k) => !(k in w));
  b.set(field, { ...w, ...Object.fromEntries(gone.map((k) => [k, ''])) });
}

function diffParameters({ field, want, have }: Compared, b: Builder): void {
  const w = requiredFlags(want as Constraints | undefined);
  const h = requiredFlags(have as Constraints | undefined);
  if (sameMap(w, h)) return;
  const gone = Object.keys(h).filter((k) => !(k in w));
  const setting = Object.keys(w).some((k) => h[k] !== w[k]);
  if (setting) b.set(field, want ?? {});
  else b.changed.push(field);
  b.removeRequestParameters = gone;
}

function diffField(field: RouteFieldName, desired: RouteFields, actual: ObservedRoute, b: Builder): void {
  const rule = routeFieldRule(field);
  const compared = { field, want: desired[field], have: actual[field] };
  if (rule.kind === 'scalar') diffScalar(compared, rule, b);
  else if (rule.kind === 'set') diffSet(compared, rule, b);
  else if (rule.kind === 'map') diffMap(compared, b);
  else diffParameters(compared, b);
}

/** A sent field takes its partner along (at its desired value, else its reset), as the table says. */
function addPartners(desired: RouteFields, b: Builder): void {
  for (const field of ROUTE_FIELD_NAMES) {
    const rule = routeFieldRule(field);
    if (rule.kind !== 'scalar' || !rule.sentWith || !(field in b.update)) continue;
    const partner = rule.sentWith as RouteFieldName;
    const partnerRule = routeFieldRule(partner) as ScalarRow;
    if (!(partner in b.update)) b.update[partner] = desired[partner] ?? partnerRule.reset;
  }
}

export function diffRoute(desired: RouteFields, actual: ObservedRoute): RouteDiff {
  const b = new Builder();
  for (const field of ROUTE_FIELD_NAMES) diffField(field, desired, actual, b);
  addPartners(desired, b);
  const sending = Object.keys(b.update).length > 0;
  return {
    changed: b.changed,
    ...(sending ? { update: b.update as RouteFields } : {}),
    removeRequestParameters: b.removeRequestParameters,
  };
}
