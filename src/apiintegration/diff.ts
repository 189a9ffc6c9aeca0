// Compares what AWS holds with what the spec asks for, and computes the smallest UpdateIntegration
// that gets there. Routes target an integration by id, so everything that can change in place does:
// AWS merges updates, so a cleared scalar is sent as "" (or its default), a removed tlsConfig as {},
// a removed mapping key with an empty value and a removed response status code as an empty map;
// service integrations need the type, subtype and every parameter on each update. What AWS cannot
// clear in place (a subtype, a content handling strategy, a service integration's action parameter)
// is named for a replacement; a removed template, which AWS can only empty, is reported.
import { INTEGRATION_FIELDS, SCALAR_FIELDS, type FieldRule, type ScalarFieldName } from '../api/v1alpha1/fields.ts';
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { IntegrationFields, ObservedIntegration } from './ports.ts';

export interface IntegrationDiff {
  /** Field names that differ; empty when AWS matches the spec. */
  changed: string[];
  /** The UpdateIntegration input, when something can be changed in place. */
  update?: IntegrationFields;
  /** Removals API Gateway cannot make in place (`field["key"]`); they stay until the user acts. */
  notInPlace: string[];
  /** Removals only a new integration can make (`field` or `field["key"]`); the rest is not sent. */
  replace: string[];
  /** The update is a first step; compare again after it (a status code is emptied before refilling). */
  again?: boolean;
}

type Flat = Record<string, string>;
type Nested = Record<string, Flat>;

/** Request parameters with empty values treated as absent (removed keys, in either emulator's form). */
function cleanMap(m: Flat | undefined): Flat {
  return Object.fromEntries(Object.entries(m ?? {}).filter(([, v]) => v !== ''));
}
/** Response parameters without empty status codes (AWS drops them; moto keeps them). */
function cleanNested(m: Nested | undefined): Nested {
  return Object.fromEntries(
    Object.entries(m ?? {})
      .map(([k, v]) => [k, cleanMap(v)] as const)
      .filter(([, v]) => Object.keys(v).length > 0),
  );
}
const sameJson = (a: unknown, b: unknown) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
function sortKeys(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}
const removedKeys = (want: object, have: object) => Object.keys(have).filter((k) => !(k in want));
const named = (field: string, keys: string[]) => keys.map((k) => `${field}["${k}"]`);

class Builder {
  readonly d: IntegrationDiff = { changed: [], notInPlace: [], replace: [] };
  readonly update: IntegrationFields = {};
  set<K extends keyof IntegrationFields>(field: K, value: IntegrationFields[K]): void {
    this.update[field] = value;
  }
  changed(field: string): void {
    if (!this.d.changed.includes(field)) this.d.changed.push(field);
  }
  get sending(): boolean {
    return Object.keys(this.update).length > 0;
  }
}

interface Compared {
  desired: IntegrationFields;
  actual: ObservedIntegration;
  protocol: Protocol;
}

/** One scalar: sent as wanted, cleared in place, or named for a replacement or a report. */
function diffScalar(field: ScalarFieldName, { desired, actual, protocol }: Compared, b: Builder): void {
  const rule: FieldRule = INTEGRATION_FIELDS[field];
  const want = desired[field];
  const have = actual[field];
  if (want !== undefined ? want === have : rule.unsetMatches!(have, protocol, desired)) return;
  b.changed(field);
  if (want !== undefined) (b.update as Record<string, unknown>)[field] = want;
  else if (rule.reset) (b.update as Record<string, unknown>)[field] = rule.reset(protocol);
  else (rule.clearsByReplacement ? b.d.replace : b.d.notInPlace).push(field);
}

function diffScalars(desired: IntegrationFields, actual: ObservedIntegration, protocol: Protocol, b: Builder): void {
  if (desired.integrationType !== actual.integrationType) {
    b.changed('integrationType');
    b.set('integrationType', desired.integrationType);
  }
  for (const field of SCALAR_FIELDS)
    if (field !== 'integrationType') diffScalar(field, { desired, actual, protocol }, b);
  const wantTls = desired.tlsConfig?.serverNameToVerify;
  if (wantTls !== actual.tlsConfig?.serverNameToVerify) {
    b.changed('tlsConfig');
    // An empty TlsConfig clears it (Terraform's expandTLSConfig of an empty block does the same).
    b.set('tlsConfig', wantTls ? { serverNameToVerify: wantTls } : {});
  }
}

function diffRequestParameters(desired: IntegrationFields, actual: ObservedIntegration, b: Builder): void {
  const want = cleanMap(desired.requestParameters);
  const have = cleanMap(actual.requestParameters);
  if (sameJson(want, have)) return;
  b.changed('requestParameters');
  const gone = removedKeys(want, have);
  if (!desired.integrationSubtype) {
    // Desired keys plus empty-value tombstones: right for AWS's merge and for moto's replace.
    b.set('requestParameters', { ...want, ...Object.fromEntries(gone.map((k) => [k, ''])) });
    return;
  }
  // A service integration refuses empty values for its action parameters (terraform-provider-aws
  // #50061) and the effect of leaving one out is undocumented, so only a new integration removes one.
  b.d.replace.push(...named('requestParameters', gone));
  if (Object.entries(want).some(([k, v]) => have[k] !== v)) b.set('requestParameters', want);
}

function diffRequestTemplates(desired: IntegrationFields, actual: ObservedIntegration, b: Builder): void {
  // Not cleaned: AWS stores "" as an empty template (a real template that matches its content type).
  const want = desired.requestTemplates ?? {};
  const have = actual.requestTemplates ?? {};
  if (sameJson(want, have)) return;
  b.changed('requestTemplates');
  const gone = removedKeys(want, have);
  const send: Flat = Object.fromEntries(Object.entries(want).filter(([k, v]) => have[k] !== v));
  // "" is the closest AWS comes to removing a template: its body goes, the content type stays.
  for (const k of gone) if (have[k] !== '') send[k] = '';
  b.d.notInPlace.push(...named('requestTemplates', gone));
  // moto replaces the whole map on update, so the kept templates go along too.
  if (Object.keys(send).length > 0) b.set('requestTemplates', { ...want, ...send });
}

function diffResponseParameters(desired: IntegrationFields, actual: ObservedIntegration, b: Builder): void {
  const want = cleanNested(desired.responseParameters);
  const have = cleanNested(actual.responseParameters);
  if (sameJson(want, have)) return;
  b.changed('responseParameters');
  const out: Nested = {};
  for (const [code, mappings] of Object.entries(want)) {
    // AWS documents removal of a whole status code ({}), not of one mapping inside a kept code: empty
    // the code first, refill it on the next step. Every code is sent because moto replaces the map.
    const shrinks = removedKeys(mappings, have[code] ?? {}).length > 0;
    out[code] = shrinks ? {} : mappings;
    if (shrinks) b.d.again = true;
  }
  for (const code of removedKeys(want, have)) out[code] = {};
  b.set('responseParameters', out);
}

export function diffIntegration(
  desired: IntegrationFields,
  actual: ObservedIntegration,
  protocol: Protocol,
): IntegrationDiff {
  const b = new Builder();
  diffScalars(desired, actual, protocol, b);
  diffRequestParameters(desired, actual, b);
  diffRequestTemplates(desired, actual, b);
  diffResponseParameters(desired, actual, b);
  if (!b.sending) return b.d;
  // AWS wants the type (and a service integration's subtype and full parameter set) on every update.
  b.set('integrationType', desired.integrationType);
  if (desired.integrationSubtype) {
    b.set('integrationSubtype', desired.integrationSubtype);
    b.set('requestParameters', cleanMap(desired.requestParameters));
  }
  b.d.update = b.update;
  return b.d;
}
