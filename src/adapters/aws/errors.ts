// Translates SDK and network failures into the domain's closed error set. NotFound is not an error
// for callers: the gateway turns it into "absent" on reads and "done" on delete.
import { AwsError, CredentialsError, type AwsErrorKind } from '../../apiintegration/errors.ts';

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

function kindOf(e: SdkErrorLike): AwsErrorKind {
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  switch (e.name) {
    case 'BadRequestException':
      return 'Rejected';
    case 'AccessDeniedException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
      return 'AccessDenied';
    case 'TooManyRequestsException':
    case 'LimitExceededException':
    case 'ThrottlingException':
      return 'Throttled';
    case 'ConflictException':
      return 'Conflict';
  }
  if (status === 429) return 'Throttled';
  if (status === 409) return 'Conflict';
  if (status === 403 || status === 401) return 'AccessDenied';
  if (status !== undefined && status >= 400 && status < 500 && status !== 408) return 'Rejected';
  // 5xx, timeouts, resets, aborted sockets and anything unrecognised: worth another try later.
  return 'Transient';
}

export function translate(err: unknown, operation: string): AwsError | CredentialsError {
  if (err instanceof AwsError || err instanceof CredentialsError) return err;
  const e = (err ?? {}) as SdkErrorLike;
  const kind = kindOf(e);
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const detail = e.message && e.message !== 'UnknownError' ? e.message : `${e.name ?? 'error'}${status ? ` (HTTP ${status})` : ''}`;
  return new AwsError(kind, `${operation}: ${detail}`, { operation, requestId: requestIdOf(err), httpStatus: status, cause: err });
}
