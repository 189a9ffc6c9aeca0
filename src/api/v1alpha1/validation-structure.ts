// Structural validation of a spec with ajv against the very JSON schema the CRD publishes, so the
// shape checked before an AWS call is the shape the API server checked at admission. Unknown
// fields are reported too: the API server prunes them, which usually hides a typo.
import { Ajv, type ErrorObject } from 'ajv';
import { specJsonSchema, type JsonSchema } from './crd.ts';
import { isRecord, problem, type Problem } from './problem.ts';

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

/** Copy of the schema where objects with declared properties refuse others (structural schemas cannot say so). */
function closeObjects(node: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...node };
  if (isRecord(node.properties)) {
    out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, closeObjects(v as JsonSchema)]));
    if (node.additionalProperties === undefined) out.additionalProperties = false;
  }
  if (isRecord(node.additionalProperties)) out.additionalProperties = closeObjects(node.additionalProperties);
  if (isRecord(node.items)) out.items = closeObjects(node.items);
  return out;
}

export function structureProblems(spec: unknown): Problem[] {
  if (validateStructure(spec)) return [];
  return (validateStructure.errors ?? []).map(toProblem);
}

/**
 * Turns an ajv JSON pointer into the API server's notation, walking the schema so that map keys
 * (which may contain dots and colons) are written in brackets and fields with a dot.
 */
function fieldOf(instancePath: string, extra?: string): string {
  const segments = instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
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

const lastSegment = (field: string): string => field.replace(/\[.*\]$/, '').split('.').pop() ?? field;

function toProblem(e: ErrorObject): Problem {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return problem(fieldOf(e.instancePath, String(p.missingProperty)), `is required; set ${String(p.missingProperty)}`);
    case 'additionalProperties':
      return problem(fieldOf(e.instancePath, String(p.additionalProperty)), 'is not a field of ApiIntegration spec; remove it or fix its spelling');
    default:
      return problem(fieldOf(e.instancePath), valueMessage(e, p, fieldOf(e.instancePath)));
  }
}

function valueMessage(e: ErrorObject, p: Record<string, unknown>, field: string): string {
  const got = JSON.stringify(e.data);
  switch (e.keyword) {
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).join(', ')} (got ${got})`;
    case 'type':
      return `must be ${p.type === 'integer' || p.type === 'object' || p.type === 'array' ? 'an' : 'a'} ${String(p.type)} (got ${got})`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long (is ${String((e.data as string).length)}); shorten it`;
    case 'pattern':
      return `${got} is not valid; ${PATTERN_HINTS[lastSegment(field)] ?? `it must match ${String(p.pattern)}`}`;
    case 'minimum':
      return `must be at least ${String(p.limit)} (got ${got})`;
    case 'maximum':
      return `must be at most ${String(p.limit)} (got ${got})`;
    case 'maxProperties':
      return `may have at most ${String(p.limit)} entries; remove some`;
    default:
      return e.message ?? 'is invalid';
  }
}
