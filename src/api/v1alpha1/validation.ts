// The one entry point for "is this ApiIntegration spec acceptable?": the frame every kind shares
// (spec-validation.ts) run with the kind's own checks: structure (validation-structure.ts), the
// TypeScript twins of its CEL rules (validation-rules.ts) and the rules that need the API's protocol
// (validation-protocol.ts). Pure: no I/O, no SDKs, no environment.
import type { ApiIntegrationSpecT } from './types.ts';
import { specValidation, type SpecValidationResult } from './spec-validation.ts';
import { structureProblems } from './validation-structure.ts';
import { MAP_RULE_TWINS, SPEC_RULE_TWINS, TRANSITION_RULE_TWINS } from './validation-rules.ts';
import { protocolProblems } from './validation-protocol.ts';

// Shared by every kind; importers of the validation reach them here too.
export type { Problem } from './problem.ts';
export { formatProblems } from './spec-validation.ts';

export type ValidationResult = SpecValidationResult<ApiIntegrationSpecT>;

export const { validate: validateSpec, validateUpdate: validateSpecUpdate } = specValidation<ApiIntegrationSpecT>({
  notAnObject: 'spec must be an object with at least apiId and integrationType',
  structure: structureProblems,
  twins: [...SPEC_RULE_TWINS, ...MAP_RULE_TWINS],
  protocol: protocolProblems,
  transitionTwins: TRANSITION_RULE_TWINS,
});
