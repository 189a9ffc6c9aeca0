// What a failed pass of any kind means, decided in one place from the closed set of errors (DESIGN
// §3): what the object says, which event a person sees, how loudly to log, and how the work queue
// retries. A kind supplies only the names (`reasonOf`); its reconciler carries the answer out: every
// wait known here is a returned result, and only a failure without one is thrown, to take the work
// queue's rate-limited backoff.
import type { Outcome } from '../api/v1alpha1/conditions.ts';
import type { ConditionT } from '../api/v1alpha1/group.ts';
import type { Result } from '../runtime/controller.ts';
import { ConflictError } from '../runtime/ports.ts';
import { AwsError, BudgetWait, CredentialsError, RoleNotAllowedError } from './errors.ts';
import { conflictDelayMs, credentialsRetryMs } from './requeue.ts';

export type Retry =
  /** Stalled until the spec, the permissions or the world change; looked at again after a long wait. */
  | { kind: 'after-rejection' }
  /** Stalled until credentials work again, which needs no change to the object: a backoff to minutes. */
  | { kind: 'after-credentials' }
  /** Our copy of the object was stale; the watch brings the new one shortly. */
  | { kind: 'stale-object' }
  /** AWS saw a concurrent modification of the API: back off, growing with each refusal in a row. */
  | { kind: 'concurrent-modification' }
  /** Our own AWS call budget is spent: come back when its next token is due. */
  | { kind: 'call-budget'; waitMs: number }
  /** Nothing says when it will work: the work queue's rate-limited backoff. */
  | { kind: 'backoff' };

/** Each kind's vocabulary: a condition reason for every failure, and AwsRejected as an event reason. */
export interface FailureResponse<Reason extends string, Event extends string> {
  log: { level: 'warn' | 'debug'; fields: Record<string, unknown>; message: string };
  event?: { type: 'Warning'; reason: Event | 'AwsRejected'; message: string };
  /** The status to report; `bestEffort`: a failed write of it must not hide the error itself. */
  status?: { outcome: Outcome<Reason>; bestEffort: boolean };
  retry: Retry;
}

/** What a failure of any kind's pass means; `reasonOf` names an AWS failure in the kind's vocabulary. */
export interface FailureContext<Reason extends string> {
  obj: {
    metadata: { generation: number; deletionTimestamp?: string };
    status?: { observedGeneration?: number; conditions?: ConditionT[] };
  };
  reasonOf: (err: AwsError | CredentialsError | RoleNotAllowedError) => Reason;
}

export function failureOf<Reason extends string, Event extends string>(
  err: unknown,
  ctx: FailureContext<Reason>,
): FailureResponse<Reason, Event> {
  const { obj } = ctx;
  if (err instanceof AwsError && err.terminal) return rejected(err, ctx.reasonOf(err));
  if (err instanceof CredentialsError)
    return identityStalled(err, ctx.reasonOf(err), 'AWS credentials not usable', { kind: 'after-credentials' });
  if (err instanceof RoleNotAllowedError)
    return identityStalled(err, ctx.reasonOf(err), 'no usable AWS role', { kind: 'after-rejection' });
  if (err instanceof ConflictError)
    return {
      log: { level: 'debug', fields: { err: err.message }, message: 'object changed while reconciling; retrying' },
      retry: { kind: 'stale-object' },
    };
  if (err instanceof AwsError) return awsFailure(err, obj, ctx.reasonOf(err));
  return {
    log: { level: 'warn', fields: { err: String(err) }, message: 'reconcile failed; will retry' },
    retry: { kind: 'backoff' },
  };
}

/** Credentials or a role that cannot be used: Stalled, since only a person outside the object can fix it. */
function identityStalled<Reason extends string>(
  err: CredentialsError | RoleNotAllowedError,
  reason: Reason,
  message: string,
  retry: Retry,
): FailureResponse<Reason, never> {
  return {
    log: { level: 'warn', fields: { err: err.message, roleArn: err.roleArn, reason: err.reason }, message },
    status: { outcome: { kind: 'Stalled', reason, message: err.message }, bestEffort: false },
    retry,
  };
}

const awsFields = (err: AwsError) => ({
  err: err.message,
  reason: err.reason,
  operation: err.operation,
  awsRequestId: err.requestId,
});

/** 400/403/quota: Stalled, with the request id support will ask for, and a Warning event. */
function rejected<Reason extends string>(err: AwsError, reason: Reason): FailureResponse<Reason, never> {
  const message = `${err.message}${err.requestId ? ` (request id ${err.requestId})` : ''}`;
  return {
    log: { level: 'warn', fields: awsFields(err), message: 'AWS refused the request' },
    event: { type: 'Warning', reason: 'AwsRejected', message: err.message },
    status: { outcome: { kind: 'Stalled', reason, message }, bestEffort: false },
    retry: { kind: 'after-rejection' },
  };
}

/**
 * A failure worth retrying. A new generation says why it is not applied yet; a settled object keeps
 * its status rather than flap on every transient failure. Our own call budget is no failure at all.
 */
function awsFailure<Reason extends string>(
  err: AwsError,
  obj: FailureContext<Reason>['obj'],
  reason: Reason,
): FailureResponse<Reason, never> {
  const localWait = err instanceof BudgetWait;
  const unsettled = !obj.metadata.deletionTimestamp && obj.status?.observedGeneration !== obj.metadata.generation;
  return {
    log: localWait
      ? { level: 'debug', fields: awsFields(err), message: 'waiting for the AWS call budget' }
      : { level: 'warn', fields: awsFields(err), message: 'reconcile failed; will retry' },
    ...(unsettled && !localWait
      ? { status: { outcome: { kind: 'Progressing', reason, message: err.message }, bestEffort: true } }
      : {}),
    retry: awsRetry(err),
  };
}

function awsRetry(err: AwsError): Retry {
  if (err instanceof BudgetWait) return { kind: 'call-budget', waitMs: err.waitMs };
  return err.kind === 'Conflict' ? { kind: 'concurrent-modification' } : { kind: 'backoff' };
}

/** Our view of the object was stale; the watch brings the new one shortly. */
const STALE_OBJECT_RETRY_MS = 200;

/**
 * How a failure's `retry` reaches the work queue, with the per-key count of concurrent
 * modifications, and of credential failures, in a row that makes their backoff grow; a pass that
 * succeeds resets both.
 */
export class FailureRetries {
  private readonly conflicts = new Map<string, number>();
  private readonly credentialFailures = new Map<string, number>();
  private readonly opts: { rejectedRetryMs: number; random: () => number };

  constructor(opts: { rejectedRetryMs?: number; random: () => number }) {
    this.opts = { rejectedRetryMs: opts.rejectedRetryMs ?? 10 * 60_000, random: opts.random };
  }

  succeeded(key: string): void {
    this.conflicts.delete(key);
    this.credentialFailures.delete(key);
  }

  /**
   * The result the failed pass returns. A wait that interrupts the pass leaves the queue's error
   * backoff for the key as it stands (`unfinished`); only `backoff` throws `err`, for the queue's
   * rate-limited retry.
   */
  resultOf(retry: Retry, key: string, err: unknown): Result {
    switch (retry.kind) {
      case 'after-rejection':
        return { requeueAfterMs: this.opts.rejectedRetryMs };
      case 'after-credentials':
        return { requeueAfterMs: credentialsRetryMs(this.countIn(this.credentialFailures, key), this.opts.random) };
      case 'stale-object':
        return { requeueAfterMs: STALE_OBJECT_RETRY_MS, unfinished: true };
      case 'concurrent-modification':
        return { requeueAfterMs: this.nextConflictDelayMs(key), unfinished: true };
      case 'call-budget':
        return { requeueAfterMs: retry.waitMs, unfinished: true };
      case 'backoff':
        throw err;
    }
  }

  private nextConflictDelayMs(key: string): number {
    return conflictDelayMs(this.countIn(this.conflicts, key), this.opts.random);
  }

  /** This failure's number in the key's run of them. */
  private countIn(runs: Map<string, number>, key: string): number {
    const n = (runs.get(key) ?? 0) + 1;
    runs.set(key, n);
    return n;
  }
}
