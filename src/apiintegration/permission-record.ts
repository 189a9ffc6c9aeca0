// Which Lambda permission statements an ApiIntegration owns (spec.lambdaPermission Managed), kept in
// an annotation because backup tools restore annotations and not status: a restored object gets a
// new uid and so a new statement id, and only this record tells it the old statement is its own to
// remove. The record is written before AddPermission (so a lost answer, then a crash, still knows
// the statement) and pruned after RemovePermission. Objects recorded before the annotation existed
// are read from status.lambdaPermission until their first write.
import { ANNOTATION_LAMBDA_PERMISSIONS } from '../api/v1alpha1/lambda-permission.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { removalKey, type PermissionRecord, type WantedStatement } from './permission-ports.ts';

export const recordOf = (w: WantedStatement): PermissionRecord => ({
  functionArn: w.fn.functionArn,
  ...(w.fn.qualifier ? { qualifier: w.fn.qualifier } : {}),
  statementId: w.statementId,
  sourceArn: w.sourceArn,
});

export const recordKey = (r: PermissionRecord) => removalKey(r, r.statementId);

export const sameRecord = (a: PermissionRecord, b: PermissionRecord) =>
  recordKey(a) === recordKey(b) && a.sourceArn === b.sourceArn;

/** apigw-{apiId}-{uid}, the id the operator gives its statements (permission.ts statementIdOf). */
const OPERATOR_STATEMENT = /^apigw-([a-z0-9]+)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The API and object a recorded statement was made for; undefined when its id is not of the operator's form. */
export function recordOwner(r: PermissionRecord): { apiId: string; uid: string } | undefined {
  const m = OPERATOR_STATEMENT.exec(r.statementId);
  return m ? { apiId: m[1]!, uid: m[2]! } : undefined;
}

const isRecord = (v: unknown): v is PermissionRecord => {
  const r = v as Partial<PermissionRecord> | null;
  return (
    typeof r?.functionArn === 'string' &&
    typeof r.statementId === 'string' &&
    typeof r.sourceArn === 'string' &&
    (r.qualifier === undefined || typeof r.qualifier === 'string')
  );
};

/** The annotation's records; undefined when the object has none (or it cannot be read). */
export function annotatedRecords(obj: ApiIntegration): PermissionRecord[] | undefined {
  const raw = obj.metadata.annotations?.[ANNOTATION_LAMBDA_PERMISSIONS];
  if (!raw) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    // Someone's edit that is not a list of records: taken as no record, never as a reason to remove.
    return Array.isArray(parsed) ? parsed.filter(isRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** The statements the object owns: the annotation's, else the one an older status recorded. */
export function ownedRecords(obj: ApiIntegration): PermissionRecord[] {
  const recorded = obj.status?.lambdaPermission;
  return annotatedRecords(obj) ?? (recorded ? [recorded] : []);
}

/** The annotation patch that records exactly `records` (none: the annotation goes). */
export const recordsAnnotation = (records: PermissionRecord[]): Record<string, string | null> => ({
  [ANNOTATION_LAMBDA_PERMISSIONS]: records.length > 0 ? JSON.stringify(records) : null,
});

/** Whether the annotation already says exactly `records`, in any order. */
export function annotatedAs(obj: ApiIntegration, records: PermissionRecord[]): boolean {
  const now = annotatedRecords(obj) ?? [];
  return now.length === records.length && records.every((r) => now.some((n) => sameRecord(n, r)));
}
