// Deciding about the Lambda invoke permission (spec.lambdaPermission), once the integration itself
// matches the spec: Check reads the function policy and says on Live what keeps API Gateway from
// invoking the function; Managed also adds the one statement the operator owns when none lets this
// API invoke it, and removes the statement it added once it is no longer wanted (a move, a new
// URI, a deleted object). One AWS write per step; the calls are in execute-permission.ts.
import type { Liveness } from '../api/v1alpha1/conditions.ts';
import {
  recordedPermissionBlocker,
  type LambdaPermissionLiveReason as PermissionLiveReason,
} from '../api/v1alpha1/lambda-permission.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import {
  addPermissionCommand,
  invokedArn,
  lambdaFunctionOf,
  ownStatement,
  policyAllows,
  removePermissionCommand,
  statementIdOf,
  wantedStatement,
  type LambdaFunction,
  type WantedStatement,
} from './permission.ts';
import { removalKey, type PermissionRecord, type PermissionReport, type PolicyRead } from './permission-ports.ts';
import { annotatedAs, annotatedRecords, recordKey, recordOf } from './permission-record.ts';
import {
  advice,
  functionOfRecord,
  heldBack,
  keptOrForgotten,
  leftOnDelete,
  modeOf,
  notAdded,
  recording,
  removableRecords,
} from './permission-ownership.ts';
import { allows } from '../api/v1alpha1/tenancy.ts';
import { NEXT_STEP, look, type DecideInput, type Desired, type Notice, type Plan } from './plan.ts';

export type { PermissionLiveReason };

type Blocker = Liveness<PermissionLiveReason>;

function removal(fn: LambdaFunction, statementId: string, removedBefore: string[], why: string): Plan {
  return {
    action: { type: 'RemovePermission', fn, statementId, removedBefore },
    event: {
      type: 'Normal',
      reason: 'LambdaPermissionRemoved',
      message: `removed statement ${statementId} from the policy of ${invokedArn(fn)} (${why})`,
    },
    requeue: { kind: 'next-step' },
    continues: true,
  };
}

/** The steady plan with the permission's finding and record for the status. */
function reporting(steady: Plan, permission: PermissionReport, notice?: Notice): Plan {
  const report = steady.report ? { ...steady.report, permission } : undefined;
  return { ...steady, ...(report ? { report } : {}), ...(notice && !steady.notice ? { notice } : {}) };
}

/**
 * The integration matches the spec (`steady` is its plan): the permission is looked at, added or
 * removed. Removing a stale statement comes after adding the new one, so a move never leaves the
 * function without one.
 */
export function withPermission(input: DecideInput, d: Desired, steady: Plan): Plan {
  const { obj } = input;
  const mode = modeOf(input);
  const fn = mode === 'Ignore' ? undefined : lambdaFunctionOf(obj.spec);
  const recorded = obj.status?.lambdaPermission;
  if (!fn || !input.lambda) return staleOrQuiet(input, steady, undefined);
  if ('accountUnknown' in input.lambda) return accountUnknown(steady, fn, input.lambda.accountUnknown, recorded);
  const { apiId, region } = d.location;
  const account = input.lambda.apiAccount;
  const w = wantedStatement(fn, { apiId, region, account, uid: obj.metadata.uid ?? '' });
  const read = input.observation.policy;
  if (read === undefined) return look({ kind: 'policy', fn });
  if (notAnswered(read)) return lastFinding(steady, obj, recorded);
  if (mode === 'Check') return checked(input, steady, read, w);
  if (read.kind !== 'policy') return reporting(steady, { record: recorded ?? null, ...findingOf(read, w) });
  return managed(input, steady, w, read.policy);
}

/**
 * Check: what the policy read found, with no write to it. A Managed object held back keeps its
 * status record as it keeps its annotation; Check itself holds no statement.
 */
function checked(input: DecideInput, steady: Plan, read: PolicyRead, w: WantedStatement): Plan {
  const finding = findingOf(read, w, advice(input));
  const record = heldBack(input) ? (input.obj.status?.lambdaPermission ?? null) : null;
  return keptOrForgotten(input, reporting(steady, { record, ...finding }, missingNotice(finding)));
}

const notAnswered = (read: PolicyRead) => read.kind === 'unreadable' && read.transient === true;

/** A read not answered: Live keeps what the last one found, and nothing is written. */
function lastFinding(steady: Plan, obj: ApiIntegration, recorded: PermissionRecord | undefined): Plan {
  const blocker = recordedPermissionBlocker(obj);
  return reporting(steady, { record: recorded ?? null, ...(blocker ? { blocker } : {}) });
}

/** Without the API's account there is no SourceArn to look for: Live says so, nothing is written. */
function accountUnknown(steady: Plan, fn: LambdaFunction, why: string, recorded: PermissionRecord | undefined): Plan {
  const blocker = unknownFor(fn, `the API's account is not known: ${why}`);
  return reporting(steady, { record: recorded ?? null, blocker });
}

function managed(input: DecideInput, steady: Plan, w: WantedStatement, policy: string | undefined): Plan {
  const learned = input.observation.permission ?? {};
  const read: PolicyRead = { kind: 'policy', policy };
  const own = ownStatement(policy, w);
  // Its own statement, whatever else the policy holds: deleting another object on the same API and
  // function then never takes away the permission this one relies on.
  if (own === 'same' && policyAllows(policy, w)) return staleOrQuiet(input, steady, recordOf(w));
  // Just added, yet not in the policy read back: a read that lags says nothing either way.
  if (learned.added && own === 'absent') {
    const blocker = unknown(w, `statement ${w.statementId}, just added, is not in the policy read back yet`);
    return reporting(steady, { record: recordOf(w), blocker });
  }
  // Ours is there (or was just added) and still does not let the API in: a Deny, say.
  if (own === 'same' || learned.added) {
    const finding = findingOf(read, w);
    return reporting(steady, { record: recordOf(w), ...finding }, missingNotice(finding));
  }
  if (own === 'different' || learned.conflict) return notAdded(input.obj, w, conflicted(steady, read, w));
  if (learned.denied) {
    const blocker = unknown(w, `AddPermission was refused: ${learned.denied}`);
    return reporting(steady, { record: null, ...(policyAllows(policy, w) ? {} : { blocker }) });
  }
  return {
    action: { type: 'AddPermission', statement: w },
    event: {
      type: 'Normal',
      reason: 'LambdaPermissionAdded',
      message: `added statement ${w.statementId} to the policy of ${invokedArn(w.fn)}: API Gateway may invoke it from ${w.sourceArn}`,
    },
    requeue: { kind: 'next-step' },
    continues: true,
  };
}

/** Its id taken by another statement: a Warning, and Live False unless other statements let the API in. */
function conflicted(steady: Plan, read: PolicyRead, w: WantedStatement): Plan {
  const blocker = conflict(w);
  const notice: Notice = { type: 'Warning', reason: 'LambdaPermissionConflict', message: blocker.message };
  const allowed = findingOf(read, w).blocker === undefined;
  return reporting(steady, { record: null, ...(allowed ? {} : { blocker }) }, notice);
}

/**
 * The statements the operator added and no longer wants are removed, one a step (Managed only:
 * another mode leaves them in place and forgets them); then the record names `holds` alone, and
 * the steady plan reports it.
 */
function staleOrQuiet(input: DecideInput, steady: Plan, holds: PermissionRecord | undefined): Plan {
  const { obj } = input;
  if (modeOf(input) !== 'Managed') {
    // Held back, the status still shows what the record holds; another mode holds nothing.
    const record = heldBack(input) ? (obj.status?.lambdaPermission ?? null) : null;
    return keptOrForgotten(input, reporting(steady, { record }));
  }
  const quiet = reporting(steady, { record: holds ?? null });
  const removed = input.observation.permission?.removed ?? [];
  // Same function and id as the one held is the one held (RemovePermission goes by id).
  const stale = removableRecords(input).find(
    (r) => (!holds || recordKey(r) !== recordKey(holds)) && !removed.includes(recordKey(r)),
  );
  if (stale) return removal(functionOfRecord(stale), stale.statementId, removed, 'no longer wanted by the integration');
  const keep = holds ? [holds] : [];
  return annotatedAs(obj, keep) ? quiet : recording(keep);
}

/**
 * A create or update (a plan waiting for the drift check after it): Check reads the policy first
 * and reports what it found with the write, in the same status; Managed comes back at once, to
 * add its statement to the function the integration now invokes.
 */
export function permissionWithWrite(input: DecideInput, d: Desired, plan: Plan): Plan {
  const mode = modeOf(input);
  // Nothing to look at any more: Live loses a blocker about a function no longer invoked, and a
  // statement the operator added stays recorded until the steady pass removes it.
  if (mode === 'Ignore' || !lambdaFunctionOf(input.obj.spec))
    return withReport(plan, { record: input.obj.status?.lambdaPermission ?? null });
  if (mode === 'Managed') return { ...plan, requeue: NEXT_STEP };
  const location = d.location;
  const stub: Plan = {
    ...plan,
    action: { type: 'None' },
    report: { integrationId: '', observed: { integrationId: '' }, location },
  };
  const checked = withPermission(input, d, stub);
  // A read to make, or the record to write first: the write is decided again after it.
  if (checked.need || checked.action.type === 'RecordPermissions') return checked;
  const permission = checked.report?.permission;
  const reported = permission ? withReport(plan, permission) : plan;
  return { ...reported, ...(checked.notice && !plan.notice ? { notice: checked.notice } : {}) };
}

/** The write carries what the status should say of the permission (its executor reports it). */
const withReport = (plan: Plan, permission: PermissionReport): Plan => ({
  ...plan,
  action: { ...plan.action, permission } as Plan['action'],
});

/**
 * A deleted object's statements, removed before it is let go (deletionPolicy Delete only): those
 * its record names, and, for an object recorded only in a status whose write was lost, the one its
 * spec would have added. Another mode left its statements in place and forgot them; a Managed
 * object held back by the operator's flag says which it leaves.
 */
export function permissionCleanup(input: DecideInput, removedBefore: string[]): Plan | undefined {
  const { obj } = input;
  if (modeOf(input) !== 'Managed') return leftOnDelete(input);
  const candidates = removableRecords(input).map((r) => ({ fn: functionOfRecord(r), statementId: r.statementId }));
  const fn = annotatedRecords(obj) === undefined ? lambdaFunctionOf(obj.spec) : undefined;
  const specAllowed = !input.allowedApis || allows(input.allowedApis, obj.spec.apiId);
  if (fn && specAllowed) candidates.push({ fn, statementId: statementIdOf(obj.spec.apiId, obj.metadata.uid ?? '') });
  const next = candidates.find((c) => !removedBefore.includes(removalKey(c.fn, c.statementId)));
  return next && removal(next.fn, next.statementId, removedBefore, 'object deleted');
}

/**
 * Live's blocker for what the policy read says; none when the API may invoke the function. `advice`:
 * what else than the command the message offers.
 */
function findingOf(read: PolicyRead, w: WantedStatement, advice?: string): { blocker?: Blocker } {
  const arn = invokedArn(w.fn);
  if (read.kind === 'unreadable') return { blocker: unknown(w, `the policy of ${arn} could not be read: ${read.why}`) };
  if (read.kind === 'functionMissing')
    return {
      blocker: {
        status: 'False',
        reason: 'LambdaFunctionNotFound',
        message: `function ${arn} does not exist, so calls through API Gateway fail; fix integrationUri or create the function`,
      },
    };
  if (policyAllows(read.policy, w)) return {};
  return {
    blocker: {
      status: 'False',
      reason: 'LambdaPermissionMissing',
      message: `no statement in the policy of ${arn} lets API ${w.apiArn.split(':').at(-1)} invoke it, so calls through API Gateway fail (HTTP 500); run: ${addPermissionCommand(w)}${advice ? ` (${advice})` : ''}`,
    },
  };
}

function missingNotice({ blocker: b }: { blocker?: Blocker }): Notice | undefined {
  return b?.reason === 'LambdaPermissionMissing'
    ? { type: 'Warning', reason: b.reason, message: b.message }
    : undefined;
}

const unknown = (w: WantedStatement, why: string): Blocker => unknownFor(w.fn, why);

const unknownFor = (fn: LambdaFunction, why: string): Blocker => ({
  status: 'Unknown',
  reason: 'LambdaPermissionUnknown',
  message: `${why}; whether API Gateway may invoke ${invokedArn(fn)} is not known (the operator needs lambda:GetPolicy on it, see docs/aws.md)`,
});

function conflict(w: WantedStatement): Blocker {
  const arn = invokedArn(w.fn);
  return {
    status: 'False',
    reason: 'LambdaPermissionConflict',
    message: `statement ${w.statementId} in the policy of ${arn} is not the one the operator adds (SourceArn ${w.sourceArn}) and does not let this API invoke the function; remove it (${removePermissionCommand(w.fn, w.statementId)}) and the operator adds its own`,
  };
}
