// Which Lambda permission statements an ApiIntegration owns (spec.lambdaPermission Managed), kept in
// an annotation because backup tools restore annotations and not status: a restored object gets a
// new uid and so a new statement id, and only this record tells it the old statement is its own to
// remove. The record is written before AddPermission (so a lost answer, then a crash, still knows
// the statement) and pruned after RemovePermission. Each entry names the object (namespace/name)
// that wrote it, which a restore keeps and a copy does not. Objects recorded before the annotation
// existed are read from status.lambdaPermission until their first write.
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

/** An entry of the record annotation: a statement, and the object (namespace/name) that wrote it. */
export interface RecordEntry extends PermissionRecord {
  /** Absent on a record read from status, which only the object itself has. */
  object?: string;
}

export const objectKey = (obj: ApiIntegration) => `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;

const isRecord = (v: unknown): v is RecordEntry => {
  const r = v as Partial<RecordEntry> | null;
  return (
    typeof r?.functionArn === 'string' &&
    typeof r.statementId === 'string' &&
    typeof r.sourceArn === 'string' &&
    (r.qualifier === undefined || typeof r.qualifier === 'string') &&
    (r.object === undefined || typeof r.object === 'string')
  );
};

/** The annotation's records; undefined when the object has none (or it cannot be read). */
export function annotatedRecords(obj: ApiIntegration): RecordEntry[] | undefined {
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
export function ownedRecords(obj: ApiIntegration): RecordEntry[] {
  const recorded = obj.status?.lambdaPermission;
  return annotatedRecords(obj) ?? (recorded ? [recorded] : []);
}

/**
 * The annotation patch that records exactly `records`, each as the object its entry names, else as
 * `obj`'s. None: the annotation goes, unless a status record would then be read in its place; `[]`
 * says there is none.
 */
export function recordsAnnotation(obj: ApiIntegration, records: RecordEntry[]): Record<string, string | null> {
  const entries = records.map(({ functionArn, qualifier, statementId, sourceArn, object }) => ({
    functionArn,
    ...(qualifier ? { qualifier } : {}),
    statementId,
    sourceArn,
    object: object ?? objectKey(obj),
  }));
  const statusRead = annotatedRecords(obj) === undefined && obj.status?.lambdaPermission !== undefined;
  const value = entries.length > 0 || statusRead ? JSON.stringify(entries) : null;
  return { [ANNOTATION_LAMBDA_PERMISSIONS]: value };
}

/** Whether the annotation already says exactly `records`, as this object's, in any order. */
export function annotatedAs(obj: ApiIntegration, records: PermissionRecord[]): boolean {
  const now = annotatedRecords(obj) ?? [];
  const own = (n: RecordEntry, r: PermissionRecord) => sameRecord(n, r) && n.object === objectKey(obj);
  return now.length === records.length && records.every((r) => now.some((n) => own(n, r)));
}
