// The spec of each imported object: what AWS holds, minus what AWS fills in by itself when a create
// leaves a field out, so that the manifest says what someone chose and applying it is no change.
// Which values AWS fills in is the field tables' knowledge (api/v1alpha1/fields.ts `unsetMatches`,
// route-fields.ts `unsetMatches`), the same rules the operator's diff uses to tell a default from
// drift; the sources are cited there:
// - timeoutInMillis: 30000 on HTTP APIs, 29000 on WebSocket APIs (developer guide quotas pages);
// - connectionType: INTERNET (model: "The default value is INTERNET");
// - payloadFormatVersion on WebSocket APIs: 1.0 (WebSocket integrations take no other; required
//   on HTTP APIs, so kept there);
// - passthroughBehavior: WHEN_NO_MATCH (Terraform's aws_apigatewayv2_integration suppresses it);
// - integrationMethod: POST for Lambda (Terraform's diff-suppress: "Default HTTP method for Lambda
//   integration is POST"); none for service (subtype) and MOCK integrations, which call no URI;
// - routes: authorizationType NONE, apiKeyRequired false, empty strings, lists and maps.
// Stage settings blocks are compared member by member, only the members a spec sets
// (apistage/diff.ts), so members equal to their documented defaults (detailedMetricsEnabled and
// dataTraceEnabled false, loggingLevel OFF: the ApiStage schema) are left out; routeSettings keys
// stay, since a key missing from the spec would have its settings deleted.
import { FIELD_NAMES, INTEGRATION_FIELDS, type DesiredKind, type FieldRule } from '../api/v1alpha1/fields.ts';
import type { Protocol } from '../api/v1alpha1/group.ts';
import { ROUTE_FIELD_NAMES, ROUTE_FIELDS } from '../api/v1alpha1/route-fields.ts';

/** An integration as GetIntegrations reports it, in the spec's field names. */
export interface ImportedIntegration {
  integrationId: string;
  integrationType?: string;
  integrationSubtype?: string;
  integrationUri?: string;
  connectionType?: string;
  description?: string;
  apiGatewayManaged?: boolean;
}

/** A route as GetRoutes reports it, in the spec's field names. */
export interface ImportedRoute {
  routeId: string;
  routeKey: string;
  target?: string;
  apiGatewayManaged?: boolean;
}

type Settings = Record<string, unknown>;

/** A stage as GetStages reports it, in the spec's field names. */
export interface ImportedStage {
  stageName: string;
  description?: string;
  autoDeploy?: boolean;
  stageVariables?: Record<string, string>;
  defaultRouteSettings?: object;
  routeSettings?: Record<string, object>;
  accessLogSettings?: { destinationArn?: string; format?: string };
  apiGatewayManaged?: boolean;
}

type Spec = Record<string, unknown>;

const isEmpty = (v: unknown): boolean =>
  v === undefined ||
  v === null ||
  v === '' ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

/** A string map without empty values (AWS drops keys sent empty; moto may keep them). */
const nonEmptyValues = (m: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(m).filter(([, v]) => !isEmpty(v)));

// The operator's own marker (apiintegration/desired.ts): an earlier owner's, which adoption replaces.
const OWNER_MARKER = /(?:^| )\[apigw\.dev\/owner=[0-9a-f-]{1,64}\]$/;

/** The integration's description without an ownership marker an earlier object left. */
export const userDescription = (d: string | undefined) => (d ?? '').replace(OWNER_MARKER, '');

const lambdaProxy = (k: DesiredKind) => k.integrationType === 'AWS_PROXY' && !k.integrationSubtype;
const callsNoUri = (k: DesiredKind) => k.integrationType === 'MOCK' || !!k.integrationSubtype;
/** Types whose method AWS requires and never fills in. */
const METHOD_REQUIRED = new Set(['HTTP', 'HTTP_PROXY']);

/** Whether AWS would hold `v` for `field` had the spec left it out. */
function filledByAws(field: (typeof FIELD_NAMES)[number], v: unknown, protocol: Protocol, k: DesiredKind): boolean {
  if (isEmpty(v)) return true;
  if (field === 'integrationType') return false;
  if (field === 'integrationMethod')
    // The table's rule reads "anything but a Lambda proxy's method is not drift"; an import writes
    // what was chosen, so it keeps the method everywhere AWS did not supply it.
    return callsNoUri(k) || (v === 'POST' && (lambdaProxy(k) || !METHOD_REQUIRED.has(k.integrationType ?? '')));
  const rule: FieldRule = INTEGRATION_FIELDS[field];
  return rule.unsetMatches?.(v, protocol, k) ?? false;
}

/** A field's value as the spec writes it: maps without empty entries, TLS only with a name to verify. */
function specValue(field: (typeof FIELD_NAMES)[number], v: unknown): unknown {
  const rule = INTEGRATION_FIELDS[field];
  if (rule.kind === 'map') return nonEmptyValues(v as Record<string, unknown>);
  if (rule.kind === 'nested')
    return nonEmptyValues(
      Object.fromEntries(
        Object.entries(v as Record<string, Record<string, unknown>>).map(([code, m]) => [code, nonEmptyValues(m)]),
      ),
    );
  if (rule.kind === 'tls') return (v as { serverNameToVerify?: string }).serverNameToVerify ? v : undefined;
  if (field === 'description') return userDescription(v as string);
  return v;
}

/** The integration fields of an ApiIntegration spec for `i`, in the field table's order. */
export function integrationFields(i: ImportedIntegration, protocol: Protocol): Spec {
  const kind: DesiredKind = { integrationType: i.integrationType, integrationSubtype: i.integrationSubtype };
  const out: Spec = {};
  for (const f of FIELD_NAMES) {
    const raw = (i as unknown as Record<string, unknown>)[f];
    if (raw === undefined || raw === null) continue;
    const v = specValue(f, raw);
    if (!filledByAws(f, v, protocol, kind)) out[f] = v;
  }
  return out;
}

/** The route fields of an ApiRoute spec for `r` (routeKey included, target left to the caller). */
export function routeFields(r: ImportedRoute): Spec {
  const out: Spec = {};
  for (const f of ROUTE_FIELD_NAMES) {
    if (f === 'target') continue;
    const v = (r as unknown as Record<string, unknown>)[f];
    const rule = ROUTE_FIELDS[f];
    if (isEmpty(v) || (rule.kind === 'scalar' && rule.unsetMatches(v))) continue;
    out[f] = v;
  }
  return out;
}

/** Members of a settings block that are the documented default when not set. */
const SETTING_DEFAULTS: Settings = { detailedMetricsEnabled: false, dataTraceEnabled: false, loggingLevel: 'OFF' };

const withoutDefaults = (s: object): Settings =>
  Object.fromEntries(Object.entries(s).filter(([k, v]) => v !== undefined && v !== null && SETTING_DEFAULTS[k] !== v));

/** The settings of an ApiStage spec for `s`. */
export function stageFields(s: ImportedStage): Spec {
  const out: Spec = {};
  if (s.description) out.description = s.description;
  if (s.autoDeploy) out.autoDeploy = true;
  if (!isEmpty(s.stageVariables)) out.stageVariables = s.stageVariables;
  const defaults = withoutDefaults(s.defaultRouteSettings ?? {});
  if (!isEmpty(defaults)) out.defaultRouteSettings = defaults;
  if (!isEmpty(s.routeSettings))
    out.routeSettings = Object.fromEntries(Object.entries(s.routeSettings!).map(([k, v]) => [k, withoutDefaults(v)]));
  const log = s.accessLogSettings;
  if (log?.destinationArn && log.format)
    out.accessLogSettings = { destinationArn: log.destinationArn, format: log.format };
  return out;
}
