// The one entry point for "is this ApiStage spec acceptable?": structure (the CRD's JSON schema, via
// ajv), the CEL rules re-implemented in TypeScript, and, once the API's protocol is known, the rules
// that depend on it. Every problem is reported at once. Pure: no I/O, no SDKs, no environment.
import { Ajv, type ErrorObject } from 'ajv';
import type { JsonSchema } from './crd.ts';
import { HTTP_ROUTE_KEY_START, WEBSOCKET_ROUTE_KEYS, type Protocol } from './group.ts';
import { isRecord, problem, re2, record, specField, type LooseSpec, type Problem } from './problem.ts';
import { stageSpecJsonSchema } from './stage-crd.ts';
import { WEBSOCKET_ROUTE_SETTINGS } from './stage-schema.ts';
import type { ApiStageSpecT } from './stage-types.ts';
import { STAGE_TRANSITION_RULE_TWINS, stageCelProblems } from './stage-validation-rules.ts';

export type StageValidationResult = { ok: true; spec: ApiStageSpecT } | { ok: false; problems: Problem[] };

const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateFormats: false });
const validateStructure = ajv.compile(closeObjects(stageSpecJsonSchema()));
const HTTP_KEY_START = re2(HTTP_ROUTE_KEY_START);
/** Spec fields whose keys are the user's (a variable name, a route key), shown as `spec.map[key]`. */
const MAP_FIELDS = ['stageVariables', 'routeSettings'];

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
  const inMap = first !== undefined && MAP_FIELDS.includes(first) && rest.length > 0;
  const path = first === undefined ? [] : inMap ? [`${first}[${rest[0]}]`, ...rest.slice(1)] : segments;
  return ['spec', ...path, ...(last !== undefined ? [last] : [])].join('.');
}

type Params = Record<string, unknown>;
const article = (type: unknown) => (type === 'integer' || type === 'object' || type === 'array' ? 'an' : 'a');

/** What to say for each JSON-schema keyword ajv reports, given its params and the offending value. */
const MESSAGES: Record<string, (p: Params, got: string) => string> = {
  required: (p) => `is required; set ${String(p.missingProperty)}`,
  additionalProperties: () => 'is not a field of ApiStage spec; remove it or fix its spelling',
  enum: (p, got) => `must be one of ${(p.allowedValues as unknown[]).join(', ')} (got ${got})`,
  type: (p, got) => `must be ${article(p.type)} ${String(p.type)} (got ${got})`,
  minLength: () => 'must not be empty',
  maxLength: (p) => `must be at most ${String(p.limit)} characters long; shorten it`,
  maxProperties: (p) => `may have at most ${String(p.limit)} entries`,
  minimum: (p, got) => `must be at least ${String(p.limit)} (got ${got})`,
  pattern: (p, got) => `${got} is not valid; it must match ${String(p.pattern)}`,
};

function messageOf(e: ErrorObject): string {
  const say = MESSAGES[e.keyword];
  return say ? say(e.params as Params, JSON.stringify(e.data)) : (e.message ?? 'is invalid');
}

export function stageStructureProblems(spec: unknown): Problem[] {
  if (validateStructure(spec)) return [];
  return (validateStructure.errors ?? []).map((e) => problem(fieldOf(e), messageOf(e)));
}

/** Every route-settings block of the spec with the field it sits at. */
function settingsBlocks(s: LooseSpec): [field: string, block: LooseSpec][] {
  const defaults = record(s, 'defaultRouteSettings');
  const perRoute = Object.entries(record(s, 'routeSettings') ?? {}).filter(
    (e): e is [string, Record<string, unknown>] => isRecord(e[1]),
  );
  return [
    ...(defaults ? [[specField('defaultRouteSettings'), defaults] as [string, LooseSpec]] : []),
    ...perRoute.map(([k, v]) => [specField('routeSettings', k), v] as [string, LooseSpec]),
  ];
}

/** AWS refuses execution logging on HTTP APIs ("Execution logs are not supported on protocolType HTTP"). */
function websocketSettingsOnHttp(s: LooseSpec): Problem[] {
  return settingsBlocks(s).flatMap(([at, block]) =>
    WEBSOCKET_ROUTE_SETTINGS.filter((f) => block[f] !== undefined).map((f) =>
      problem(`${at}.${f}`, `${f} is only for WebSocket APIs and apiId names an HTTP API; remove it`),
    ),
  );
}

function httpRouteSettingsKeys(s: LooseSpec): Problem[] {
  return (
    Object.keys(record(s, 'routeSettings') ?? {})
      .filter((k) => k !== '$default' && !HTTP_KEY_START.test(k))
      // Other keys starting with $, and malformed METHOD /path keys, are the CEL rules' to report.
      .filter((k) => !k.startsWith('$') || WEBSOCKET_ROUTE_KEYS.includes(k as (typeof WEBSOCKET_ROUTE_KEYS)[number]))
      .map((k) =>
        problem(
          specField('routeSettings', k),
          `${k} is not an HTTP API route key: HTTP APIs take $default or METHOD /path (e.g. GET /items/{id}); $connect, $disconnect and custom keys exist only on WebSocket APIs`,
        ),
      )
  );
}

/** The rules that need the API's protocol, which only GetApi can tell. */
export function stageProtocolProblems(s: LooseSpec, protocol: Protocol): Problem[] {
  return protocol === 'HTTP' ? [...websocketSettingsOnHttp(s), ...httpRouteSettingsKeys(s)] : [];
}

/**
 * Checks an ApiStage spec; with `protocol` (learned from GetApi) also the protocol-specific AWS
 * rules. On success returns the spec with nulls dropped, as the API server would store it.
 */
export function validateStageSpec(spec: unknown, protocol?: Protocol): StageValidationResult {
  if (!isRecord(spec))
    return { ok: false, problems: [problem('spec', 'spec must be an object with at least apiId and stageName')] };
  const s = withoutNulls(spec);
  const problems = unique([
    ...stageStructureProblems(s),
    ...stageCelProblems(s),
    ...(protocol ? stageProtocolProblems(s, protocol) : []),
  ]);
  return problems.length === 0 ? { ok: true, spec: s as ApiStageSpecT } : { ok: false, problems };
}

/** Checks what may not change on update (the CEL transition rules), given the stored spec. */
export function validateStageSpecUpdate(oldSpec: unknown, newSpec: unknown): Problem[] {
  if (!isRecord(oldSpec) || !isRecord(newSpec)) return [];
  return STAGE_TRANSITION_RULE_TWINS.flatMap((t) => t.check(withoutNulls(oldSpec), withoutNulls(newSpec)));
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
