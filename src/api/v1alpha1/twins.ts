// What a TypeScript twin of a CEL rule is, for every kind. CEL cannot run in Node, yet the operator
// and `apigw-operator validate` must refuse the same specs as the API server (objects may predate the
// CRD, or come from a CLI). Each twin names the CEL rule it mirrors by its message; each kind's unit
// tests check that every rule has exactly one twin, and its integration tests that both refuse the
// same manifests on a real API server.
import { has, specField, str, when, type Finding, type LooseSpec, type Problem } from './problem.ts';

/** The twin of a rule that judges one spec. */
export interface CelTwin {
  /** The CEL rule(s) mirrored: the rule's exact message, or a pattern for a rule or a generated family. */
  cel: string | RegExp;
  check: (s: LooseSpec) => Finding[];
}

/** The twin of a transition rule: what may not change between the stored spec and an update. */
export interface TransitionTwin {
  cel: string | RegExp;
  check: (oldSpec: LooseSpec, newSpec: LooseSpec) => Problem[];
}

/** Twin of adoptedIdRule (group.ts): the id of an adopted resource may not change once set. */
export const adoptedIdTwin = (field: string, kind: string, noun: string): TransitionTwin => ({
  cel: new RegExp(`^spec\\.${field} is immutable once set`),
  check: (o, n) =>
    when(
      has(o, field) && str(n, field) !== str(o, field),
      specField(field),
      `spec.${field} is immutable once set; put back ${String(o[field])}, or create a new ${kind} to adopt a different ${noun}`,
    ),
});
