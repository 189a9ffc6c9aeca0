// Compares what AWS holds with what the spec asks for, and computes the smallest UpdateIntegration
// that gets there. AWS merges updates: a removed mapping key must be sent with an empty value and a
// removed response status code with an empty map; service integrations need every parameter sent.
// Some removals have no in-place form and need the integration replaced.
import type { Protocol } from '../api/v1alpha1/types.ts';
import type { IntegrationFields, ObservedIntegration } from './ports.ts';

export interface IntegrationDiff {
  /** Field names that differ; empty when AWS matches the spec. */
  changed: string[];
  /** The UpdateIntegration input, when the change can be made in place. */
  update?: IntegrationFields;
  /** Why the integration must be re-created instead, when it cannot. */
  replaceBecause?: string;
}

type Scalar = 'integrationUri' | 'integrationMethod' | 'connectionType' | 'connectionId' | 'credentialsArn' | 'description' | 'payloadFormatVersion'
  | 'passthroughBehavior' | 'contentHandlingStrategy' | 'templateSelectionExpression' | 'timeoutInMillis';

interface ScalarRule {
  /** Values AWS (or moto) reports when the field was left out: not drift. */
  unsetMatches: (v: unknown, protocol: Protocol) => boolean;
  /** Value that restores the default in place, when one exists. */
  reset?: (protocol: Protocol) => string | number;
}

const absent = (v: unknown) => v === undefined || v === '';
const SCALARS: Record<Scalar, ScalarRule> = {
  integrationUri: { unsetMatches: absent },
  integrationMethod: { unsetMatches: (v) => absent(v) || v === 'POST' },
  connectionType: { unsetMatches: (v) => absent(v) || v === 'INTERNET', reset: () => 'INTERNET' },
  connectionId: { unsetMatches: absent },
  credentialsArn: { unsetMatches: absent },
  description: { unsetMatches: absent, reset: () => '' },
  payloadFormatVersion: { unsetMatches: (v, p) => absent(v) || (p === 'WEBSOCKET' && v === '1.0') },
  passthroughBehavior: { unsetMatches: (v) => absent(v) || v === 'WHEN_NO_MATCH', reset: () => 'WHEN_NO_MATCH' },
  contentHandlingStrategy: { unsetMatches: absent },
  templateSelectionExpression: { unsetMatches: absent },
  // AWS defaults to the protocol's maximum; moto uses 29000 or 30000 by type. Either is "unset".
  timeoutInMillis: { unsetMatches: (v) => absent(v) || v === 29000 || v === 30000, reset: (p) => (p === 'WEBSOCKET' ? 29000 : 30000) },
};

/** Maps with empty values treated as absent (moto keeps `{}` status-code entries; AWS drops them). */
function cleanMap(m: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(m ?? {}).filter(([, v]) => v !== ''));
}
function cleanNested(m: Record<string, Record<string, string>> | undefined): Record<string, Record<string, string>> {
  return Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, cleanMap(v)] as const).filter(([, v]) => Object.keys(v).length > 0));
}
const sameJson = (a: unknown, b: unknown) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
function sortKeys(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
}

/** Desired map plus empty-value tombstones for keys AWS has that the spec dropped. */
function withTombstones(desired: Record<string, string>, actual: Record<string, string>): Record<string, string> {
  const out = { ...desired };
  for (const k of Object.keys(actual)) if (!(k in desired)) out[k] = '';
  return out;
}

function diffScalars(desired: IntegrationFields, actual: ObservedIntegration, protocol: Protocol, d: IntegrationDiff, update: IntegrationFields): void {
  for (const [field, rule] of Object.entries(SCALARS) as [Scalar, ScalarRule][]) {
    const want = desired[field];
    const have = actual[field];
    if (want !== undefined) {
      if (want !== have) {
        d.changed.push(field);
        (update as Record<string, unknown>)[field] = want;
      }
    } else if (!rule.unsetMatches(have, protocol)) {
      d.changed.push(field);
      if (rule.reset) (update as Record<string, unknown>)[field] = rule.reset(protocol);
      else d.replaceBecause ??= `${field} was removed from the spec and API Gateway cannot clear it in place`;
    }
  }
  const wantTls = desired.tlsConfig?.serverNameToVerify;
  const haveTls = actual.tlsConfig?.serverNameToVerify;
  if (wantTls !== haveTls) {
    d.changed.push('tlsConfig');
    if (wantTls) update.tlsConfig = { serverNameToVerify: wantTls };
    else d.replaceBecause ??= 'tlsConfig was removed from the spec and API Gateway cannot clear it in place';
  }
}

function diffMaps(desired: IntegrationFields, actual: ObservedIntegration, d: IntegrationDiff, update: IntegrationFields): void {
  const isService = Boolean(desired.integrationSubtype);
  const wantReq = cleanMap(desired.requestParameters);
  const haveReq = cleanMap(actual.requestParameters);
  if (!sameJson(wantReq, haveReq)) {
    d.changed.push('requestParameters');
    if (isService && Object.keys(haveReq).some((k) => !(k in wantReq))) {
      // Empty-value removal is refused for action parameters, and omission is undocumented.
      d.replaceBecause ??= 'a service integration action parameter was removed; API Gateway cannot remove it in place';
    }
    update.requestParameters = isService ? wantReq : withTombstones(wantReq, haveReq);
  }
  const wantTpl = cleanMap(desired.requestTemplates);
  const haveTpl = cleanMap(actual.requestTemplates);
  if (!sameJson(wantTpl, haveTpl)) {
    d.changed.push('requestTemplates');
    update.requestTemplates = withTombstones(wantTpl, haveTpl);
  }
  const wantResp = cleanNested(desired.responseParameters);
  const haveResp = cleanNested(actual.responseParameters);
  if (!sameJson(wantResp, haveResp)) {
    d.changed.push('responseParameters');
    const out: Record<string, Record<string, string>> = { ...wantResp };
    for (const code of Object.keys(haveResp)) if (!(code in wantResp)) out[code] = {};
    update.responseParameters = out;
  }
}

export function diffIntegration(desired: IntegrationFields, actual: ObservedIntegration, protocol: Protocol): IntegrationDiff {
  const d: IntegrationDiff = { changed: [] };
  if (desired.integrationType !== actual.integrationType) {
    d.changed.push('integrationType');
    d.replaceBecause = `integrationType changed from ${actual.integrationType ?? 'none'} to ${desired.integrationType}`;
  }
  if ((desired.integrationSubtype ?? '') !== (actual.integrationSubtype ?? '')) {
    d.changed.push('integrationSubtype');
    d.replaceBecause ??= 'integrationSubtype changed';
  }
  const update: IntegrationFields = {};
  diffScalars(desired, actual, protocol, d, update);
  diffMaps(desired, actual, d, update);
  if (d.changed.length === 0 || d.replaceBecause) return d;
  // AWS wants the type (and a service integration's subtype and full parameter set) on every update.
  update.integrationType = desired.integrationType;
  if (desired.integrationSubtype) {
    update.integrationSubtype = desired.integrationSubtype;
    update.requestParameters = cleanMap(desired.requestParameters);
  }
  d.update = update;
  return d;
}
