// The shape every validation check reports, and the small helpers the checks share for reading a
// spec that may not (yet) match its schema: checks run even when the structure is wrong, so that a
// user sees every problem in one pass.

/** One thing wrong with a spec: where, and what to change. */
export interface Problem {
  /** Path from the object root, e.g. `spec.payloadFormatVersion` or `spec.requestParameters[overwrite:path]`. */
  field: string;
  /** Says what to change, in words a person applying the manifest understands. */
  message: string;
}

/** A spec as read from a manifest: any shape, looked at through type-checking accessors. */
export type LooseSpec = Readonly<Record<string, unknown>>;

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

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

/** Converts a RE2 pattern with a leading `(?i)` (CEL syntax) into the equivalent JavaScript RegExp. */
export function re2(pattern: string): RegExp {
  return pattern.startsWith('(?i)') ? new RegExp(pattern.slice(4), 'i') : new RegExp(pattern);
}
