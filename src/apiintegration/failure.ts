// What a failed pass means, decided in one place from the closed set of errors (DESIGN §3): what the
// object says, which event a person sees, how loudly to log, and how the work queue retries. The
// reconciler carries the answer out.
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { ConflictError } from '../runtime/ports.ts';
import { AwsError, BudgetWait, CredentialsError, RoleNotAllowedError } from './errors.ts';
import { progressing, stalled, type Notice } from './plan.ts';
import type { Outcome } from './status.ts';

export type Retry =
  /** Stalled until the spec, the permissions or the world change; looked at again after a long wait. */
  | { kind: 'after-rejection' }
  /** Our copy of the object was stale; the watch brings the new one shortly. */
  | { kind: 'stale-object' }
  /** AWS saw a concurrent modification of the API: back off, growing with each refusal in a row. */
  | { kind: 'concurrent-modification' }
  /** The work queue's own backoff, or the delay the error asks for (a spent call budget). */
  | { kind: 'rethrow' };

export interface FailureResponse {
  log: { level: 'warn' | 'debug'; fields: Record<string, unknown>; message: string };
  event?: Notice;
  /** The status to report; `bestEffort`: a failed write of it must not hide the error itself. */
  status?: { outcome: Outcome; bestEffort: boolean };
  retry: Retry;
}

export function failureResponse(err: unknown, obj: ApiIntegration): FailureResponse {
  if (err instanceof AwsError && err.terminal) return rejected(err);
  if (err instanceof CredentialsError || err instanceof RoleNotAllowedError)
    return {
      log: {
        level: 'warn',
        fields: { err: err.message, roleArn: err.roleArn, reason: err.reason },
        message: 'no usable AWS role',
      },
      status: { outcome: stalled(err.reason, err.message), bestEffort: false },
      retry: { kind: 'after-rejection' },
    };
  if (err instanceof ConflictError)
    return {
      log: { level: 'debug', fields: { err: err.message }, message: 'object changed while reconciling; retrying' },
      retry: { kind: 'stale-object' },
    };
  if (err instanceof AwsError) return awsFailure(err, obj);
  return {
    log: { level: 'warn', fields: { err: String(err) }, message: 'reconcile failed; will retry' },
    retry: { kind: 'rethrow' },
  };
}

const awsFields = (err: AwsError) => ({
  err: err.message,
  reason: err.reason,
  operation: err.operation,
  awsRequestId: err.requestId,
});

/** 400/403/quota: Stalled, with the request id support will ask for, and a Warning event. */
function rejected(err: AwsError): FailureResponse {
  const message = `${err.message}${err.requestId ? ` (request id ${err.requestId})` : ''}`;
  return {
    log: { level: 'warn', fields: awsFields(err), message: 'AWS refused the request' },
    event: { type: 'Warning', reason: 'AwsRejected', message: err.message },
    status: { outcome: stalled(err.reason, message), bestEffort: false },
    retry: { kind: 'after-rejection' },
  };
}

/**
 * A failure worth retrying. A new generation says why it is not applied yet; a settled object keeps
 * its status rather than flap on every transient failure. Our own call budget is no failure at all.
 */
function awsFailure(err: AwsError, obj: ApiIntegration): FailureResponse {
  const localWait = err instanceof BudgetWait;
  const unsettled = !obj.metadata.deletionTimestamp && obj.status?.observedGeneration !== obj.metadata.generation;
  return {
    log: localWait
      ? { level: 'debug', fields: awsFields(err), message: 'waiting for the AWS call budget' }
      : { level: 'warn', fields: awsFields(err), message: 'reconcile failed; will retry' },
    ...(unsettled && !localWait ? { status: { outcome: progressing(err.reason, err.message), bestEffort: true } } : {}),
    retry: err.kind === 'Conflict' ? { kind: 'concurrent-modification' } : { kind: 'rethrow' },
  };
}
