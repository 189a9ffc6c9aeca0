// What a failed ApiIntegration pass means: the shared decision (src/kind/failure.ts), with failures
// named by the reasons the errors carry, all of which are ApiIntegration's own.
import { failureOf, type FailureContext, type FailureResponse } from '../kind/failure.ts';
import type { ConditionReason, EventReason } from './reasons.ts';

export type IntegrationFailureResponse = FailureResponse<ConditionReason, EventReason>;

const integrationReasons: FailureContext<ConditionReason>['reasonOf'] = (err) => err.reason;

export function failureResponse(err: unknown, obj: FailureContext<ConditionReason>['obj']): IntegrationFailureResponse {
  return failureOf(err, { obj, reasonOf: integrationReasons });
}
