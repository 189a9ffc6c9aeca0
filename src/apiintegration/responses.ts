// The integration responses of a WebSocket integration (spec.integrationResponses): what the spec
// asks for, the one next Create/Update/DeleteIntegrationResponse once the integration itself
// matches the spec, and carrying that call out. They live under the integration's id, so a new
// integration (a move, a replacement, a recreate after an out-of-band delete) starts without any
// and gets them the same way; an out-of-band change is put back on the drift check.
// Left out of the spec, they are not managed: nothing is read or written.
import type { Protocol } from '../api/v1alpha1/group.ts';
import { INTEGRATION_RESPONSE_FIELDS } from '../api/v1alpha1/response-schema.ts';
import type { ApiIntegration, ApiIntegrationSpecT } from '../api/v1alpha1/types.ts';
import { announce } from '../kind/execute.ts';
import { NEXT_STEP } from '../kind/plan.ts';
import {
  describeResponseStep,
  desiredResponses,
  nextResponseStep,
  responseStepEvent,
  type DesiredResponse,
} from '../kind/responses.ts';
import { look, type Action, type DecideInput, type Desired, type Plan } from './plan.ts';
import type { StepContext, StepResult } from './execute.ts';

/** The responses AWS should hold; undefined when the spec leaves them unmanaged or the API is not WebSocket. */
export function desiredIntegrationResponses(
  spec: ApiIntegrationSpecT,
  protocol: Protocol | undefined,
): DesiredResponse[] | undefined {
  if (protocol !== 'WEBSOCKET' || spec.integrationResponses === undefined) return undefined;
  return desiredResponses(spec.integrationResponses, 'integrationResponseKey');
}

/**
 * Once the integration matches the spec: `steady` when its responses match too, else the next
 * response call. The pass goes on after each, so a pass makes the whole list match.
 */
export function decideIntegrationResponses(input: DecideInput, d: Desired, integrationId: string, steady: Plan): Plan {
  if (!d.responses) return steady;
  const observed = input.observation.responses;
  if (observed === undefined) return look({ kind: 'responses', place: d.location, integrationId });
  // The integration went between the reads: the next pass finds it gone and makes it again.
  if (observed === null) return steady;
  const step = nextResponseStep(INTEGRATION_RESPONSE_FIELDS, d.responses, observed);
  if (!step) return steady;
  const what = `${describeResponseStep('integration response', step)} of integration ${integrationId}`;
  return {
    action: { type: 'IntegrationResponse', location: d.location, integrationId, step },
    event: responseStepEvent(input.obj, what),
    requeue: NEXT_STEP,
    continues: true,
  };
}

/** Whether a create or update of the integration is followed at once by its responses. */
export const respondsNext = (d: Desired): boolean => (d.responses?.length ?? 0) > 0;

/** Carries out one response call; the plan's event says what it did. */
export async function executeIntegrationResponse(
  ctx: StepContext,
  obj: ApiIntegration,
  a: Extract<Action, { type: 'IntegrationResponse' }>,
  { event }: Plan,
): Promise<StepResult> {
  const { location: loc, integrationId, step } = a;
  const response = step.op === 'Delete' ? undefined : { key: step.key, fields: step.fields };
  if (step.op === 'Create') await ctx.gateway.createIntegrationResponse(loc, integrationId, response!, ctx.signal);
  else if (step.op === 'Update')
    await ctx.gateway.updateIntegrationResponse(loc, integrationId, { id: step.id, ...response! }, ctx.signal);
  else await ctx.gateway.deleteIntegrationResponse(loc, integrationId, step.id, ctx.signal);
  ctx.log.info({ action: `${step.op}IntegrationResponse`, integrationId, responseKey: step.key }, event?.message ?? '');
  announce(ctx, obj, event);
  return { obj };
}
