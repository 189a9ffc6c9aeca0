// What AWS should hold for an ApiIntegration: the spec's integration fields, plus an ownership
// marker in `description`. Integrations cannot be tagged and CreateIntegration takes no
// idempotency token, so the marker is how a lost create is found again instead of repeated.
import { OPERATOR_FIELDS, SUB_RESOURCE_FIELDS } from '../api/v1alpha1/fields.ts';
import type { ApiIntegrationSpecT } from '../api/v1alpha1/types.ts';
import type { Location } from '../kind/ports.ts';
import type { IntegrationFields } from './ports.ts';

const MARKER_PREFIX = '[apigw.dev/owner=';
const MARKER_RE = /(?:^| )\[apigw\.dev\/owner=([0-9a-f-]{1,64})\]$/;

export function ownerMarker(uid: string): string {
  return `${MARKER_PREFIX}${uid}]`;
}

/** The description sent to AWS: the user's text, then the marker. */
export function markedDescription(description: string | undefined, uid: string): string {
  return description ? `${description} ${ownerMarker(uid)}` : ownerMarker(uid);
}

/** The uid in a description's marker, if any. */
export function ownerOf(description: string | undefined): string | undefined {
  return description ? MARKER_RE.exec(description)?.[1] : undefined;
}

/** The user's part of a description, without the marker. */
export function userDescription(description: string | undefined): string | undefined {
  if (!description) return undefined;
  const stripped = description.replace(MARKER_RE, '');
  return stripped === '' ? undefined : stripped;
}

const NOT_SENT = new Set<string>([...OPERATOR_FIELDS, ...SUB_RESOURCE_FIELDS]);

export function desiredFields(spec: ApiIntegrationSpecT, uid: string): IntegrationFields {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) {
    if (!NOT_SENT.has(k) && v !== undefined) out[k] = v;
  }
  out.description = markedDescription(spec.description, uid);
  return out as IntegrationFields;
}

export function desiredLocation(spec: ApiIntegrationSpecT, defaultRegion: string, roleArn?: string): Location {
  return { region: spec.region ?? defaultRegion, apiId: spec.apiId, ...(roleArn ? { roleArn } : {}) };
}
