// One SDK client per (region, role). The SDK never retries by itself: the gateway retries idempotent
// calls so that every attempt takes a token from the shared budget, and never re-sends a create.
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { Location } from '../../kind/ports.ts';
import { operatorCredentials, type DefaultChain } from './credentials.ts';

export interface ClientFactory {
  get(loc: Location): Promise<{ client: ApiGatewayV2Client; bucket: string }>;
}

export interface ClientFactoryOptions {
  /** Overrides the endpoint (e.g. an emulator); otherwise the SDK's own resolution applies. */
  endpoint?: string;
  requestTimeoutMs?: number;
  /** Credentials for a role; absent means the default provider chain. */
  credentialsForRole?: (roleArn: string, region: string) => AwsCredentialIdentityProvider;
  /** The operator's own credential chain; the SDK's default one (failing with CredentialsError) unless given. */
  defaultChain?: DefaultChain;
  /** The account a role belongs to, for the per-account call budget. */
  accountOf?: (roleArn: string | undefined) => string;
}

/**
 * What every SDK client of the operator is built with, whatever the service: no retries of its own,
 * a request timeout that really ends the request, the operator's credential chain, and the role's
 * credentials when the object acts through one.
 */
export function sdkClientConfig(
  opts: Pick<ClientFactoryOptions, 'endpoint' | 'requestTimeoutMs' | 'credentialsForRole' | 'defaultChain'>,
  region: string,
  roleArn: string | undefined,
) {
  return {
    region,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    maxAttempts: 1,
    credentialDefaultProvider: operatorCredentials(opts.defaultChain),
    // Without throwOnRequestTimeout the handler only logs a warning and keeps waiting.
    requestHandler: {
      requestTimeout: opts.requestTimeoutMs ?? 15_000,
      throwOnRequestTimeout: true,
      connectionTimeout: 5_000,
    },
    ...(roleArn && opts.credentialsForRole ? { credentials: opts.credentialsForRole(roleArn, region) } : {}),
  };
}

export function accountFromRoleArn(roleArn: string | undefined): string {
  return roleArn?.split(':')[4] || 'default';
}

export class SdkClientFactory implements ClientFactory {
  private readonly clients = new Map<string, ApiGatewayV2Client>();
  private readonly opts: ClientFactoryOptions;

  constructor(opts: ClientFactoryOptions = {}) {
    this.opts = opts;
  }

  async get(loc: Location): Promise<{ client: ApiGatewayV2Client; bucket: string }> {
    const key = `${loc.roleArn ?? ''}|${loc.region}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new ApiGatewayV2Client(sdkClientConfig(this.opts, loc.region, loc.roleArn));
      this.clients.set(key, client);
    }
    const account = (this.opts.accountOf ?? accountFromRoleArn)(loc.roleArn);
    return { client, bucket: `${account}/${loc.region}` };
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}
