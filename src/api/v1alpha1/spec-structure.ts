// Structural validation of any kind's spec with ajv against the very JSON schema the kind's CRD
// publishes, so the shape checked before an AWS call is the shape the API server checked at
// admission. Unknown fields are reported too: the API server prunes them, which usually hides a
// typo. Only structure here; the x-kubernetes-* keys (CEL rules, list types) are ignored by ajv in
// non-strict mode and re-implemented by each kind's twins.
import { Ajv, type ErrorObject } from 'ajv';
import type { JsonSchema } from './crd-builder.ts';
import { isRecord, problem, type Finding } from './problem.ts';

/** What a kind's structure check needs beside the schema. */
export interface StructureOptions {
  /** The kind, as unknown fields are reported: "is not a field of ApiRoute spec". */
  kind: string;
  /** Hints, by field name, for patterns that are hard to read as a regular expression. */
  patternHints?: Readonly<Record<string, string>>;
  /** Marks what a finding refutes or assumes (see Finding), given the ajv keyword that found it. */
  premises?: (found: Finding, keyword: string) => Finding;
}

const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateFormats: false });

/** The check of one kind's spec: every structural problem, in the API server's field notation. */
export function structureCheck(schema: JsonSchema, options: StructureOptions): (spec: unknown) => Finding[] {
  const validate = ajv.compile(closeObjects(schema));
  const premises = options.premises ?? ((found: Finding) => found);
  const findingOf = (e: ErrorObject): Finding => {
    const field = fieldOf(schema, e);
    return premises(problem(field, messageOf(schema, options, e, field)), e.keyword);
  };
  return (spec) => (validate(spec) ? [] : (validate.errors ?? []).map(findingOf));
}

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
  if (isRecord(node.items)) out.items = closeObjects(node.items);
  return out;
}

/**
 * Turns an ajv JSON pointer into the API server's notation, walking the schema so that map keys
 * (which may contain dots and colons) are written in brackets and fields with a dot.
 */
function fieldOf(schema: JsonSchema, e: ErrorObject): string {
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = e.params as { missingProperty?: string; additionalProperty?: string };
  const last = extra.missingProperty ?? extra.additionalProperty;
  if (last !== undefined) segments.push(last);
  let node: unknown = schema;
  let out = 'spec';
  for (const seg of segments) {
    const props = isRecord(node) && isRecord(node.properties) ? node.properties : undefined;
    if (props && seg in props) {
      out += `.${seg}`;
      node = props[seg];
    } else if (isRecord(node) && isRecord(node.additionalProperties)) {
      out += `[${seg}]`;
      node = node.additionalProperties;
    } else {
      out += `.${seg}`;
      node = undefined;
    }
  }
  return out;
}

function messageOf(schema: JsonSchema, options: StructureOptions, e: ErrorObject, field: string): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `is required; set ${String(p.missingProperty)}`;
    case 'additionalProperties':
      return unknownFieldMessage(schema, options.kind, e.instancePath, String(p.additionalProperty));
    default:
      return valueMessage({ e, p, field, got: JSON.stringify(e.data), hints: options.patternHints ?? {} });
  }
}

/** Names the declared field a misspelling most likely meant (case only: integrationURI, routeKEY). */
function unknownFieldMessage(schema: JsonSchema, kind: string, instancePath: string, name: string): string {
  const base = `is not a field of ${kind} spec; remove it or fix its spelling`;
  const node = instancePath === '' ? schema : undefined;
  const declared = isRecord(node?.properties) ? Object.keys(node.properties) : [];
  const meant = declared.find((k) => k.toLowerCase() === name.toLowerCase());
  return meant ? `${base} (did you mean ${meant}?)` : base;
}

interface ValueError {
  e: ErrorObject;
  p: Record<string, unknown>;
  field: string;
  /** The offending value as JSON. */
  got: string;
  hints: Readonly<Record<string, string>>;
}

const article = (type: unknown) => (type === 'integer' || type === 'object' || type === 'array' ? 'an' : 'a');
const lastSegment = (field: string): string =>
  field
    .replace(/\[.*\]$/, '')
    .split('.')
    .pop() ?? field;

/** One message per ajv keyword; a Map so that no keyword can reach an inherited property. */
const VALUE_MESSAGES = new Map<string, (v: ValueError) => string>([
  ['enum', ({ p, got }) => `must be one of ${(p.allowedValues as unknown[]).join(', ')} (got ${got})`],
  ['type', ({ p, got }) => `must be ${article(p.type)} ${String(p.type)} (got ${got})`],
  [
    'minLength',
    ({ p }) => (p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`),
  ],
  // Code points, as ajv and the API server count them (String#length counts UTF-16 units).
  [
    'maxLength',
    ({ e, p }) =>
      `must be at most ${String(p.limit)} characters long (is ${[...(e.data as string)].length}); shorten it`,
  ],
  [
    'pattern',
    ({ p, field, got, hints }) =>
      `${got} is not valid; ${hints[lastSegment(field)] ?? `it must match ${String(p.pattern)}`}`,
  ],
  ['minimum', ({ p, got }) => `must be at least ${String(p.limit)} (got ${got})`],
  ['maximum', ({ p, got }) => `must be at most ${String(p.limit)} (got ${got})`],
  ['maxProperties', ({ p }) => `may have at most ${String(p.limit)} entries; remove some`],
]);

function valueMessage(v: ValueError): string {
  const message = VALUE_MESSAGES.get(v.e.keyword);
  return message ? message(v) : (v.e.message ?? 'is invalid');
}
