// Lambda functions in the test bed's moto, and their policies as a client sees them through a
// fidelity proxy: functions are made straight in moto (with the IAM role moto insists on), policies
// are read and changed through the proxy, which keeps them the way Lambda does.
import { randomUUID } from 'node:crypto';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  GetPolicyCommand,
  LambdaClient,
  RemovePermissionCommand,
} from '@aws-sdk/client-lambda';
import { tb } from './cluster.ts';

const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const ROLE = 'apigw-test-lambda';

export const lambdaClient = (endpoint: string) =>
  new LambdaClient({ region: tb.region, endpoint, credentials: CREDENTIALS, maxAttempts: 1 });

/**
 * moto's CreateFunction refuses a role it does not hold. No IAM client is a dependency of the
 * project, and moto routes a query-protocol call by the service in the credential scope without
 * checking the signature, so the role is made with one form POST.
 */
async function ensureRole(): Promise<string> {
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  const body = new URLSearchParams({
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: ROLE,
    AssumeRolePolicyDocument: trust,
  });
  const res = await fetch(tb.motoEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  const text = await res.text();
  if (!res.ok && !text.includes('EntityAlreadyExists')) throw new Error(`CreateRole: ${res.status} ${text}`);
  return `arn:aws:iam::123456789012:role/${ROLE}`;
}

/** A function in moto (its code is never run); returns its ARN. */
export async function createFunction(prefix: string): Promise<string> {
  const role = await ensureRole();
  const out = await lambdaClient(tb.motoEndpoint).send(
    new CreateFunctionCommand({
      FunctionName: `${prefix}-${randomUUID().slice(0, 8)}`,
      Runtime: 'nodejs22.x',
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: Buffer.from('not run') },
    }),
  );
  return out.FunctionArn!.replace(/:\$LATEST$/, '');
}

export interface Statement {
  Sid: string;
  Condition?: { ArnLike?: Record<string, string> };
}

/** The function policy's statements as GetPolicy answers through `endpoint`; none when it has no policy. */
export async function statementsOf(endpoint: string, functionArn: string): Promise<Statement[]> {
  try {
    const out = await lambdaClient(endpoint).send(new GetPolicyCommand({ FunctionName: functionArn }));
    return (JSON.parse(out.Policy ?? '{}') as { Statement?: Statement[] }).Statement ?? [];
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return [];
    throw err;
  }
}

export async function addPermission(endpoint: string, functionArn: string, sid: string, sourceArn: string) {
  await lambdaClient(endpoint).send(
    new AddPermissionCommand({
      FunctionName: functionArn,
      StatementId: sid,
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: sourceArn,
    }),
  );
}

export async function removePermission(endpoint: string, functionArn: string, sid: string) {
  await lambdaClient(endpoint).send(new RemovePermissionCommand({ FunctionName: functionArn, StatementId: sid }));
}
