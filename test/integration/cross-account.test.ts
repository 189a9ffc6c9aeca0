// Cross-account use: the cluster administrator picks the AWS role per namespace with an
// annotation; the operator assumes it through STS (moto's) and works in that account only.
// A role named in a spec is refused unless the namespace allows it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiGatewayV2Client, CreateApiCommand, GetIntegrationsCommand } from '@aws-sdk/client-apigatewayv2';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { Operator } from '../../src/operator.ts';
import {
  condition,
  createObject,
  installCrd,
  integrationsOf,
  newNamespace,
  tb,
  waitCondition,
  waitReady,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';

const TEAM_ROLE = 'arn:aws:iam::111111111111:role/team-a-apigw';
const OTHER_ROLE = 'arn:aws:iam::222222222222:role/someone-else';
const LAMBDA = 'arn:aws:lambda:us-east-1:111111111111:function:hello';

function clientAs(roleArn: string): ApiGatewayV2Client {
  return new ApiGatewayV2Client({
    region: tb.region,
    endpoint: tb.awsEndpoint,
    credentials: fromTemporaryCredentials({
      params: { RoleArn: roleArn, RoleSessionName: 'test' },
      masterCredentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      clientConfig: { region: tb.region, endpoint: tb.awsEndpoint },
    }),
  });
}

let operator: Operator;
let ns = '';
let teamApi = '';
const team = clientAs(TEAM_ROLE);

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('team-a', { 'apigw.dev/role-arn': TEAM_ROLE });
  teamApi = (await team.send(new CreateApiCommand({ Name: 'team-a', ProtocolType: 'HTTP' }))).ApiId!;
  // testConfig points STS at moto.
  operator = await startOperator({ watchNamespaces: [ns] });
});

afterAll(async () => {
  await operator?.stop();
  team.destroy();
});

describe('namespace roles', () => {
  it("creates the integration in the namespace role's account, not the operator's", async () => {
    await createObject(ns, 'cross', {
      apiId: teamApi,
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      payloadFormatVersion: '2.0',
    });
    const o = await waitReady(ns, 'cross');
    const inTeamAccount = (await team.send(new GetIntegrationsCommand({ ApiId: teamApi }))).Items ?? [];
    expect(inTeamAccount.map((i) => i.IntegrationId)).toEqual([o.status?.integrationId]);
    // The operator's own account has no such API at all.
    await expect(integrationsOf(teamApi)).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  it('refuses a role named in the spec that the namespace does not allow, without calling AWS', async () => {
    await createObject(ns, 'sneaky', {
      apiId: teamApi,
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      payloadFormatVersion: '2.0',
      roleArn: OTHER_ROLE,
    });
    const o = await waitCondition(ns, 'sneaky', 'Stalled', 'RoleNotAllowed');
    expect(condition(o, 'Ready')?.message).toContain('apigw.dev/allowed-role-arns');
    expect(((await team.send(new GetIntegrationsCommand({ ApiId: teamApi }))).Items ?? []).length).toBe(1);
  });
});
