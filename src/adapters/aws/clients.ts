// One SDK client per (region, role). The SDK never retries by itself: the gateway retries idempotent
// calls so that every attempt takes a token from the shared budget, and never re-sends a create.
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { CredentialsError } from '../../apiintegration/errors.ts';
import type { Location } from '../../apiintegration/ports.ts';

export interface ClientFactory {
  get(loc: Location): Promise<{ client: ApiGatewayV2Client; bucket: string }>;
}

export interface ClientFactoryOptions {
  /** Overrides the endpoint (e.g. an emulator); otherwise the SDK's own resolution applies. */
  endpoint?: string;
  requestTimeoutMs?: number;
  /** Credentials for a role; absent means the default provider chain. */
  credentialsForRole?: (roleArn: string, region: string) => AwsCredentialIdentityProvider;
  /** The account a role belongs to, for the per-account call budget. */
  accountOf?: (roleArn: string | undefined) => string;
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
      client = new ApiGatewayV2Client({
        region: loc.region,
        ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}),
        maxAttempts: 1,
        // Without throwOnRequestTimeout the handler only logs a warning and keeps waiting.
        requestHandler: {
          requestTimeout: this.opts.requestTimeoutMs ?? 15_000,
          throwOnRequestTimeout: true,
          connectionTimeout: 5_000,
        },
        ...(loc.roleArn && this.opts.credentialsForRole
          ? { credentials: this.opts.credentialsForRole(loc.roleArn, loc.region) }
          : {}),
      });
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

/**
 * Credentials for a role through STS AssumeRole, from the operator's own identity. The SDK client
 * caches them and refreshes before expiry; a role that cannot be assumed becomes a CredentialsError,
 * which the reconciler reports on the object instead of retrying hot.
 */
export function assumeRole(
  opts: { stsEndpoint?: string; sessionName?: string } = {},
): (roleArn: string, region: string) => AwsCredentialIdentityProvider {
  return (roleArn, region) => {
    const provider = fromTemporaryCredentials({
      params: { RoleArn: roleArn, RoleSessionName: opts.sessionName ?? 'apigw-operator', DurationSeconds: 3600 },
      clientConfig: { region, ...(opts.stsEndpoint ? { endpoint: opts.stsEndpoint } : {}) },
    });
    return async (props) => {
      try {
        return await provider(props);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        throw new CredentialsError(
          roleArn,
          `cannot assume role ${roleArn}: ${detail}; check the role's trust policy allows the operator's identity`,
          err,
        );
      }
    };
  };
}
