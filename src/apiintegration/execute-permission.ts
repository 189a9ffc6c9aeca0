// Carries out spec.lambdaPermission's two writes: AddPermission and RemovePermission of the one
// statement the operator owns. What AWS answers that is no failure of the pass (the id taken, a
// refusal, a statement already gone) goes back to decide as learned; nothing here chooses what
// happens next.
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { announce } from '../kind/execute.ts';
import type { StepContext, StepResult } from './execute.ts';
import { removalKey } from './permission-ports.ts';
import type { Action, Plan } from './plan.ts';

type Of<T extends Action['type']> = Extract<Action, { type: T }>;

function lambdaOf(ctx: StepContext) {
  if (!ctx.lambda) throw new Error('a lambdaPermission plan needs the Lambda port');
  return ctx.lambda;
}

export async function addPermission(
  ctx: StepContext,
  obj: ApiIntegration,
  a: Of<'AddPermission'>,
  { event }: Plan,
): Promise<StepResult> {
  const { fn, statementId } = a.statement;
  const answer = await lambdaOf(ctx).addPermission({ fn, roleArn: ctx.roleArn }, a.statement, ctx.signal);
  if (typeof answer === 'object') {
    ctx.log.warn({ action: 'AddPermission', statementId, reason: answer.denied }, 'AddPermission refused');
    return { learned: { permission: { denied: answer.denied } } };
  }
  // The id is taken: by the operator's own statement (an answer lost earlier) or by another; a fresh read tells.
  if (answer === 'exists') return { learned: { permission: { conflict: true } } };
  ctx.log.info({ action: 'AddPermission', statementId, functionArn: fn.functionArn }, 'added Lambda permission');
  announce(ctx, obj, event);
  return { learned: { permission: { added: true } } };
}

export async function removePermission(
  ctx: StepContext,
  obj: ApiIntegration,
  a: Of<'RemovePermission'>,
  { event }: Plan,
): Promise<StepResult> {
  const answer = await lambdaOf(ctx).removePermission({ fn: a.fn, roleArn: ctx.roleArn }, a.statementId, ctx.signal);
  const removed = [...a.removedBefore, removalKey(a.fn, a.statementId)];
  // Refused: left for the administrator, since holding the object (or its move) would not change that.
  if (typeof answer === 'object')
    ctx.log.warn({ action: 'RemovePermission', statementId: a.statementId, reason: answer.denied }, 'left in place');
  else if (answer === 'done') {
    ctx.log.info({ action: 'RemovePermission', statementId: a.statementId }, 'removed Lambda permission');
    announce(ctx, obj, event);
  }
  return { learned: { permission: { removed } } };
}
