// Credentials that fail are AwsCredentials, with what to check, and never look like a network
// problem; a permission the role lacks stays AwsAccessDenied; and once credentials work again the
// next call succeeds without a restart. The real SDK talks to a local stand-in that answers as API
// Gateway and STS do (one endpoint for both, as moto serves them).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromIni, fromTokenFile } from '@aws-sdk/credential-providers';
import { SdkClientFactory } from '../../../../src/adapters/aws/clients.ts';
import { assumeRole, type DefaultChain } from '../../../../src/adapters/aws/credentials.ts';
import { ApiGatewayV2Gateway } from '../../../../src/adapters/aws/gateway.ts';
import { AwsError, CredentialsError } from '../../../../src/kind/errors.ts';
import { failureOf } from '../../../support/failure-of.ts';

type Answer = { status: number; headers?: Record<string, string>; body: string };
const ROLE = 'arn:aws:iam::444455556666:role/apigw-operator-payments';
const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

/** API Gateway's restJson error, and STS's awsQuery one. */
const apigwError = (status: number, type: string, message: string): Answer => ({
  status,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': 'req-1' },
  body: JSON.stringify({ message }),
});
const stsError = (status: number, code: string, message: string): Answer => ({
  status,
  headers: { 'content-type': 'text/xml' },
  body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>sts-1</RequestId></ErrorResponse>`,
});
const assumed: Answer = {
  status: 200,
  headers: { 'content-type': 'text/xml' },
  body: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId><Arn>${ROLE}/x</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>sts-2</RequestId></ResponseMetadata></AssumeRoleResponse>`,
};
const integration: Answer = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ integrationId: 'i1', integrationType: 'MOCK' }),
};

let server: Server;
let endpoint = '';
const answers: { apigw: Answer; sts: Answer } = { apigw: integration, sts: assumed };
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const sts = req.method === 'POST' && /Action=AssumeRole/.test(body);
      seen.push(sts ? 'AssumeRole' : `${req.method} ${req.url}`);
      const a = sts ? answers.sts : answers.apigw;
      res.writeHead(a.status, a.headers).end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const loc = { region: 'us-east-1', apiId: 'api1' };
const roleLoc = { ...loc, roleArn: ROLE };
const keys: DefaultChain = () => async () => KEYS;

function gatewayWith(defaultChain: DefaultChain = keys) {
  const clients = new SdkClientFactory({
    endpoint,
    defaultChain,
    credentialsForRole: assumeRole({ stsEndpoint: endpoint }),
  });
  return { gw: new ApiGatewayV2Gateway({ clients, attempts: 1 }), clients };
}

const emptyFile = () => {
  const f = join(mkdtempSync(join(tmpdir(), 'apigw-creds-')), 'empty');
  writeFileSync(f, '');
  return f;
};
const failing =
  (err: unknown): DefaultChain =>
  () =>
  async () => {
    throw err;
  };
const sdkFailure = (name: string, status: number) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

describe("the operator's own credentials", () => {
  const OPERATOR_ADVICE = /eks\.amazonaws\.com\/role-arn annotation for IRSA, or its EKS Pod Identity association/;

  it.each<[string, () => DefaultChain]>([
    [
      'none found (the SDK chain gives up)',
      () => () => fromIni({ filepath: emptyFile(), configFilepath: emptyFile(), ignoreCache: true }),
    ],
    [
      'a web identity token file that cannot be read',
      () => () => fromTokenFile({ webIdentityTokenFile: '/nonexistent/token', roleArn: ROLE }),
    ],
  ])('%s: AwsCredentials, naming what to check, before anything is sent', async (_what, chain) => {
    seen.length = 0;
    const e = await failureOf(gatewayWith(chain()).gw.getIntegration(loc, 'i1'));
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e).toMatchObject({ reason: 'AwsCredentials', roleArn: undefined });
    expect(e.message).toMatch(OPERATOR_ADVICE);
    expect(seen).toEqual([]);
  });

  it.each<[string, Answer]>([
    [
      'an unknown key',
      apigwError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'),
    ],
    [
      'an expired session token',
      apigwError(403, 'ExpiredTokenException', 'The security token included in the request is expired'),
    ],
    [
      'a secret that does not match',
      apigwError(403, 'InvalidSignatureException', 'The request signature we calculated does not match'),
    ],
  ])('AWS refusing %s: AwsCredentials, quoting AWS', async (_what, answer) => {
    answers.apigw = answer;
    const e = await failureOf(gatewayWith().gw.getIntegration(loc, 'i1'));
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e.reason).toBe('AwsCredentials');
    expect(e.message).toContain(`GetIntegration: ${JSON.parse(answer.body).message}`);
    expect(e.message).toMatch(OPERATOR_ADVICE);
  });

  it('a permission the role lacks stays AwsAccessDenied', async () => {
    answers.apigw = apigwError(403, 'AccessDeniedException', 'User is not authorized to perform: apigateway:POST');
    const e = await failureOf(gatewayWith().gw.createIntegration(loc, { integrationType: 'MOCK' }));
    expect(e).toBeInstanceOf(AwsError);
    expect(e).toMatchObject({ kind: 'AccessDenied', reason: 'AwsAccessDenied' });
  });

  it.each<[string, unknown]>([
    ['a connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a 5xx from STS', sdkFailure('InternalFailure', 500)],
    ['throttling by STS', sdkFailure('Throttling', 400)],
  ])('%s on the way to the credentials is AwsUnavailable, retried as a network problem', async (_what, err) => {
    const e = await failureOf(gatewayWith(failing(err)).gw.getIntegration(loc, 'i1'));
    expect(e).toBeInstanceOf(AwsError);
    expect(e).toMatchObject({ kind: 'Transient', reason: 'AwsUnavailable' });
  });

  it('works again on the next call once credentials are there, without a restart', async () => {
    answers.apigw = integration;
    let available = false;
    const chain: DefaultChain = () => async () => {
      if (!available)
        throw Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' });
      return KEYS;
    };
    const { gw } = gatewayWith(chain);
    expect((await failureOf(gw.getIntegration(loc, 'i1'))).reason).toBe('AwsCredentials');
    available = true;
    await expect(gw.getIntegration(loc, 'i1')).resolves.toMatchObject({ integrationId: 'i1' });
  });
});

describe("a namespace's role", () => {
  const ROLE_ADVICE = /trust policy of .* lets the operator's identity call sts:AssumeRole.*apigw\.dev\/role-arn/;

  it('AssumeRole refused: AwsCredentials naming the role, its trust policy and the Namespace annotation', async () => {
    answers.sts = stsError(
      403,
      'AccessDenied',
      `User: x is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
    );
    const e = await failureOf(gatewayWith().gw.getIntegration(roleLoc, 'i1'));
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e).toMatchObject({ reason: 'AwsCredentials', roleArn: ROLE });
    expect(e.message).toContain(`cannot use role ${ROLE}: AssumeRole: User: x is not authorized`);
    expect(e.message).toMatch(ROLE_ADVICE);
  });

  it("the operator's own credentials missing says so, not the role's trust policy", async () => {
    const e = await failureOf(
      gatewayWith(
        failing(Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' })),
      ).gw.getIntegration(roleLoc, 'i1'),
    );
    expect(e).toMatchObject({ reason: 'AwsCredentials', roleArn: undefined });
    expect(e.message).toContain("the operator's AWS credentials do not work");
  });

  it('STS unavailable is AwsUnavailable', async () => {
    answers.sts = { ...stsError(503, 'ServiceUnavailable', 'try later'), status: 503 };
    const e = await failureOf(gatewayWith().gw.getIntegration(roleLoc, 'i1'));
    expect(e).toMatchObject({ kind: 'Transient', reason: 'AwsUnavailable' });
  });

  it('AWS refusing the role session: AwsCredentials naming the role', async () => {
    answers.sts = assumed;
    answers.apigw = apigwError(403, 'ExpiredTokenException', 'The security token included in the request is expired');
    const e = await failureOf(gatewayWith().gw.getIntegration(roleLoc, 'i1'));
    expect(e).toMatchObject({ reason: 'AwsCredentials', roleArn: ROLE });
    expect(e.message).toMatch(ROLE_ADVICE);
  });

  it('is assumed again on the next call once the trust policy is fixed', async () => {
    answers.apigw = integration;
    answers.sts = stsError(403, 'AccessDenied', 'not authorized to perform: sts:AssumeRole');
    const { gw } = gatewayWith();
    expect((await failureOf(gw.getIntegration(roleLoc, 'i1'))).reason).toBe('AwsCredentials');
    answers.sts = assumed;
    await expect(gw.getIntegration(roleLoc, 'i1')).resolves.toMatchObject({ integrationId: 'i1' });
  });
});
