// AWS credentials that fail, in the closed error set, with what a person should check. What fails
// while credentials are being obtained (none found, a token file that cannot be read, STS refusing
// a web identity token or a namespace's role) is a credentials problem by where it came from, except
// what is worth another try soon: the credential endpoint or STS unreachable, 5xx, throttled. AWS
// refusing the credentials on a call (unknown or expired token, bad signature) is told apart by the
// exception name in errors.ts.
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { AwsError, CredentialsError } from '../../kind/errors.ts';

interface FailureLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

type Provider = AwsCredentialIdentityProvider;
/** How the SDK builds a client's default credential chain (its `credentialDefaultProvider`). */
export type DefaultChain = (init?: Record<string, unknown>) => Provider;

/**
 * The exception names with which AWS refuses the credentials themselves rather than a permission:
 * unknown key (InvalidClientTokenId is STS's name for it), expired session token, signature that
 * does not match the secret. An AccessDeniedException is a permission the role lacks, and stays one.
 */
export const REFUSED_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);

// Node's codes for a connection that failed or stalled, and the SDK's names for timeouts and
// throttling: the way to the credentials, not the credentials.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'Throttling', 'ThrottlingException']);

const OPERATOR_ADVICE =
  "check the operator's ServiceAccount (its eks.amazonaws.com/role-arn annotation for IRSA, or its EKS Pod " +
  'Identity association) and the trust policy of that role, or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY given ' +
  'to the pod; a pod takes up a new annotation or association only when it restarts';
const roleAdvice = (roleArn: string) =>
  `check that the trust policy of ${roleArn} lets the operator's identity call sts:AssumeRole, that the operator's ` +
  "own role may assume it, and that the Namespace's apigw.dev/role-arn annotation (or spec.roleArn) names the right role";

const detailOf = (err: unknown): string => {
  const e = (err ?? {}) as FailureLike;
  return e.message || e.name || String(err);
};

/** The operator's own credentials do not work. */
export function operatorCredentialsError(detail: string, cause?: unknown): CredentialsError {
  return new CredentialsError(
    undefined,
    `the operator's AWS credentials do not work: ${detail}; ${OPERATOR_ADVICE}`,
    cause,
  );
}

/** A namespace's role cannot be assumed, or its credentials were refused. */
export function roleCredentialsError(roleArn: string, detail: string, cause?: unknown): CredentialsError {
  return new CredentialsError(roleArn, `cannot use role ${roleArn}: ${detail}; ${roleAdvice(roleArn)}`, cause);
}

/** AWS refused the credentials of a call: the namespace's role's, or the operator's own. */
export function refusedCredentials(err: unknown, operation: string, roleArn: string | undefined): CredentialsError {
  const detail = `${operation}: ${detailOf(err)}`;
  return roleArn ? roleCredentialsError(roleArn, detail, err) : operatorCredentialsError(detail, err);
}

/** A failure on the way to the credentials that another try soon may get past. */
function worthRetryingSoon(err: unknown): boolean {
  const e = (err ?? {}) as FailureLike;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return NETWORK_CODES.has(e.code ?? '') || TRANSIENT_NAMES.has(e.name ?? '');
}

/** `provider`, failing only with errors of the closed set. */
function classified(provider: Provider, operation: string, credentialsFailure: (err: unknown) => Error): Provider {
  return async (props) => {
    try {
      return await provider(props);
    } catch (err) {
      // Already classified: the operator's own credentials, failing under a role's STS call.
      if (err instanceof CredentialsError || err instanceof AwsError) throw err;
      if (!worthRetryingSoon(err)) throw credentialsFailure(err);
      const status = (err as FailureLike)?.$metadata?.httpStatusCode;
      throw new AwsError('Transient', `${operation}: ${detailOf(err)}`, { operation, httpStatus: status, cause: err });
    }
  };
}

/**
 * The SDK's default credential chain (environment, shared files, IRSA web identity, EKS Pod Identity,
 * instance role), failing with CredentialsError. Given to clients as their `credentialDefaultProvider`,
 * so that the STS client assuming a namespace's role starts from the same chain.
 */
export function operatorCredentials(chain: DefaultChain = fromNodeProviderChain): DefaultChain {
  return (init) => classified(chain(init), 'LoadCredentials', (err) => operatorCredentialsError(detailOf(err), err));
}

/**
 * Credentials for a role through STS AssumeRole, from the operator's own identity. The SDK client
 * caches them and refreshes before expiry, and tries again on the next call after a failure, so a
 * fixed trust policy is noticed without a restart.
 */
export function assumeRole(
  opts: { stsEndpoint?: string; sessionName?: string } = {},
): (roleArn: string, region: string) => Provider {
  return (roleArn, region) => {
    const provider = fromTemporaryCredentials({
      params: { RoleArn: roleArn, RoleSessionName: opts.sessionName ?? 'apigw-operator', DurationSeconds: 3600 },
      clientConfig: { region, ...(opts.stsEndpoint ? { endpoint: opts.stsEndpoint } : {}) },
    });
    return classified(provider, 'AssumeRole', (err) =>
      roleCredentialsError(roleArn, `AssumeRole: ${detailOf(err)}`, err),
    );
  };
}
