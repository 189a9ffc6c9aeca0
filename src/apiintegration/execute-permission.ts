// Carries out spec.lambdaPermission's two writes, AddPermission and RemovePermission of the one
// statement the operator owns, each with the object's record of its statements: named before the
// add (a crash after it still knows the statement), dropped after the remove. What AWS answers that
// is no failure of the pass (the id taken, a refusal, a statement already gone) goes back to decide
// as learned; nothing here chooses what happens next.
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { announce, patchObject } from '../kind/execute.ts';
import type { StepContext, StepResult } from './execute.ts';
import { invokedArn, removePermissionCommand } from './permission.ts';
import { removalKey } from './permission-ports.ts';
import { annotatedRecords, ownedRecords, recordKey, recordOf, recordsAnnotation } from './permission-record.ts';
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
  const lambda = lambdaOf(ctx);
  const mine = recordOf(a.statement);
  const named = (annotatedRecords(obj) ?? []).some((r) => recordKey(r) === recordKey(mine));
  const others = ownedRecords(obj).filter((r) => recordKey(r) !== recordKey(mine));
  const recorded = named
    ? obj
    : (await patchObject(ctx, obj, { annotations: recordsAnnotation(obj, [...others, mine]) })).obj;
  const answer = await lambda.addPermission({ fn, roleArn: ctx.roleArn }, a.statement, ctx.signal);
  if (typeof answer === 'object') {
    ctx.log.warn({ action: 'AddPermission', statementId, reason: answer.denied }, 'AddPermission refused');
    return { obj: recorded, learned: { permission: { denied: answer.denied } } };
  }
  // The id is taken: by the operator's own statement (an answer lost earlier) or by another; a fresh read tells.
  if (answer === 'exists') return { obj: recorded, learned: { permission: { conflict: true } } };
  ctx.log.info({ action: 'AddPermission', statementId, functionArn: fn.functionArn }, 'added Lambda permission');
  announce(ctx, obj, event);
  return { obj: recorded, learned: { permission: { added: true } } };
}

export async function removePermission(
  ctx: StepContext,
  obj: ApiIntegration,
  a: Of<'RemovePermission'>,
  { event }: Plan,
): Promise<StepResult> {
  const answer = await lambdaOf(ctx).removePermission({ fn: a.fn, roleArn: ctx.roleArn }, a.statementId, ctx.signal);
  const key = removalKey(a.fn, a.statementId);
  // Refused: left to a person, since holding the object (or its move) would not change that.
  if (typeof answer === 'object') {
    ctx.log.warn({ action: 'RemovePermission', statementId: a.statementId, reason: answer.denied }, 'left in place');
    announce(ctx, obj, {
      type: 'Warning',
      reason: 'LambdaPermissionLeftInPlace',
      message: `AWS refused to remove statement ${a.statementId} from the policy of ${invokedArn(a.fn)} (${answer.denied}); the operator no longer tracks it, so if it is there, remove it: ${removePermissionCommand(a.fn, a.statementId)}`,
    });
  } else if (answer === 'done') {
    ctx.log.info({ action: 'RemovePermission', statementId: a.statementId }, 'removed Lambda permission');
    announce(ctx, obj, event);
  }
  // Gone or refused, it is no longer the object's to remove.
  const annotated = annotatedRecords(obj);
  const left = annotated?.filter((r) => recordKey(r) !== key);
  const next =
    left && left.length < annotated!.length
      ? (await patchObject(ctx, obj, { annotations: recordsAnnotation(obj, left) })).obj
      : obj;
  return { obj: next, learned: { permission: { removed: [...a.removedBefore, key] } } };
}

/** Sets the object's record of the statements it owns (the plan's event says what it forgot); AWS is not called. */
export async function recordPermissions(
  ctx: StepContext,
  obj: ApiIntegration,
  a: Of<'RecordPermissions'>,
  { event }: Plan,
): Promise<StepResult> {
  const next = await patchObject(ctx, obj, { annotations: recordsAnnotation(obj, a.records) });
  announce(ctx, obj, event);
  return next;
}
