// The integration fields, once: for each CreateIntegration field the spec carries, how it maps to
// the SDK, which protocol takes it, what AWS reports when it was left out, how it is cleared (in
// place, or only by a new integration), and whether status.observed reports it. The SDK mapping, the diff, the observed block and
// the desired-state builder all iterate this table; a test checks it against the schema, so a new
// AWS field is one row here plus its schema property.
import type { Protocol } from './group.ts';

/** What the field rules look at of the desired integration: its kind. */
export interface DesiredKind {
  integrationType?: string;
  integrationSubtype?: string;
}

export type FieldKind = 'scalar' | 'map' | 'nested' | 'tls';

export interface FieldRule {
  kind: FieldKind;
  /** The SDK's member name (CreateIntegration / UpdateIntegration / Integration). */
  aws: string;
  /** Protocols that take the field (validation carries the rule; this documents it for the table). */
  protocols: readonly Protocol[];
  /** Values AWS reports when the spec left the field out: not drift (scalars). */
  unsetMatches?: (v: unknown, protocol: Protocol, desired: DesiredKind) => boolean;
  /** What clears the field in place (scalars); absent: AWS has no way to clear it in place. */
  reset?: (protocol: Protocol) => string | number;
  /** AWS refuses every in-place reset (an enum, or a minimum length of 1): a new integration replaces this one. */
  clearsByReplacement?: true;
  /** Reported in status.observed. */
  observed: boolean;
}

const BOTH: readonly Protocol[] = ['HTTP', 'WEBSOCKET'];
const HTTP: readonly Protocol[] = ['HTTP'];
const WS: readonly Protocol[] = ['WEBSOCKET'];

const absent = (v: unknown) => v === undefined || v === '';
const clearToEmpty = () => '';
/** Lambda proxy: the one integration AWS invokes with a method of its own choosing, POST. */
const lambdaProxy = (d: DesiredKind) => d.integrationType === 'AWS_PROXY' && !d.integrationSubtype;
/** MOCK and service (subtype) integrations call no URI, so AWS does not use what it holds there. */
const callsNoUri = (d: DesiredKind) => d.integrationType === 'MOCK' || !!d.integrationSubtype;
/** The protocol's own default timeout: 30000 on HTTP APIs, 29000 on WebSocket (reference §1.11). */
export const defaultTimeout = (p: Protocol) => (p === 'WEBSOCKET' ? 29000 : 30000);

const scalar = (
  aws: string,
  protocols: readonly Protocol[],
  observed: boolean,
  rule: Partial<FieldRule> = {},
): FieldRule => ({
  kind: 'scalar',
  aws,
  protocols,
  observed,
  unsetMatches: absent,
  reset: clearToEmpty,
  ...rule,
});

export const INTEGRATION_FIELDS = {
  // Always sent on update (AWS requires it), so it is never "unset".
  integrationType: scalar('IntegrationType', BOTH, true, { unsetMatches: () => false, reset: undefined }),
  // The model gives uri and method a minimum length of 1, so "" is never sent for them (go-to-k/cdkd
  // notes the API rejects a reset value for both). The spec leaves them out only where AWS has no use
  // for them, or, for a Lambda proxy's method, where AWS's own default (POST) is what is meant.
  integrationUri: scalar('IntegrationUri', BOTH, true, {
    unsetMatches: (v, _p, d) => absent(v) || callsNoUri(d),
    reset: undefined,
  }),
  integrationMethod: scalar('IntegrationMethod', BOTH, true, {
    unsetMatches: (v, _p, d) => absent(v) || v === 'POST' || !lambdaProxy(d),
    reset: () => 'POST',
  }),
  integrationSubtype: scalar('IntegrationSubtype', HTTP, true, { reset: undefined, clearsByReplacement: true }),
  connectionType: scalar('ConnectionType', BOTH, true, {
    unsetMatches: (v) => absent(v) || v === 'INTERNET',
    reset: () => 'INTERNET',
  }),
  connectionId: scalar('ConnectionId', BOTH, false),
  credentialsArn: scalar('CredentialsArn', BOTH, false),
  description: scalar('Description', BOTH, false),
  payloadFormatVersion: scalar('PayloadFormatVersion', BOTH, true, {
    unsetMatches: (v, p) => absent(v) || (p === 'WEBSOCKET' && v === '1.0'),
    reset: undefined,
  }),
  passthroughBehavior: scalar('PassthroughBehavior', WS, true, {
    unsetMatches: (v) => absent(v) || v === 'WHEN_NO_MATCH',
    reset: () => 'WHEN_NO_MATCH',
  }),
  // An enum with no "none" among its values: passing payloads through unchanged again takes a new integration.
  contentHandlingStrategy: scalar('ContentHandlingStrategy', WS, false, {
    reset: undefined,
    clearsByReplacement: true,
  }),
  templateSelectionExpression: scalar('TemplateSelectionExpression', WS, false),
  timeoutInMillis: scalar('TimeoutInMillis', BOTH, true, {
    unsetMatches: (v, p) => v === undefined || v === defaultTimeout(p),
    reset: defaultTimeout,
  }),
  requestParameters: { kind: 'map', aws: 'RequestParameters', protocols: BOTH, observed: false },
  requestTemplates: { kind: 'map', aws: 'RequestTemplates', protocols: WS, observed: false },
  responseParameters: { kind: 'nested', aws: 'ResponseParameters', protocols: HTTP, observed: false },
  tlsConfig: { kind: 'tls', aws: 'TlsConfig', protocols: HTTP, observed: false },
} as const satisfies Record<string, FieldRule>;

export type IntegrationFieldName = keyof typeof INTEGRATION_FIELDS;
export type ScalarFieldName = {
  [K in IntegrationFieldName]: (typeof INTEGRATION_FIELDS)[K]['kind'] extends 'scalar' ? K : never;
}[IntegrationFieldName];

export const FIELD_NAMES = Object.keys(INTEGRATION_FIELDS) as IntegrationFieldName[];
export const SCALAR_FIELDS = FIELD_NAMES.filter((f): f is ScalarFieldName => INTEGRATION_FIELDS[f].kind === 'scalar');

/** Spec fields that steer the operator and are never sent to AWS. */
export const OPERATOR_FIELDS = [
  'apiId',
  'region',
  'roleArn',
  'deletionPolicy',
  'integrationId',
  'managementPolicy',
  'lambdaPermission',
] as const;

/**
 * Spec fields managed by calls of their own, never sent with CreateIntegration or UpdateIntegration:
 * the integration responses (response-schema.ts, apiintegration/responses.ts).
 */
export const SUB_RESOURCE_FIELDS = ['integrationResponses'] as const;

/** What AWS reports beyond the spec's fields, kept in status.observed. */
export const REPORTED_ONLY = ['integrationResponseSelectionExpression', 'apiGatewayManaged'] as const;
