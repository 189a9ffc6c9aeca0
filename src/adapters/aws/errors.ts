// Translates SDK and network failures into the domain's closed error set. NotFound is not an error
// for callers: the gateway turns it into "absent" on reads and "done" on delete.
import { AwsError, CredentialsError, type AwsErrorKind } from '../../kind/errors.ts';
import { REFUSED_CREDENTIALS, refusedCredentials } from './credentials.ts';

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
  $response?: { statusCode?: number; headers?: Record<string, string> };
}

export function isNotFound(err: unknown): boolean {
  const e = err as SdkErrorLike;
  return e?.name === 'NotFoundException' || e?.$metadata?.httpStatusCode === 404;
}

export function requestIdOf(err: unknown): string | undefined {
  const e = err as SdkErrorLike;
  return e?.$metadata?.requestId ?? e?.$response?.headers?.['x-amzn-requestid'];
}

// AWS answers three different situations with ConflictException, told apart only by the message
// (reference/apigatewayv2.md §1.15): routes still target the integration (milliHQ/terraform-aws-next-js#247),
// a per-API quota (with HTTP 429; anomalyco/sst#4522), and a concurrent modification.
const IN_USE = /referenced by the following Routes/i;
const QUOTA = /Maximum number of .* has been reached/i;
// Refusals that pass on their own, whatever the exception's name or status says, so they are retried
// with backoff rather than reported as AwsRejected: a concurrent modification (sent as
// BadRequestException by API Gateway's control plane too: carlnordenfelt/aws-api-gateway-for-cloudformation#27),
// and a private integration's load balancer listener that AWS could not read this time although
// others on it succeed (a 400 seen "sometimes (not always)": hashicorp/terraform-provider-aws#22590).
const CONCURRENT = /concurrent modification/i;
const PASSING = /Unable to retrieve listener port and load balancer DNS name/i;

/** The route ids in "…referenced by the following Routes with Ids: [a1b2c3d, e4f5g6h]". */
export function routeIdsOf(message: string | undefined): string[] {
  const list = /Routes with Ids:\s*\[([^\]]*)\]/i.exec(message ?? '')?.[1] ?? '';
  return list.split(/[\s,]+/).filter(Boolean);
}

// What the SDK's exception name says, when it says enough; a Map so that a name like "constructor"
// never finds an inherited property.
const KIND_BY_NAME = new Map<string, AwsErrorKind>([
  ['BadRequestException', 'Rejected'],
  ['AccessDeniedException', 'AccessDenied'],
  ['TooManyRequestsException', 'Throttled'],
  ['LimitExceededException', 'Throttled'],
  ['ThrottlingException', 'Throttled'],
  ['ConflictException', 'Conflict'],
]);

function statusOf(e: SdkErrorLike): number | undefined {
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

function kindOfStatus(status: number | undefined): AwsErrorKind {
  if (status === 429) return 'Throttled';
  if (status === 409) return 'Conflict';
  if (status === 403 || status === 401) return 'AccessDenied';
  if (status !== undefined && status >= 400 && status < 500 && status !== 408) return 'Rejected';
  // 5xx, timeouts, resets, aborted sockets and anything unrecognised: worth another try later.
  return 'Transient';
}

function kindOf(e: SdkErrorLike): AwsErrorKind {
  if (IN_USE.test(e.message ?? '')) return 'InUse';
  if (QUOTA.test(e.message ?? '')) return 'QuotaExceeded';
  if (CONCURRENT.test(e.message ?? '')) return 'Conflict';
  if (PASSING.test(e.message ?? '')) return 'Transient';
  return (e.name === undefined ? undefined : KIND_BY_NAME.get(e.name)) ?? kindOfStatus(statusOf(e));
}

/** The SDK's message, or the exception name and status when the SDK had nothing better to say. */
function detailOf(e: SdkErrorLike, status: number | undefined): string {
  if (e.message && e.message !== 'UnknownError') return e.message;
  return `${e.name ?? 'error'}${status ? ` (HTTP ${status})` : ''}`;
}

/**
 * Reads are never terminal: a 400 on a read (an expired listing token, say) is worth another try.
 * `roleArn`: the namespace's role the call was made as, named when AWS refuses its credentials.
 */
export function translate(
  err: unknown,
  operation: string,
  opts: { read?: boolean; roleArn?: string } = {},
): AwsError | CredentialsError {
  if (err instanceof AwsError || err instanceof CredentialsError) return err;
  const e = (err ?? {}) as SdkErrorLike;
  if (REFUSED_CREDENTIALS.has(e.name ?? '')) return refusedCredentials(err, operation, opts.roleArn);
  const raw = kindOf(e);
  const kind = opts.read && raw === 'Rejected' ? 'Transient' : raw;
  const status = statusOf(e);
  const detail = detailOf(e, status);
  const routeIds = kind === 'InUse' ? routeIdsOf(e.message) : undefined;
  return new AwsError(kind, `${operation}: ${detail}`, {
    operation,
    requestId: requestIdOf(err),
    httpStatus: status,
    routeIds,
    cause: err,
  });
}
