// What the ApiIntegration reconciler needs from Lambda, for spec.lambdaPermission: the function
// policy read, the one statement added or removed, and the account an identity acts in (the API's
// account, for the SourceArn). The adapter is src/adapters/aws/lambda-policy.ts; the shared,
// cached reads are policy-cache.ts.
import type { Liveness } from '../api/v1alpha1/conditions.ts';
import type { GatewayVerbs } from '../kind/ports.ts';

/** The function an integration invokes, from its ARN. */
export interface LambdaFunction {
  /** Unqualified: arn:{partition}:lambda:{region}:{account}:function:{name}. */
  functionArn: string;
  /** A version or alias; absent for $LATEST (which takes no qualifier). */
  qualifier?: string;
  partition: string;
  region: string;
  account: string;
}

/** The statement the operator adds (Managed) or names in its advice (Check). */
export interface WantedStatement {
  fn: LambdaFunction;
  statementId: string;
  /** Every stage, method and path of the API: the `/*` form also covers `$default` routes. */
  sourceArn: string;
  /** arn:{partition}:execute-api:{region}:{account}:{apiId}, what a SourceArn must fall under. */
  apiArn: string;
  apiAccount: string;
}

/** A function policy as read; `policy` undefined: the function has none (GetPolicy's 404). */
export type PolicyRead =
  | { kind: 'policy'; policy: string | undefined }
  | { kind: 'functionMissing' }
  /**
   * Refused (another account's function, no lambda:GetPolicy): not known. `transient`: not answered
   * (throttled, unavailable), so what the last read found still stands.
   */
  | { kind: 'unreadable'; why: string; transient?: true };

/** Where a Lambda call goes: the function (its region from its ARN) as the object's role sees it. */
export interface FunctionAt {
  fn: LambdaFunction;
  roleArn?: string;
}

/** A write's answer, where it is no failure of the pass. */
export type PermissionWrite = 'done' | 'exists' | 'absent' | { denied: string };

export interface LambdaPolicies {
  /** The account calls made as `roleArn` (absent: the operator's own identity) act in. */
  accountOf(roleArn: string | undefined, signal?: AbortSignal): Promise<string>;
  /** `fresh` skips the shared copy (a reconcile request, or right after a write). */
  getPolicy(at: FunctionAt, signal?: AbortSignal, fresh?: boolean): Promise<PolicyRead>;
  /** 'exists': the statement id is taken (AWS's 409); `denied`: AWS refused (403). */
  addPermission(at: FunctionAt, statement: WantedStatement, signal?: AbortSignal): Promise<PermissionWrite>;
  /** 'absent': no such statement or function (AWS's 404), which is as good as removed. */
  removePermission(at: FunctionAt, statementId: string, signal?: AbortSignal): Promise<PermissionWrite>;
}

/** Which of the calls the write fence refuses once this replica stops leading. */
export const LAMBDA_POLICY_VERBS: GatewayVerbs<LambdaPolicies> = {
  accountOf: 'read',
  getPolicy: 'read',
  addPermission: 'write',
  removePermission: 'write',
};

/** What a permission write in this pass found out, for decide (the shell merges it into the observation). */
export interface PermissionLearned {
  /** Added in this pass: a policy read that does not show it yet is not a reason to add again. */
  added?: true;
  /** The statement id is taken by a statement that is not the one the operator adds. */
  conflict?: true;
  /** AWS refused the add (403): why. */
  denied?: string;
  /** `functionArn|qualifier|statementId` of the statements removed in this pass. */
  removed?: string[];
}

/**
 * The actions of spec.lambdaPermission Managed: its two writes to the function policy, and setting
 * the object's record of the statements it owns (permission-record.ts) to `records`.
 */
export type PermissionAction =
  | { type: 'AddPermission'; statement: WantedStatement }
  | { type: 'RemovePermission'; fn: LambdaFunction; statementId: string; removedBefore: string[] }
  | { type: 'RecordPermissions'; records: PermissionRecord[] };

export const removalKey = (fn: Pick<LambdaFunction, 'functionArn' | 'qualifier'>, statementId: string) =>
  `${fn.functionArn}|${fn.qualifier ?? ''}|${statementId}`;

/** status.lambdaPermission, and each entry of the record annotation: a statement the operator added. */
export interface PermissionRecord {
  functionArn: string;
  qualifier?: string;
  statementId: string;
  sourceArn: string;
}

/** What the status says of the permission: Live's blocker, and what the operator added. */
export interface PermissionReport {
  /** What keeps API Gateway from invoking the function; absent: nothing does (or nothing was checked). */
  blocker?: Liveness;
  /** null: the operator holds no statement (any earlier record is dropped). */
  record: PermissionRecord | null;
}
