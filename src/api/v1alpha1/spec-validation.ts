// The one frame every kind's "is this spec acceptable?" runs in: structure (the CRD's JSON schema, via
// ajv), the CEL rules re-implemented in TypeScript, and, once the API's protocol is known, the rules
// that depend on it. Every problem is reported at once so a user can fix a manifest in one go,
// except follow-ons of another (advice that assumes a field the same result refuses; see Finding):
// those would send the user to fix something that is not the cause. A kind passes in its checks
// (validation.ts, route-validation.ts, stage-validation.ts). Pure: no I/O, no SDKs, no environment.
import type { Protocol } from './group.ts';
import { isRecord, problem, withoutFollowOns, type Finding, type LooseSpec, type Problem } from './problem.ts';
import type { CelTwin, TransitionTwin } from './twins.ts';

export type SpecValidationResult<Spec> = { ok: true; spec: Spec } | { ok: false; problems: Problem[] };

/** A kind's checks. */
export interface SpecChecks {
  /** What to say when the spec is not an object at all: the fields every spec needs. */
  notAnObject: string;
  /** The spec's shape against the kind's schema (spec-structure.ts). */
  structure: (s: LooseSpec) => Finding[];
  /** The twins of the CEL rules that judge one spec. */
  twins: readonly CelTwin[];
  /** The rules that need the API's protocol, which only GetApi can tell. */
  protocol: (s: LooseSpec, protocol: Protocol) => Finding[];
  /** The twins of the transition rules, which judge an update against the stored spec. */
  transitionTwins: readonly TransitionTwin[];
}

/** A kind's validation: of a spec, and of an update. */
export interface SpecValidation<Spec> {
  /**
   * Checks a spec; with `protocol` (learned from GetApi) also the protocol-specific AWS rules. On
   * success returns the spec with nulls dropped, as the API server would store it.
   */
  validate: (spec: unknown, protocol?: Protocol) => SpecValidationResult<Spec>;
  /** Checks what may not change on update (the CEL transition rules), given the stored spec. */
  validateUpdate: (oldSpec: unknown, newSpec: unknown) => Problem[];
}

export function specValidation<Spec>(checks: SpecChecks): SpecValidation<Spec> {
  return {
    validate: (spec, protocol) => {
      if (!isRecord(spec)) return { ok: false, problems: [problem('spec', checks.notAnObject)] };
      const s = withoutNulls(spec);
      const problems = unique(
        withoutFollowOns([
          ...checks.structure(s),
          ...checks.twins.flatMap((t) => t.check(s)),
          ...(protocol ? checks.protocol(s, protocol) : []),
        ]),
      );
      return problems.length === 0 ? { ok: true, spec: s as Spec } : { ok: false, problems };
    },
    validateUpdate: (oldSpec, newSpec) => {
      if (!isRecord(oldSpec) || !isRecord(newSpec)) return [];
      return checks.transitionTwins.flatMap((t) => t.check(withoutNulls(oldSpec), withoutNulls(newSpec)));
    },
  };
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

/** A problem two checks find (a CEL twin and a protocol rule, say) is listed once. */
function unique(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.field}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
