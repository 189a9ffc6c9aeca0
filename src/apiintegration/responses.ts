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
import { desiredResponses, nextResponseCall, sendResponseStep, type DesiredResponse } from '../kind/responses.ts';
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
  const next = nextResponseCall({
    rows: INTEGRATION_RESPONSE_FIELDS,
    desired: d.responses,
    observed: input.observation.responses,
    obj: input.obj,
    noun: 'integration response',
    of: `integration ${integrationId}`,
  });
  if (!next) return steady;
  if (next === 'look') return look({ kind: 'responses', place: d.location, integrationId });
  return {
    action: { type: 'IntegrationResponse', location: d.location, integrationId, step: next.step },
    event: next.event,
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
  const g = ctx.gateway;
  await sendResponseStep(step, {
    create: (r) => g.createIntegrationResponse(loc, integrationId, r, ctx.signal),
    update: (r) => g.updateIntegrationResponse(loc, integrationId, r, ctx.signal),
    remove: (id) => g.deleteIntegrationResponse(loc, integrationId, id, ctx.signal),
  });
  ctx.log.info({ action: `${step.op}IntegrationResponse`, integrationId, responseKey: step.key }, event?.message ?? '');
  announce(ctx, obj, event);
  return { obj };
}
