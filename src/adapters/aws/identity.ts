// Who the operator is in AWS: STS GetCallerIdentity with the operator's own credential chain (the
// one the API Gateway clients use), so that credentials that do not work show at start-up rather
// than on every object. GetCallerIdentity needs no IAM permission and cannot be denied by a policy
// (STS API reference, GetCallerIdentity), so it tests the credentials and the way to STS and nothing
// else. Failures are in the closed error set, with what to check in their message.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsError, CredentialsError } from '../../kind/errors.ts';
import { operatorCredentials, type DefaultChain } from './credentials.ts';
import { translate } from './errors.ts';

export interface CallerIdentity {
  arn: string;
  account: string;
}

/** The operator's own AWS identity, asked of AWS. */
export interface CallerIdentitySource {
  /** Rejects with CredentialsError when the credentials do not work, AwsError otherwise. */
  callerIdentity(signal?: AbortSignal): Promise<CallerIdentity>;
  destroy(): void;
}

export interface StsCallerIdentityOptions {
  region: string;
  /** STS endpoint override (--sts-endpoint); otherwise the SDK's regional endpoint. */
  endpoint?: string;
  requestTimeoutMs?: number;
  /** The operator's own credential chain; the SDK's default one unless given. */
  defaultChain?: DefaultChain;
}

const OPERATION = 'GetCallerIdentity';

export class StsCallerIdentity implements CallerIdentitySource {
  private readonly client: STSClient;
  private readonly where: string;

  constructor(opts: StsCallerIdentityOptions) {
    this.where = opts.endpoint ?? `the STS endpoint of ${opts.region}`;
    this.client = stsClient(opts);
  }

  async callerIdentity(signal?: AbortSignal): Promise<CallerIdentity> {
    try {
      const out = await this.client.send(new GetCallerIdentityCommand({}), { abortSignal: signal });
      return { arn: out.Arn ?? '', account: out.Account ?? '' };
    } catch (err) {
      throw this.failure(err);
    }
  }

  destroy(): void {
    this.client.destroy();
  }

  /** Credentials that do not work already say what to check; a timeout, reset or 5xx is the way to STS. */
  private failure(err: unknown): AwsError | CredentialsError {
    const e = translate(err, OPERATION);
    // A credential endpoint that did not answer (LoadCredentials) is not the way to STS.
    if (e instanceof CredentialsError || e.kind !== 'Transient' || e.operation !== OPERATION) return e;
    return new AwsError(
      e.kind,
      `${e.message}; check that the pod reaches ${this.where} (a NetworkPolicy or a VPC without a route to ` +
        'STS or an STS VPC endpoint stops it), or point --sts-endpoint (AWS_ENDPOINT_URL_STS) at a reachable one',
      { operation: OPERATION, requestId: e.requestId, httpStatus: e.httpStatus, cause: err },
    );
  }
}

/** Configured like the API Gateway clients: no SDK retries (the caller retries), bounded requests. */
function stsClient(opts: StsCallerIdentityOptions): STSClient {
  return new STSClient({
    region: opts.region,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    maxAttempts: 1,
    credentialDefaultProvider: operatorCredentials(opts.defaultChain),
    requestHandler: {
      requestTimeout: opts.requestTimeoutMs ?? 15_000,
      throwOnRequestTimeout: true,
      connectionTimeout: 5_000,
    },
  });
}
