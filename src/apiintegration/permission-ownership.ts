// Which Lambda permission statements an ApiIntegration may write, keep on record and remove
// (spec.lambdaPermission Managed), as decisions over its record (permission-record.ts): whether it
// is held back from writing, which recorded statements are its own to remove, and the steps that
// set the record. decide-permission.ts decides with these; nothing here calls AWS.
import { effectiveLambdaPermission, type LambdaPermissionMode } from '../api/v1alpha1/lambda-permission.ts';
import { allows } from '../api/v1alpha1/tenancy.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { invokedArn, removePermissionCommand, type LambdaFunction, type WantedStatement } from './permission.ts';
import type { PermissionRecord } from './permission-ports.ts';
import {
  annotatedRecords,
  objectKey,
  ownedRecords,
  recordKey,
  recordOf,
  recordOwner,
  type RecordEntry,
} from './permission-record.ts';
import type { DecideInput, Plan } from './plan.ts';

type ModeInput = Pick<DecideInput, 'obj' | 'lambdaWrites'>;

const FLAG = '--manage-lambda-permissions (chart value lambdaPermissions.manage)';

/**
 * Why a Managed object writes nothing to the function policy, if it does not: it only observes, or
 * the operator was not given the writes. Managed then reads as Check, and keeps its record, so the
 * statements it added are still removed once it may write again.
 */
export function heldBack({ obj, lambdaWrites }: ModeInput): string | undefined {
  if (effectiveLambdaPermission(obj.spec) !== 'Managed') return undefined;
  const why = [
    ...(obj.spec.managementPolicy === 'ObserveOnly' ? ['managementPolicy ObserveOnly writes nothing'] : []),
    ...(lambdaWrites ? [] : [`the operator runs without ${FLAG}`]),
  ];
  return why.length > 0 ? `lambdaPermission Managed acts as Check: ${why.join('; ')}` : undefined;
}

export function modeOf(input: ModeInput): LambdaPermissionMode {
  return heldBack(input) ? 'Check' : effectiveLambdaPermission(input.obj.spec);
}

/** What the LambdaPermissionMissing message offers besides the command. */
export function advice(input: ModeInput): string {
  return (
    heldBack(input) ??
    (input.lambdaWrites
      ? 'or set spec.lambdaPermission: Managed'
      : `or set spec.lambdaPermission: Managed, with the operator run with ${FLAG}`)
  );
}

/**
 * The recorded statements this object may remove. The record is an annotation that anyone who may
 * edit the object can write, so only statements of the operator's own id form count, recorded by
 * this object (a copy of it carries its record too, under the original's name), and, unless the id
 * names this object, on an API the namespace may touch and not another ApiIntegration's that still
 * exists. The others are forgotten, never removed.
 */
export function removableRecords(input: Pick<DecideInput, 'obj' | 'allowedApis' | 'liveRecordOwners'>): RecordEntry[] {
  const { obj, allowedApis, liveRecordOwners = [] } = input;
  return ownedRecords(obj).filter((r) => {
    const owner = recordOwner(r);
    if (!owner || (r.object ?? objectKey(obj)) !== objectKey(obj)) return false;
    if (owner.uid === obj.metadata.uid) return true;
    return (!allowedApis || allows(allowedApis, owner.apiId)) && !liveRecordOwners.includes(owner.uid);
  });
}

/** The function a record is on, as far as RemovePermission needs it (region and account from its ARN). */
export function functionOfRecord(r: PermissionRecord): LambdaFunction {
  const [, partition = 'aws', , region = '', account = ''] = r.functionArn.split(':');
  return { functionArn: r.functionArn, partition, region, account, ...(r.qualifier ? { qualifier: r.qualifier } : {}) };
}

/** Makes the annotation name exactly `records` (see permission-record.ts), then decides again. */
export const recording = (records: PermissionRecord[], event?: Plan['event']): Plan => ({
  action: { type: 'RecordPermissions', records },
  ...(event ? { event } : {}),
  requeue: { kind: 'next-step' },
  continues: true,
});

/**
 * Another mode than Managed leaves the statements in place and forgets them. A Managed object held
 * back keeps its record, and moves one an older operator left in status into the annotation, where
 * a restore finds it.
 */
export function keptOrForgotten(input: ModeInput, plan: Plan): Plan {
  const { obj } = input;
  const annotated = annotatedRecords(obj);
  if (effectiveLambdaPermission(obj.spec) === 'Managed') {
    const inStatus = obj.status?.lambdaPermission;
    return annotated === undefined && inStatus ? recording([inStatus]) : plan;
  }
  if (obj.spec.managementPolicy === 'ObserveOnly' || !annotated?.length) return plan;
  return recording([]);
}

/**
 * The id held by another statement: the record drops it, so that statement is never removed as the
 * operator's. (A refused add keeps it: removing a statement that is not there is answered as done.)
 */
export function notAdded(obj: ApiIntegration, w: WantedStatement, plan: Plan): Plan {
  const annotated = annotatedRecords(obj);
  const mine = recordOf(w);
  if (!annotated?.some((r) => recordKey(r) === recordKey(mine))) return plan;
  return recording(annotated.filter((r) => recordKey(r) !== recordKey(mine)));
}

/**
 * A Managed object deleted while the operator may not write function policies: its statements stay,
 * and with the object goes their record, so a Warning names each with the command that removes it.
 */
export function leftOnDelete(input: DecideInput): Plan | undefined {
  const left = input.lambdaWrites ? [] : removableRecords(input);
  if (effectiveLambdaPermission(input.obj.spec) !== 'Managed' || left.length === 0) return undefined;
  const commands = left.map((r) => removePermissionCommand(functionOfRecord(r), r.statementId));
  const message = `the operator runs without ${FLAG}, so the statements this object added stay in the policy of ${left.map((r) => invokedArn(functionOfRecord(r))).join(', ')}; remove them if nothing else needs them: ${commands.join('; ')}`;
  return recording([], { type: 'Warning', reason: 'LambdaPermissionLeftInPlace', message });
}
