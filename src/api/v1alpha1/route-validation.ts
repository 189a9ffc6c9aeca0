// The one entry point for "is this ApiRoute spec acceptable?": structure (the CRD's JSON schema, via
// ajv), the CEL rules re-implemented in TypeScript, and, once the API's protocol is known, the rules
// that depend on it. Every problem is reported at once. Pure: no I/O, no SDKs, no environment.
import { Ajv, type ErrorObject } from 'ajv';
import type { JsonSchema } from './crd.ts';
import { isRecord, problem, re2, specField, str, withoutFollowOns, type LooseSpec, type Problem } from './problem.ts';
import { routeSpecJsonSchema } from './route-crd.ts';
import { HTTP_ROUTE_KEY, WEBSOCKET_ROUTE_FIELDS, WEBSOCKET_ROUTE_KEYS } from './route-schema.ts';
import type { ApiRouteSpecT } from './route-types.ts';
import { ROUTE_TRANSITION_RULE_TWINS, routeCelProblems } from './route-validation-rules.ts';
import type { Protocol } from './group.ts';

export type RouteValidationResult = { ok: true; spec: ApiRouteSpecT } | { ok: false; problems: Problem[] };

const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateFormats: false });
const validateStructure = ajv.compile(closeObjects(routeSpecJsonSchema()));
const HTTP_KEY = re2(HTTP_ROUTE_KEY);

/** Copy of the schema where objects with declared properties refuse others (structural schemas cannot say so). */
function closeObjects(node: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...node };
  if (isRecord(node.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([k, v]) => [k, closeObjects(v as JsonSchema)]),
    );
    if (node.additionalProperties === undefined) out.additionalProperties = false;
  }
  if (isRecord(node.additionalProperties)) out.additionalProperties = closeObjects(node.additionalProperties);
  return out;
}

/** An ajv JSON pointer in the API server's notation: `spec.a.b`, or `spec.map[key]` past a map. */
function fieldOf(e: ErrorObject): string {
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = e.params as { missingProperty?: string; additionalProperty?: string };
  const last = extra.missingProperty ?? extra.additionalProperty;
  const [first, ...rest] = segments;
  const inMap = first === 'requestParameters' || first === 'requestModels';
  const path =
    first === undefined ? [] : inMap && rest.length > 0 ? [`${first}[${rest[0]}]`, ...rest.slice(1)] : segments;
  return ['spec', ...path, ...(last !== undefined ? [last] : [])].join('.');
}

function messageOf(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const got = JSON.stringify(e.data);
  switch (e.keyword) {
    case 'required':
      return `is required; set ${String(p.missingProperty)}`;
    case 'additionalProperties':
      return 'is not a field of ApiRoute spec; remove it or fix its spelling';
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).join(', ')} (got ${got})`;
    case 'type':
      return `must be ${p.type === 'integer' || p.type === 'object' || p.type === 'array' ? 'an' : 'a'} ${String(p.type)} (got ${got})`;
    case 'minLength':
      return 'must not be empty';
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long; shorten it`;
    case 'pattern':
      return `${got} is not valid; it must match ${String(p.pattern)}`;
    default:
      return e.message ?? 'is invalid';
  }
}

export function routeStructureProblems(spec: unknown): Problem[] {
  if (validateStructure(spec)) return [];
  return (validateStructure.errors ?? []).map((e) => problem(fieldOf(e), messageOf(e)));
}

const when = (cond: boolean, field: string, message: string): Problem[] => (cond ? [problem(field, message)] : []);

function httpRouteKey(s: LooseSpec): Problem[] {
  const key = str(s, 'routeKey');
  if (key === undefined || key === '$default' || HTTP_KEY.test(key)) return [];
  // Keys starting with $ or with an HTTP method and a bad path are the CEL rules' to report.
  if (key.startsWith('$') && !WEBSOCKET_ROUTE_KEYS.includes(key as (typeof WEBSOCKET_ROUTE_KEYS)[number])) return [];
  const upper = key.replace(/^(\S+) /, (_m, method: string) => `${method.toUpperCase()} `);
  const hint =
    upper !== key && HTTP_KEY.test(upper) ? ` (methods are upper case: ${upper})` : ' (e.g. GET /items/{id})';
  return [
    problem(
      specField('routeKey'),
      `${key} is not an HTTP API route key: HTTP APIs take $default or METHOD /path${hint}; $connect, $disconnect and custom keys exist only on WebSocket APIs`,
    ),
  ];
}

function websocketFieldsOnHttp(s: LooseSpec): Problem[] {
  return WEBSOCKET_ROUTE_FIELDS.filter((f) =>
    f === 'apiKeyRequired' ? s.apiKeyRequired === true : s[f] !== undefined,
  ).map((f) => problem(specField(f), `${f} is only for WebSocket APIs and apiId names an HTTP API; remove it`));
}

function websocketAuthorization(s: LooseSpec): Problem[] {
  const auth = str(s, 'authorizationType');
  const key = str(s, 'routeKey');
  if (auth === 'JWT')
    return [
      problem(
        specField('authorizationType'),
        'JWT authorizers exist only on HTTP APIs and apiId names a WebSocket API; use CUSTOM (a Lambda authorizer) or AWS_IAM on the $connect route',
      ),
    ];
  // Same words as the CEL twin, so a problem both find is listed once.
  return when(
    auth !== undefined && auth !== 'NONE' && key !== '$connect',
    specField('authorizationType'),
    `WebSocket APIs authorize only on the $connect route, not on ${key}; set authorizationType NONE or leave it out`,
  );
}

/** The rules that need the API's protocol, which only GetApi can tell. */
export function routeProtocolProblems(s: LooseSpec, protocol: Protocol): Problem[] {
  return protocol === 'HTTP' ? [...httpRouteKey(s), ...websocketFieldsOnHttp(s)] : websocketAuthorization(s);
}

/**
 * Checks an ApiRoute spec; with `protocol` (learned from GetApi) also the protocol-specific AWS
 * rules. On success returns the spec with nulls dropped, as the API server would store it.
 */
export function validateRouteSpec(spec: unknown, protocol?: Protocol): RouteValidationResult {
  if (!isRecord(spec))
    return { ok: false, problems: [problem('spec', 'spec must be an object with at least apiId and routeKey')] };
  const s = withoutNulls(spec);
  const problems = unique([
    ...routeStructureProblems(s),
    ...withoutFollowOns(routeCelProblems(s)),
    ...(protocol ? routeProtocolProblems(s, protocol) : []),
  ]);
  return problems.length === 0 ? { ok: true, spec: s as ApiRouteSpecT } : { ok: false, problems };
}

/** Checks what may not change on update (the CEL transition rules), given the stored spec. */
export function validateRouteSpecUpdate(oldSpec: unknown, newSpec: unknown): Problem[] {
  if (!isRecord(oldSpec) || !isRecord(newSpec)) return [];
  return ROUTE_TRANSITION_RULE_TWINS.flatMap((t) => t.check(withoutNulls(oldSpec), withoutNulls(newSpec)));
}

// The API server prunes nulls before validating and storing; doing the same keeps a manifest with
// `field: null` acceptable here exactly when it is at admission.
function withoutNulls(v: Record<string, unknown>): LooseSpec {
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, isRecord(x) ? withoutNulls(x) : x]),
  );
}

function unique(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.field}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
