// The operator's own identity check (STS GetCallerIdentity) as the real SDK makes it against a local
// stand-in that answers as STS does: the identity on success, signed with the operator's chain;
// AwsCredentials, saying what to check, when the credentials are missing or refused; AwsUnavailable,
// naming the STS endpoint to check, when STS cannot be reached or fails.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromIni } from '@aws-sdk/credential-providers';
import type { DefaultChain } from '../../../../src/adapters/aws/credentials.ts';
import { StsCallerIdentity } from '../../../../src/adapters/aws/identity.ts';
import { AwsError, CredentialsError } from '../../../../src/kind/errors.ts';
import { failureOf } from '../../../support/failure-of.ts';

type Answer = { status: number; body: string };
const ARN = 'arn:aws:sts::111122223333:assumed-role/apigw-operator/botocore-session-1';
const identity: Answer = {
  status: 200,
  body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${ARN}</Arn><UserId>AROAEXAMPLE:botocore-session-1</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>sts-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
};
const stsError = (status: number, code: string, message: string): Answer => ({
  status,
  body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>sts-2</RequestId></ErrorResponse>`,
});

let server: Server;
let endpoint = '';
let answer: Answer = identity;
const seen: { body: string; authorization: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ body, authorization: req.headers.authorization ?? '' });
      res.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const keys: DefaultChain = () => async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });

async function check(opts: { answer?: Answer; chain?: DefaultChain; at?: string } = {}) {
  answer = opts.answer ?? identity;
  seen.length = 0;
  const sts = new StsCallerIdentity({
    region: 'eu-west-1',
    endpoint: opts.at ?? endpoint,
    defaultChain: opts.chain ?? keys,
  });
  try {
    return await sts.callerIdentity();
  } finally {
    sts.destroy();
  }
}

const OPERATOR_ADVICE = /eks\.amazonaws\.com\/role-arn annotation for IRSA, or its EKS Pod Identity association/;

describe("the operator's AWS identity", () => {
  it('is the ARN and account STS answers, asked with the operator’s own credentials', async () => {
    expect(await check()).toEqual({ arn: ARN, account: '111122223333' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toContain('Action=GetCallerIdentity');
    expect(seen[0]!.authorization).toContain('Credential=AKIDEXAMPLE/');
  });

  it('with no credentials at all: AwsCredentials, saying what to check, and nothing sent', async () => {
    const empty = join(mkdtempSync(join(tmpdir(), 'apigw-identity-')), 'empty');
    writeFileSync(empty, '');
    const none: DefaultChain = () => fromIni({ filepath: empty, configFilepath: empty, ignoreCache: true });
    const e = await failureOf(check({ chain: none }));
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e.reason).toBe('AwsCredentials');
    expect(e.message).toMatch(OPERATOR_ADVICE);
    expect(seen).toEqual([]);
  });

  it.each([
    ['an unknown key', 'InvalidClientTokenId', 'The security token included in the request is invalid.'],
    ['an expired session', 'ExpiredToken', 'The security token included in the request is expired'],
  ])('refused for %s: AwsCredentials, saying what to check', async (_what, code, message) => {
    const e = await failureOf(check({ answer: stsError(403, code, message) }));
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e.message).toContain(`GetCallerIdentity: ${message}`);
    expect(e.message).toMatch(OPERATOR_ADVICE);
  });

  it('STS unreachable: AwsUnavailable, naming the endpoint to check', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const at = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closed.close(() => r()));
    const e = await failureOf(check({ at }));
    expect(e).toBeInstanceOf(AwsError);
    expect(e).toMatchObject({ reason: 'AwsUnavailable', operation: 'GetCallerIdentity' });
    expect(e.message).toContain(`check that the pod reaches ${at}`);
    expect(e.message).toContain('--sts-endpoint');
  });

  it('STS failing with a 5xx: AwsUnavailable, retried by the caller', async () => {
    const e = await failureOf(check({ answer: stsError(503, 'ServiceUnavailable', 'try later') }));
    expect(e).toMatchObject({ reason: 'AwsUnavailable', httpStatus: 503 });
    expect(seen).toHaveLength(1);
  });
});
