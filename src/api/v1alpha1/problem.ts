// The shape every validation check reports, and the small helpers the checks of every kind share for
// reading a spec that may not (yet) match its schema: checks run even when the structure is wrong, so
// that a user sees every problem in one pass.

/** One thing wrong with a spec: where, and what to change. */
export interface Problem {
  /** Path from the object root, e.g. `spec.payloadFormatVersion` or `spec.requestParameters[overwrite:path]`. */
  field: string;
  /** Says what to change, in words a person applying the manifest understands. */
  message: string;
}

/**
 * A problem as a check reports it, before follow-on problems are dropped. A check whose advice only
 * makes sense if some field is right says so in `assumes`; a check that finds that field wrong lists
 * it in `refutes`. "MOCK is not available on HTTP APIs" refutes integrationType, so "set
 * payloadFormatVersion '1.0', the only version this integration type supports" (which assumes it)
 * is not shown: the user fixes the type first, and advice about the wrong type would mislead.
 */
export interface Finding extends Problem {
  assumes?: readonly Premise[];
  refutes?: readonly Premise[];
}

/**
 * What a follow-on problem takes for granted. Field names mean "this field is not refused as a
 * whole" (malformed, or foreign to the API's protocol), so advice on its details is moot;
 * `serviceIntegration` means "a service integration (integrationSubtype) is possible here", which a
 * subtype on a WebSocket API or with a type other than AWS_PROXY denies; `unknownProtocol` means
 * "which fields are foreign is not known yet", which the protocol-aware check denies by naming each
 * foreign field.
 */
export type Premise =
  | 'integrationType'
  | 'payloadFormatVersion'
  | 'credentialsArn'
  | 'timeoutInMillis'
  | 'tlsConfig'
  | 'responseParameters'
  | 'serviceIntegration'
  | 'unknownProtocol';

/** The findings that do not rest on a refuted premise, as plain problems (field and message only). */
export function withoutFollowOns(findings: readonly Finding[]): Problem[] {
  const refuted = new Set(findings.flatMap((f) => f.refutes ?? []));
  return findings
    .filter((f) => !(f.assumes ?? []).some((p) => refuted.has(p)))
    .map(({ field, message }) => ({ field, message }));
}

/** Marks findings as follow-ons of the premises; see Finding. */
export const assuming = (premises: readonly Premise[], findings: readonly Finding[]): Finding[] =>
  findings.map((f) => ({ ...f, assumes: [...(f.assumes ?? []), ...premises] }));

/** Marks findings as showing the premises wrong; see Finding. */
export const refuting = (premises: readonly Premise[], findings: readonly Finding[]): Finding[] =>
  findings.map((f) => ({ ...f, refutes: [...(f.refutes ?? []), ...premises] }));

/** A spec as read from a manifest: any shape, looked at through type-checking accessors. */
export type LooseSpec = Readonly<Record<string, unknown>>;

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Mirrors CEL `has(self.f)`: the API server prunes nulls before validating, so null means absent. */
export const has = (s: LooseSpec, f: string): boolean => s[f] !== undefined && s[f] !== null;

export const str = (s: LooseSpec, f: string): string | undefined => (typeof s[f] === 'string' ? s[f] : undefined);

export const record = (s: LooseSpec, f: string): Record<string, unknown> | undefined => {
  const v = s[f];
  return isRecord(v) ? v : undefined;
};

/** `spec.field`, or `spec.field[key]` for a map entry: the notation the API server uses for map keys. */
export function specField(f?: string, ...keys: string[]): string {
  const base = f === undefined ? 'spec' : `spec.${f}`;
  return base + keys.map((k) => `[${k}]`).join('');
}

export const problem = (field: string, message: string): Problem => ({ field, message });

/** One problem at `field` when `cond` holds, none otherwise. */
export const when = (cond: boolean, field: string, message: string): Finding[] =>
  cond ? [problem(field, message)] : [];

export const isOneOf = (v: string | undefined, values: readonly string[]): v is string =>
  v !== undefined && values.includes(v);

/** Converts a RE2 pattern with a leading `(?i)` (CEL syntax) into the equivalent JavaScript RegExp. */
export function re2(pattern: string): RegExp {
  return pattern.startsWith('(?i)') ? new RegExp(pattern.slice(4), 'i') : new RegExp(pattern);
}
