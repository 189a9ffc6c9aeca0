// Structural validation of an ApiIntegration spec: the check every kind shares (spec-structure.ts)
// with this kind's pattern hints and premises, and one limit the schema cannot state (the
// description's length in bytes).
import { specJsonSchema } from './crd.ts';
import { DESCRIPTION_MAX, KIND } from './schema.ts';
import { isRecord, problem, type Finding, type Premise } from './problem.ts';
import { structureCheck } from './spec-structure.ts';
import { duplicateResponseKeys } from './response-schema.ts';

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

/** What a structural finding refutes, or, for the timeout's bound, assumes (see Finding). */
function premisesOf(found: Finding, keyword: string): Finding {
  // The schema's timeout bound is the larger of the two protocols'; once the protocol is known,
  // its own bound (29000 on WebSocket APIs) is the one to state, and stating both would confuse.
  if (keyword === 'maximum' && found.field === 'spec.timeoutInMillis')
    return { ...found, assumes: ['timeoutInMillis'] };
  const name = /^spec\.(\w+)$/.exec(found.field)?.[1];
  return name !== undefined && PREMISE_FIELDS.includes(name) ? { ...found, refutes: [name as Premise] } : found;
}

const schemaProblems = structureCheck(specJsonSchema(), {
  kind: KIND,
  patternHints: PATTERN_HINTS,
  premises: premisesOf,
});

export function structureProblems(spec: unknown): Finding[] {
  return [
    ...schemaProblems(spec),
    ...descriptionBytes(spec),
    ...duplicateResponseKeys(spec, 'integrationResponses', 'integrationResponseKey'),
  ];
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
