// The closed set of failures every kind's reconciler distinguishes. Adapters translate SDK and HTTP
// errors into these; code switches on the class, never on message text.

/**
 * `Conflict` is a concurrent modification on the same API (retry with backoff); `InUse` is a delete
 * refused because routes still target the integration (blocked until they change); `QuotaExceeded`
 * is a per-API limit (stalled until something is removed). AWS names all three ConflictException.
 */
export type AwsErrorKind =
  'Rejected' | 'AccessDenied' | 'Throttled' | 'Conflict' | 'InUse' | 'QuotaExceeded' | 'Transient';

/**
 * The CamelCase reason each failure carries, in logs and for a kind whose vocabulary takes it as it
 * is. It names what AWS refused: `IntegrationInUse` is AWS's answer to a delete while routes still
 * target an integration. A kind that words a failure otherwise maps it in its own `reasonOf`.
 */
export type AwsReason =
  | 'AwsRejected'
  | 'AwsAccessDenied'
  | 'AwsThrottled'
  | 'ConcurrentModification'
  | 'IntegrationInUse'
  | 'QuotaExceeded'
  | 'AwsUnavailable';

const REASONS: Record<AwsErrorKind, AwsReason> = {
  Rejected: 'AwsRejected',
  AccessDenied: 'AwsAccessDenied',
  Throttled: 'AwsThrottled',
  Conflict: 'ConcurrentModification',
  InUse: 'IntegrationInUse',
  QuotaExceeded: 'QuotaExceeded',
  Transient: 'AwsUnavailable',
};

export interface AwsErrorDetails {
  operation: string;
  requestId?: string;
  httpStatus?: number;
  /** For `InUse`: the ids of the routes AWS says still target the integration. */
  routeIds?: string[];
  cause?: unknown;
}

export class AwsError extends Error {
  readonly kind: AwsErrorKind;
  readonly operation: string;
  readonly requestId?: string;
  readonly httpStatus?: number;
  readonly routeIds?: string[];
  /** CamelCase reason suitable for a condition or an Event. */
  readonly reason: AwsReason;

  constructor(kind: AwsErrorKind, message: string, details: AwsErrorDetails) {
    super(message, { cause: details.cause });
    this.name = `Aws${kind}Error`;
    this.kind = kind;
    this.operation = details.operation;
    this.requestId = details.requestId;
    this.httpStatus = details.httpStatus;
    this.routeIds = details.routeIds;
    this.reason = REASONS[kind];
  }

  /** 400/403/quota: retrying soon will not help until the spec, the permissions or the API change. */
  get terminal(): boolean {
    return this.kind === 'Rejected' || this.kind === 'AccessDenied' || this.kind === 'QuotaExceeded';
  }

  /**
   * AWS answered and refused, so the request changed nothing. Only a timeout, a reset or a 5xx
   * leaves a create in doubt; a 4xx that is worth retrying (a listener AWS could not read this
   * time) was still refused.
   */
  get changedNothing(): boolean {
    if (this.kind !== 'Transient') return true;
    const s = this.httpStatus;
    return s !== undefined && s >= 400 && s < 500 && s !== 408;
  }
}

/**
 * The operator's own AWS call budget is spent for a while: not an AWS answer and not a failure the
 * user should see; the key comes back when a token is due (failure.ts makes that a returned wait).
 * Nothing was sent.
 */
export class BudgetWait extends AwsError {
  /** When the bucket's next token is due. */
  readonly waitMs: number;
  constructor(bucket: string, waitMs: number) {
    super('Throttled', `AWS call budget for ${bucket} is spent; next token in ~${waitMs} ms`, {
      operation: 'budget',
    });
    this.name = 'BudgetWait';
    this.waitMs = waitMs;
  }
}

/**
 * AWS credentials that cannot be had or are refused: none found, a token file that cannot be read,
 * an expired or unknown token, a namespace's role that will not be assumed. Fixed outside the object
 * (a ServiceAccount, a trust policy, a Namespace annotation), so the object says so at once and looks
 * again on a backoff. `roleArn`: the namespace's role, when that was the identity; absent for the
 * operator's own.
 */
export class CredentialsError extends Error {
  readonly reason = 'AwsCredentials';
  readonly roleArn?: string;
  constructor(roleArn: string | undefined, message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'CredentialsError';
    this.roleArn = roleArn;
  }
}

/**
 * Whether a failed create surely created nothing: AWS refused it (anything but a timeout, reset or
 * 5xx, which it may have applied), or it was never sent for want of credentials.
 */
export const createdNothing = (err: unknown): boolean =>
  (err instanceof AwsError && err.changedNothing) || err instanceof CredentialsError;

/** A spec named a role its namespace does not allow; only a cluster administrator can change that. */
export class RoleNotAllowedError extends Error {
  readonly reason = 'RoleNotAllowed';
  readonly roleArn: string;
  constructor(roleArn: string, namespace: string) {
    super(
      `role ${roleArn} is not allowed in namespace ${namespace}: ask a cluster administrator to add it to the namespace's apigw.dev/allowed-role-arns annotation, or remove spec.roleArn`,
    );
    this.name = 'RoleNotAllowedError';
    this.roleArn = roleArn;
  }
}
