// What a failed ApiRoute pass means, decided in one place from the closed set of errors, as for
// ApiIntegration (src/apiintegration/failure.ts): what the object says, which event a person sees,
// how loudly to log, and how the work queue retries. The reconciler carries the answer out.
import type { ApiRoute } from '../api/v1alpha1/route-types.ts';
import { AwsError, BudgetWait, CredentialsError, RoleNotAllowedError } from '../apiintegration/errors.ts';
import type { Retry } from '../apiintegration/failure.ts';
import { ConflictError } from '../runtime/ports.ts';
import type { RouteOutcome } from './decide.ts';
import { routeReasonOf } from './errors.ts';
import type { RouteEventReason } from './reasons.ts';

export type { Retry };

export interface RouteFailureResponse {
  log: { level: 'warn' | 'debug'; fields: Record<string, unknown>; message: string };
  event?: { type: 'Warning'; reason: RouteEventReason; message: string };
  /** The status to report; `bestEffort`: a failed write of it must not hide the error itself. */
  status?: { outcome: RouteOutcome; bestEffort: boolean };
  retry: Retry;
}

export function routeFailureResponse(err: unknown, obj: ApiRoute): RouteFailureResponse {
  if (err instanceof AwsError && err.terminal) return rejected(err);
  if (err instanceof CredentialsError || err instanceof RoleNotAllowedError)
    return {
      log: {
        level: 'warn',
        fields: { err: err.message, roleArn: err.roleArn, reason: err.reason },
        message: 'no usable AWS role',
      },
      status: {
        outcome: {
          kind: 'Stalled',
          reason: err instanceof CredentialsError ? 'CredentialsUnavailable' : 'RoleNotAllowed',
          message: err.message,
        },
        bestEffort: false,
      },
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
function rejected(err: AwsError): RouteFailureResponse {
  const message = `${err.message}${err.requestId ? ` (request id ${err.requestId})` : ''}`;
  return {
    log: { level: 'warn', fields: awsFields(err), message: 'AWS refused the request' },
    event: { type: 'Warning', reason: 'AwsRejected', message: err.message },
    status: { outcome: { kind: 'Stalled', reason: routeReasonOf(err), message }, bestEffort: false },
    retry: { kind: 'after-rejection' },
  };
}

/**
 * A failure worth retrying. A new generation says why it is not applied yet; a settled object keeps
 * its status rather than flap on every transient failure. Our own call budget is no failure at all.
 */
function awsFailure(err: AwsError, obj: ApiRoute): RouteFailureResponse {
  const localWait = err instanceof BudgetWait;
  const unsettled = !obj.metadata.deletionTimestamp && obj.status?.observedGeneration !== obj.metadata.generation;
  const outcome: RouteOutcome = { kind: 'Progressing', reason: routeReasonOf(err), message: err.message };
  return {
    log: localWait
      ? { level: 'debug', fields: awsFields(err), message: 'waiting for the AWS call budget' }
      : { level: 'warn', fields: awsFields(err), message: 'reconcile failed; will retry' },
    ...(unsettled && !localWait ? { status: { outcome, bestEffort: true } } : {}),
    retry: err.kind === 'Conflict' ? { kind: 'concurrent-modification' } : { kind: 'rethrow' },
  };
}
