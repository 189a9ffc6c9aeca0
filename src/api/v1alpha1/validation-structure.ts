// Structural validation of a spec with ajv against the very JSON schema the CRD publishes, so the
// shape checked before an AWS call is the shape the API server checked at admission. Unknown
// fields are reported too: the API server prunes them, which usually hides a typo. One limit the
// schema cannot state (the description's length in bytes) is checked here as well.
import { Ajv, type ErrorObject } from 'ajv';
import { specJsonSchema, type JsonSchema } from './crd.ts';
import { DESCRIPTION_MAX } from './schema.ts';
import { isRecord, problem, type Finding, type Premise } from './problem.ts';

// Only structure here; the x-kubernetes-* keys (CEL rules, list types) are ignored by ajv in
// non-strict mode and re-implemented in validation-rules.ts.
const SPEC_SCHEMA = specJsonSchema();
const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateFormats: false });
const validateStructure = ajv.compile(closeObjects(SPEC_SCHEMA));

/** Hints for patterns that are hard to read as a regular expression. */
const PATTERN_HINTS: Record<string, string> = {
  apiId: 'use the API id: lowercase letters and digits, e.g. a1b2c3d4e5',
  integrationId: 'use the integration id: lowercase letters and digits, e.g. abc123d',
  credentialsArn: 'use an IAM role or user ARN, e.g. arn:aws:iam::123456789012:role/apigw-invoke',
  region: 'use an AWS region name such as eu-west-1',
};

// A malformed value in one of these fields makes other checks' advice about it moot (see Finding).
const PREMISE_FIELDS: readonly string[] = [
  'integrationType',
  'payloadFormatVersion',
  'credentialsArn',
] satisfies Premise[];

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

export function structureProblems(spec: unknown): Finding[] {
  const schemaProblems = validateStructure(spec) ? [] : (validateStructure.errors ?? []).map(toProblem);
  return [...schemaProblems, ...descriptionBytes(spec)];
}

/**
 * AWS caps descriptions at 1024 without saying whether it counts bytes or UTF-16 units, and the
 * operator appends a 55-character ownership marker. The schema's maxLength counts code points, as
 * the API server does, so 960 emoji (3840 bytes) pass admission and AWS would refuse them only at
 * create time. Bounding the UTF-8 length, the largest of the three counts, fits any reading.
 */
function descriptionBytes(spec: unknown): Finding[] {
  const d = isRecord(spec) ? spec.description : undefined;
  if (typeof d !== 'string') return [];
  const chars = [...d].length;
  const bytes = Buffer.byteLength(d, 'utf8');
  // Over the character limit as well: the schema's maxLength problem already says to shorten it.
  if (bytes <= DESCRIPTION_MAX || chars > DESCRIPTION_MAX) return [];
  return [
    problem(
      'spec.description',
      `is ${bytes} bytes long in UTF-8 (${chars} characters) but may be at most ${DESCRIPTION_MAX} bytes: AWS limits descriptions to 1024 and the operator appends its ownership marker; shorten it (characters outside ASCII take 2 to 4 bytes each)`,
    ),
  ];
}

/**
 * Turns an ajv JSON pointer into the API server's notation, walking the schema so that map keys
 * (which may contain dots and colons) are written in brackets and fields with a dot.
 */
function fieldOf(instancePath: string, extra?: string): string {
  const segments = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  let node: unknown = SPEC_SCHEMA;
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

const lastSegment = (field: string): string =>
  field
    .replace(/\[.*\]$/, '')
    .split('.')
    .pop() ?? field;

function toProblem(e: ErrorObject): Finding {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return refutingField(
        problem(fieldOf(e.instancePath, String(p.missingProperty)), `is required; set ${String(p.missingProperty)}`),
      );
    case 'additionalProperties':
      return problem(
        fieldOf(e.instancePath, String(p.additionalProperty)),
        unknownFieldMessage(e.instancePath, String(p.additionalProperty)),
      );
    default: {
      const field = fieldOf(e.instancePath);
      const found = problem(field, valueMessage(e, p, field));
      // The schema's timeout bound is the larger of the two protocols'; once the protocol is known,
      // its own bound (29000 on WebSocket APIs) is the one to state, and stating both would confuse.
      if (e.keyword === 'maximum' && field === 'spec.timeoutInMillis')
        return { ...found, assumes: ['timeoutInMillis'] };
      return refutingField(found);
    }
  }
}

function refutingField(f: Finding): Finding {
  const name = /^spec\.(\w+)$/.exec(f.field)?.[1];
  return name !== undefined && PREMISE_FIELDS.includes(name) ? { ...f, refutes: [name as Premise] } : f;
}

/** Names the declared field a misspelling most likely meant (case only: integrationURI, apiID). */
function unknownFieldMessage(instancePath: string, name: string): string {
  const base = 'is not a field of ApiIntegration spec; remove it or fix its spelling';
  const node = instancePath === '' ? SPEC_SCHEMA : undefined;
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
}

const article = (type: unknown) => (type === 'integer' || type === 'object' || type === 'array' ? 'an' : 'a');

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
    ({ p, field, got }) =>
      `${got} is not valid; ${PATTERN_HINTS[lastSegment(field)] ?? `it must match ${String(p.pattern)}`}`,
  ],
  ['minimum', ({ p, got }) => `must be at least ${String(p.limit)} (got ${got})`],
  ['maximum', ({ p, got }) => `must be at most ${String(p.limit)} (got ${got})`],
  ['maxProperties', ({ p }) => `may have at most ${String(p.limit)} entries; remove some`],
]);

function valueMessage(e: ErrorObject, p: Record<string, unknown>, field: string): string {
  const message = VALUE_MESSAGES.get(e.keyword);
  return message ? message({ e, p, field, got: JSON.stringify(e.data) }) : (e.message ?? 'is invalid');
}
