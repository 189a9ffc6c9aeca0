// The one entry point for "is this spec acceptable?": structure (the CRD's JSON schema, via ajv),
// the CEL rules re-implemented in TypeScript, and, once the API's protocol is known, the rules
// that depend on it. Every problem is reported at once so a user can fix a manifest in one go,
// except follow-ons of another (advice that assumes a field the same result refuses; see Finding):
// those would send the user to fix something that is not the cause.
// Pure: no I/O, no SDKs, no environment.
import type { ApiIntegrationSpecT } from './types.ts';
import type { Protocol } from './group.ts';
import { isRecord, problem, withoutFollowOns, type LooseSpec, type Problem } from './problem.ts';
import { structureProblems } from './validation-structure.ts';
import { TRANSITION_RULE_TWINS, celProblems } from './validation-rules.ts';
import { protocolProblems } from './validation-protocol.ts';

export type { Problem } from './problem.ts';

export type ValidationResult = { ok: true; spec: ApiIntegrationSpecT } | { ok: false; problems: Problem[] };

/**
 * Checks a spec; with `protocol` (learned from GetApi) also the protocol-specific AWS rules.
 * On success returns the spec with nulls dropped, as the API server would store it.
 */
export function validateSpec(spec: unknown, protocol?: Protocol): ValidationResult {
  if (!isRecord(spec))
    return { ok: false, problems: [problem('spec', 'spec must be an object with at least apiId and integrationType')] };
  const s = withoutNulls(spec);
  const problems = unique(
    withoutFollowOns([...structureProblems(s), ...celProblems(s), ...(protocol ? protocolProblems(s, protocol) : [])]),
  );
  return problems.length === 0 ? { ok: true, spec: s as ApiIntegrationSpecT } : { ok: false, problems };
}

/** Checks what may not change on update (the CEL transition rules), given the stored spec. */
export function validateSpecUpdate(oldSpec: unknown, newSpec: unknown): Problem[] {
  if (!isRecord(oldSpec) || !isRecord(newSpec)) return [];
  return TRANSITION_RULE_TWINS.flatMap((t) => t.check(withoutNulls(oldSpec), withoutNulls(newSpec)));
}

/** One line per problem (`field: message`), for condition messages, Events and the CLI. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('\n');
}

// The API server prunes nulls before validating and storing; doing the same keeps a manifest with
// `field: null` acceptable here exactly when it is at admission.
function withoutNulls(v: Record<string, unknown>): LooseSpec {
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, isRecord(x) ? withoutNulls(x) : x]),
  );
}

function unique(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.field}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
