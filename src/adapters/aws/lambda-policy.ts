// Lambda function policies through the AWS SDK, for spec.lambdaPermission: GetPolicy, AddPermission
// and RemovePermission of one statement, and the account an identity acts in. The clients are made
// like the API Gateway ones (same endpoint override, credential chain and role assumption, no SDK
// retries, bounded requests) in the function's region, and take their tokens from a budget of their
// own: Lambda's control plane has its own rate limits, apart from API Gateway's.
//
// Lambda's answers (Lambda API reference, AddPermission / GetPolicy / RemovePermission, Errors):
// 404 ResourceNotFoundException is a missing function ("Function not found: arn:...") or, on
// GetPolicy, a function without a policy ("The resource you requested does not exist."); 409
// ResourceConflictException is a statement id already taken ("The statement id (X) provided
// already exists...") or an update of the function under way; 403 is a refusal (another account's
// function, or a missing IAM permission).
import { AddPermissionCommand, GetPolicyCommand, LambdaClient, RemovePermissionCommand } from '@aws-sdk/client-lambda';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type {
  FunctionAt,
  LambdaPolicies,
  PermissionWrite,
  PolicyRead,
  WantedStatement,
} from '../../apiintegration/permission-ports.ts';
import { AwsError } from '../../kind/errors.ts';
import { accountFromRoleArn, sdkClientConfig } from './clients.ts';
import type { DefaultChain } from './credentials.ts';
import { translate } from './errors.ts';
import { unlimited, type CallBudget, type CallObserver } from './rate-limit.ts';

export interface LambdaPolicyOptions {
  /** Overrides the endpoint (an emulator); otherwise the SDK's own resolution applies. */
  endpoint?: string;
  requestTimeoutMs?: number;
  credentialsForRole?: (roleArn: string, region: string) => AwsCredentialIdentityProvider;
  defaultChain?: DefaultChain;
  /** Lambda's own call budget, one bucket per account and region. */
  budget?: CallBudget;
  observe?: CallObserver;
  /** The operator's own account (STS GetCallerIdentity), for objects acting without a role. */
  ownAccount: (signal?: AbortSignal) => Promise<string>;
}

const FUNCTION_MISSING = /Function not found/i;
const ID_TAKEN = /already exists/i;

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

export class SdkLambdaPolicies implements LambdaPolicies {
  private readonly clients = new Map<string, LambdaClient>();
  private readonly opts: LambdaPolicyOptions;

  constructor(opts: LambdaPolicyOptions) {
    this.opts = opts;
  }

  async accountOf(roleArn: string | undefined, signal?: AbortSignal): Promise<string> {
    return roleArn ? accountFromRoleArn(roleArn) : this.opts.ownAccount(signal);
  }

  async getPolicy(at: FunctionAt, signal?: AbortSignal): Promise<PolicyRead> {
    const cmd = new GetPolicyCommand({ FunctionName: at.fn.functionArn, Qualifier: at.fn.qualifier });
    try {
      const out = await this.send<{ Policy?: string }>(at, 'GetPolicy', cmd, signal);
      return { kind: 'policy', policy: out.Policy };
    } catch (err) {
      if (statusOf(err) === 404)
        return FUNCTION_MISSING.test((err as Error).message)
          ? { kind: 'functionMissing' }
          : { kind: 'policy', policy: undefined };
      const t = translate(err, 'GetPolicy', { read: true, roleArn: at.roleArn });
      if (t instanceof AwsError && t.kind === 'AccessDenied') return { kind: 'unreadable', why: t.message };
      throw t;
    }
  }

  async addPermission(at: FunctionAt, w: WantedStatement, signal?: AbortSignal): Promise<PermissionWrite> {
    const cmd = new AddPermissionCommand({
      FunctionName: at.fn.functionArn,
      Qualifier: at.fn.qualifier,
      StatementId: w.statementId,
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: w.sourceArn,
    });
    try {
      await this.send(at, 'AddPermission', cmd, signal);
      return 'done';
    } catch (err) {
      if (statusOf(err) === 409 && ID_TAKEN.test((err as Error).message)) return 'exists';
      return this.refusal(err, 'AddPermission', at);
    }
  }

  async removePermission(at: FunctionAt, statementId: string, signal?: AbortSignal): Promise<PermissionWrite> {
    const cmd = new RemovePermissionCommand({
      FunctionName: at.fn.functionArn,
      Qualifier: at.fn.qualifier,
      StatementId: statementId,
    });
    try {
      await this.send(at, 'RemovePermission', cmd, signal);
      return 'done';
    } catch (err) {
      if (statusOf(err) === 404) return 'absent';
      return this.refusal(err, 'RemovePermission', at);
    }
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }

  /** A refusal for good (403, a 400 such as a full policy) is an answer; the rest is retried by the queue. */
  private refusal(err: unknown, operation: string, at: FunctionAt): { denied: string } {
    const t = translate(err, operation, { roleArn: at.roleArn });
    if (t instanceof AwsError && (t.kind === 'AccessDenied' || t.kind === 'Rejected')) return { denied: t.message };
    throw t;
  }

  private async send<T>(at: FunctionAt, operation: string, cmd: object, signal?: AbortSignal): Promise<T> {
    const region = at.fn.region;
    const account = at.roleArn ? accountFromRoleArn(at.roleArn) : 'default';
    const bucket = `lambda/${account}/${region}`;
    const budget = this.opts.budget ?? unlimited;
    await budget.take(bucket, signal);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const out = (await this.client(at.roleArn, region).send(cmd as never, { abortSignal: signal })) as T;
      this.opts.observe?.(operation, 'ok', seconds());
      return out;
    } catch (err) {
      const status = statusOf(err);
      // The outcomes API Gateway's calls are counted with: not_found, or the error kind.
      const t = status === 404 ? undefined : translate(err, operation, { roleArn: at.roleArn });
      const outcome = t === undefined ? 'not_found' : t instanceof AwsError ? t.kind.toLowerCase() : 'credentials';
      this.opts.observe?.(operation, outcome, seconds());
      if (outcome === 'throttled') budget.throttled(bucket);
      throw err;
    }
  }

  private client(roleArn: string | undefined, region: string): LambdaClient {
    const key = `${roleArn ?? ''}|${region}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new LambdaClient(sdkClientConfig(this.opts, region, roleArn));
      this.clients.set(key, client);
    }
    return client;
  }
}
