// Whether a Lambda function policy lets an API invoke the function, read the way Lambda evaluates
// it: principal, action, resource as invoked, the AWS:SourceArn and AWS:SourceAccount conditions,
// Deny over Allow; and which integrations need a permission at all.
import { describe, expect, it } from '@jest/globals';
import {
  addPermissionCommand,
  lambdaFunctionOf,
  ownStatement,
  policyAllows,
  wantedStatement,
} from '../../../src/apiintegration/permission.ts';

const FN = 'arn:aws:lambda:eu-west-1:111122223333:function:hello';
const fn = lambdaFunctionOf({ integrationType: 'AWS_PROXY', integrationUri: FN })!;
const w = wantedStatement(fn, { apiId: 'abc123', region: 'eu-west-1', account: '111122223333', uid: 'u-1' });
const API = 'arn:aws:execute-api:eu-west-1:111122223333:abc123';

const statement = (over: Record<string, unknown> = {}) => ({
  Sid: 's1',
  Effect: 'Allow',
  Principal: { Service: 'apigateway.amazonaws.com' },
  Action: 'lambda:InvokeFunction',
  Resource: FN,
  Condition: { ArnLike: { 'AWS:SourceArn': `${API}/*` } },
  ...over,
});
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('lambdaFunctionOf: which integrations invoke a Lambda function', () => {
  it.each([
    ['a function ARN', { integrationType: 'AWS_PROXY', integrationUri: FN }, { functionArn: FN }],
    [
      'an alias',
      { integrationType: 'AWS_PROXY', integrationUri: `${FN}:live` },
      { functionArn: FN, qualifier: 'live' },
    ],
    ['$LATEST takes no qualifier', { integrationType: 'AWS', integrationUri: `${FN}:$LATEST` }, { functionArn: FN }],
    [
      "API Gateway's invocation form",
      {
        integrationType: 'AWS_PROXY',
        integrationUri: `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${FN}:7/invocations`,
      },
      { functionArn: FN, qualifier: '7', region: 'eu-west-1', account: '111122223333' },
    ],
  ])('%s', (_, spec, want) => {
    expect(lambdaFunctionOf(spec)).toMatchObject(want);
  });
  it.each([
    ['an HTTP backend', { integrationType: 'HTTP_PROXY', integrationUri: 'https://example.com' }],
    ['a service integration', { integrationType: 'AWS_PROXY', integrationSubtype: 'SQS-SendMessage' }],
    [
      'an integration given a role (API Gateway invokes with it)',
      { integrationType: 'AWS_PROXY', integrationUri: FN, credentialsArn: 'arn:aws:iam::1:role/r' },
    ],
  ])('none for %s', (_, spec) => {
    expect(lambdaFunctionOf(spec)).toBeUndefined();
  });
});

describe('policyAllows', () => {
  it.each([
    ['the statement add-permission makes', [statement()], true],
    [
      'a SourceArn narrowed to a route',
      [statement({ Condition: { ArnLike: { 'aws:sourcearn': `${API}/*/GET/pets` } } })],
      true,
    ],
    [
      'a SourceArn wildcard over APIs',
      [statement({ Condition: { StringLike: { 'AWS:SourceArn': 'arn:aws:execute-api:*:111122223333:*' } } })],
      true,
    ],
    ['ArnEquals on the API', [statement({ Condition: { ArnEquals: { 'AWS:SourceArn': `${API}/prod/GET/x` } } })], true],
    ['no SourceArn condition', [statement({ Condition: undefined })], true],
    ['principal *', [statement({ Principal: '*' })], true],
    ['action lambda:*', [statement({ Action: ['lambda:*'] })], true],
    ['action *', [statement({ Action: '*' })], true],
    [
      'SourceAccount of the API',
      [statement({ Condition: { StringEquals: { 'AWS:SourceAccount': '111122223333' } } })],
      true,
    ],
    [
      'another API',
      [statement({ Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:execute-api:eu-west-1:111122223333:zzz/*' } } })],
      false,
    ],
    [
      'another region',
      [
        statement({
          Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:execute-api:us-east-1:111122223333:abc123/*' } },
        }),
      ],
      false,
    ],
    ['another account', [statement({ Condition: { StringEquals: { 'AWS:SourceAccount': '999999999999' } } })], false],
    ['another principal', [statement({ Principal: { Service: 's3.amazonaws.com' } })], false],
    ['another action', [statement({ Action: 'lambda:GetFunction' })], false],
    ['a qualified resource when $LATEST is invoked', [statement({ Resource: `${FN}:live` })], false],
    ['an Allow overridden by a Deny', [statement(), statement({ Sid: 'd', Effect: 'Deny' })], false],
    ['no policy', [], false],
    [
      'a SourceArn of the bare API ARN (no call matches it)',
      [statement({ Condition: { ArnLike: { 'AWS:SourceArn': API } } })],
      false,
    ],
    ['ArnEquals on the bare API ARN', [statement({ Condition: { ArnEquals: { 'AWS:SourceArn': API } } })], false],
    [
      'a SourceArn ending in a wildcard without a slash',
      [statement({ Condition: { ArnLike: { 'AWS:SourceArn': `${API}*` } } })],
      true,
    ],
    [
      'principal * held to an organization API Gateway is not in',
      [statement({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } } })],
      false,
    ],
  ])('%s: %s', (_, statements, allows) => {
    expect(policyAllows(statements.length ? policy(...statements) : undefined, w)).toBe(allows);
  });
  it('a qualified integration needs the statement on its qualifier', () => {
    const live = lambdaFunctionOf({ integrationType: 'AWS_PROXY', integrationUri: `${FN}:live` })!;
    const wl = wantedStatement(live, { apiId: 'abc123', region: 'eu-west-1', account: '111122223333', uid: 'u-1' });
    expect(policyAllows(policy(statement({ Resource: `${FN}:live` })), wl)).toBe(true);
    expect(policyAllows(policy(statement()), wl)).toBe(false);
  });
  it("tells the operator's own statement from another with its id", () => {
    const own = statement({ Sid: w.statementId });
    expect(ownStatement(policy(own), w)).toBe('same');
    expect(ownStatement(policy(statement()), w)).toBe('absent');
    const other = statement({ Sid: w.statementId, Condition: { ArnLike: { 'AWS:SourceArn': `${API}/prod/*` } } });
    expect(ownStatement(policy(other), w)).toBe('different');
  });
});

describe('addPermissionCommand', () => {
  it('is the command that grants exactly the statement the operator would add', () => {
    expect(w.statementId).toBe('apigw-abc123-u-1');
    expect(addPermissionCommand(w)).toBe(
      `aws lambda add-permission --function-name ${FN} --statement-id apigw-abc123-u-1 --action lambda:InvokeFunction --principal apigateway.amazonaws.com --source-arn '${API}/*' --region eu-west-1`,
    );
  });
});
