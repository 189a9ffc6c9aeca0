// The IAM policies users give the operator's role: only API Gateway (and, for cross-account roles,
// sts:AssumeRole), no wildcard actions, resources under /apis, plus iam:PassRole of the integration
// roles named in credentialsArn, to API Gateway only; ApiStage's stage calls and CreateDeployment,
// and nothing else on deployments; the integration and route responses of two-way WebSocket routes. Evaluated like IAM does (action and resource globs, StringEquals
// conditions), they allow every call the operator's AWS adapter makes and nothing else nearby.
// docs/aws.md shows the same documents.
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROLE_ARN } from '../../fixtures/spec-examples.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

type Conditions = Record<string, Record<string, string | string[]>>;
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Conditions;
}
interface Policy {
  Version: string;
  Statement: Statement[];
}

const read = (file: string) => JSON.parse(readFileSync(join(ROOT, 'docs', file), 'utf8')) as Policy;
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );

/** Whether the request context satisfies a statement's conditions; operators other than StringEquals count as unmet. */
function conditionsHold(conditions: Conditions | undefined, context: Record<string, string>): boolean {
  return Object.entries(conditions ?? {}).every(
    ([operator, keys]) =>
      operator === 'StringEquals' &&
      Object.entries(keys).every(([k, v]) => context[k] !== undefined && list(v).includes(context[k])),
  );
}

const grantsAction = (s: Statement, action: string) => list(s.Action).some((a) => glob(a).test(action));

/** Whether an Allow statement grants the action on the resource (IAM globs: * and ?) in this request context. */
function allows(policy: Policy, action: string, resource: string, context: Record<string, string> = {}): boolean {
  return policy.Statement.some(
    (s) =>
      s.Effect === 'Allow' &&
      grantsAction(s, action) &&
      list(s.Resource).some((r) => glob(r).test(resource)) &&
      conditionsHold(s.Condition, context),
  );
}

const POLICY_FILES = ['iam-policy.json', 'iam-policy-assume-role.json', 'iam-policy-lambda-permissions.json'];
const toApiGateway = { 'iam:PassedToService': 'apigateway.amazonaws.com' };

const apigw = (path: string) => `arn:aws:apigateway:eu-west-1::${path}`;

// How each API Gateway v2 operation is authorized: the HTTP method on the resource path.
const OPERATIONS: Record<string, { method: string; path: string }> = {
  GetApiCommand: { method: 'GET', path: '/apis/a1b2c3d' },
  GetIntegrationCommand: { method: 'GET', path: '/apis/a1b2c3d/integrations/i9z8y7x' },
  GetIntegrationsCommand: { method: 'GET', path: '/apis/a1b2c3d/integrations' },
  // Before a delete: which routes still target the integration.
  GetRoutesCommand: { method: 'GET', path: '/apis/a1b2c3d/routes' },
  CreateIntegrationCommand: { method: 'POST', path: '/apis/a1b2c3d/integrations' },
  UpdateIntegrationCommand: { method: 'PATCH', path: '/apis/a1b2c3d/integrations/i9z8y7x' },
  DeleteIntegrationCommand: { method: 'DELETE', path: '/apis/a1b2c3d/integrations/i9z8y7x' },
  GetRouteCommand: { method: 'GET', path: '/apis/a1b2c3d/routes/r4s5t6u' },
  CreateRouteCommand: { method: 'POST', path: '/apis/a1b2c3d/routes' },
  UpdateRouteCommand: { method: 'PATCH', path: '/apis/a1b2c3d/routes/r4s5t6u' },
  DeleteRouteCommand: { method: 'DELETE', path: '/apis/a1b2c3d/routes/r4s5t6u' },
  DeleteRouteRequestParameterCommand: {
    method: 'DELETE',
    path: '/apis/a1b2c3d/routes/r4s5t6u/requestparameters/route.request.header.x-tenant',
  },
  // WebSocket two-way routes: integration responses and route responses.
  GetIntegrationResponsesCommand: { method: 'GET', path: '/apis/a1b2c3d/integrations/i9z8y7x/integrationresponses' },
  CreateIntegrationResponseCommand: { method: 'POST', path: '/apis/a1b2c3d/integrations/i9z8y7x/integrationresponses' },
  UpdateIntegrationResponseCommand: {
    method: 'PATCH',
    path: '/apis/a1b2c3d/integrations/i9z8y7x/integrationresponses/ir1a2b',
  },
  DeleteIntegrationResponseCommand: {
    method: 'DELETE',
    path: '/apis/a1b2c3d/integrations/i9z8y7x/integrationresponses/ir1a2b',
  },
  GetRouteResponsesCommand: { method: 'GET', path: '/apis/a1b2c3d/routes/r4s5t6u/routeresponses' },
  CreateRouteResponseCommand: { method: 'POST', path: '/apis/a1b2c3d/routes/r4s5t6u/routeresponses' },
  UpdateRouteResponseCommand: { method: 'PATCH', path: '/apis/a1b2c3d/routes/r4s5t6u/routeresponses/rr1a2b' },
  DeleteRouteResponseCommand: { method: 'DELETE', path: '/apis/a1b2c3d/routes/r4s5t6u/routeresponses/rr1a2b' },
  // ApiStage: the stage, its settings, and the deployments it serves.
  GetStageCommand: { method: 'GET', path: '/apis/a1b2c3d/stages/prod' },
  GetStagesCommand: { method: 'GET', path: '/apis/a1b2c3d/stages' },
  CreateStageCommand: { method: 'POST', path: '/apis/a1b2c3d/stages' },
  UpdateStageCommand: { method: 'PATCH', path: '/apis/a1b2c3d/stages/prod' },
  DeleteStageCommand: { method: 'DELETE', path: '/apis/a1b2c3d/stages/prod' },
  // A route key removed from spec.routeSettings, and accessLogSettings removed.
  DeleteRouteSettingsCommand: { method: 'DELETE', path: '/apis/a1b2c3d/stages/prod/routesettings/GET%20%2Fitems' },
  DeleteAccessLogSettingsCommand: { method: 'DELETE', path: '/apis/a1b2c3d/stages/prod/accesslogsettings' },
  CreateDeploymentCommand: { method: 'POST', path: '/apis/a1b2c3d/deployments' },
  GetDeploymentCommand: { method: 'GET', path: '/apis/a1b2c3d/deployments/d3p1oy' },
  GetDeploymentsCommand: { method: 'GET', path: '/apis/a1b2c3d/deployments' },
};

// Lambda's calls (spec.lambdaPermission): GetPolicy in the main policy, the writes in their own,
// opt-in document, for API Gateway's principal only.
const LAMBDA_OPERATIONS: Record<string, { action: string; file: string }> = {
  GetPolicyCommand: { action: 'lambda:GetPolicy', file: 'iam-policy.json' },
  AddPermissionCommand: { action: 'lambda:AddPermission', file: 'iam-policy-lambda-permissions.json' },
  RemovePermissionCommand: { action: 'lambda:RemovePermission', file: 'iam-policy-lambda-permissions.json' },
};
const FUNCTION = 'arn:aws:lambda:eu-west-1:111122223333:function:orders';
const toApiGatewayPrincipal = { 'lambda:Principal': 'apigateway.amazonaws.com' };

// Calls IAM does not authorize: GetCallerIdentity needs no permission and still works under an
// explicit Deny (STS API reference, GetCallerIdentity), so the policy has nothing to grant for it.
const WITHOUT_PERMISSION = new Set(['GetCallerIdentityCommand']);

describe('docs/iam-policy.json', () => {
  const policy = read('iam-policy.json');

  const apigwStatements = policy.Statement.filter((s) => list(s.Action).some((a) => a.startsWith('apigateway:')));
  const passRoleStatements = policy.Statement.filter((s) => grantsAction(s, 'iam:PassRole'));
  const lambdaStatements = policy.Statement.filter((s) => list(s.Action).some((a) => a.startsWith('lambda:')));

  it('is a policy document with API Gateway actions on /apis, iam:PassRole and lambda:GetPolicy, no wildcard actions', () => {
    expect(policy.Version).toBe('2012-10-17');
    expect(apigwStatements.length + passRoleStatements.length + lambdaStatements.length).toBe(policy.Statement.length);
    for (const s of lambdaStatements) expect(list(s.Action)).toEqual(['lambda:GetPolicy']);
    for (const s of policy.Statement) expect(s.Effect).toBe('Allow');
    for (const s of apigwStatements) {
      for (const a of list(s.Action)) expect(a).toMatch(/^apigateway:(GET|POST|PATCH|DELETE)$/);
      for (const r of list(s.Resource)) expect(r).toMatch(/^arn:aws:apigateway:\*::\/apis\/\*/);
      expect(s.Condition).toBeUndefined();
    }
  });

  // credentialsArn hands a role to API Gateway, which IAM checks as iam:PassRole for role-taking
  // API Gateway v2 actions; every service integration (the SQS example) needs one.
  it('passes the integration roles to API Gateway, and to nothing else', () => {
    expect(passRoleStatements).toHaveLength(1);
    const [s] = passRoleStatements;
    expect(list(s!.Action)).toEqual(['iam:PassRole']);
    for (const r of list(s!.Resource)) expect(r).toMatch(/^arn:aws:iam::[0-9*]+:role\/apigw-integration-\*$/);
    expect(s!.Condition).toEqual({ StringEquals: toApiGateway });

    const role = (name: string) => `arn:aws:iam::111122223333:role/${name}`;
    expect(allows(policy, 'iam:PassRole', role('apigw-integration-sqs'), toApiGateway)).toBe(true);
    expect(allows(policy, 'iam:PassRole', ROLE_ARN, toApiGateway)).toBe(true);
    expect(allows(policy, 'iam:PassRole', role('apigw-integration-sqs'))).toBe(false);
    expect(
      allows(policy, 'iam:PassRole', role('apigw-integration-sqs'), { 'iam:PassedToService': 'lambda.amazonaws.com' }),
    ).toBe(false);
    expect(allows(policy, 'iam:PassRole', role('apigw-operator'), toApiGateway)).toBe(false);
    expect(allows(policy, 'iam:PassRole', role('Admin'), toApiGateway)).toBe(false);
    expect(allows(policy, 'iam:CreateRole', role('apigw-integration-sqs'), toApiGateway)).toBe(false);
  });

  it('allows every call the AWS adapter makes', () => {
    const dir = join(ROOT, 'src', 'adapters', 'aws');
    const code = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    const used = [...new Set([...code.matchAll(/new (\w+Command)\(/g)].map((m) => m[1]!))]
      .filter((c) => !WITHOUT_PERMISSION.has(c))
      .sort();
    // A new AWS call needs its entry above, and a look at the policy; an entry no call uses goes.
    expect(used).toEqual([...Object.keys(OPERATIONS), ...Object.keys(LAMBDA_OPERATIONS)].sort());
    for (const [c, { action, file }] of Object.entries(LAMBDA_OPERATIONS)) {
      const context = file === 'iam-policy.json' ? {} : toApiGatewayPrincipal;
      expect([c, allows(read(file), action, FUNCTION, context)]).toEqual([c, true]);
      expect([c, allows(read(file), action, `${FUNCTION}:live`, context)]).toEqual([c, true]);
    }
    for (const c of used.filter((u) => !(u in LAMBDA_OPERATIONS))) {
      const { method, path } = OPERATIONS[c]!;
      expect([c, allows(policy, `apigateway:${method}`, apigw(path))]).toEqual([c, true]);
    }
  });

  it.each([
    ['POST', '/apis', 'CreateApi'],
    ['PATCH', '/apis/a1b2c3d', 'UpdateApi'],
    ['DELETE', '/apis/a1b2c3d', 'DeleteApi'],
    ['POST', '/apis/a1b2c3d/routes/r4s5t6u', 'a POST on a route'],
    ['PUT', '/apis/a1b2c3d/routes/r4s5t6u', 'a PUT on a route'],
    ['DELETE', '/apis/a1b2c3d/routes', 'a DELETE of the route collection'],
    ['POST', '/apis/a1b2c3d/routes/r4s5t6u/routeresponses/rr1a2b', 'a POST on a route response'],
    ['PUT', '/apis/a1b2c3d/integrations/i9z8y7x/integrationresponses/ir1a2b', 'a PUT on an integration response'],
    ['POST', '/apis/a1b2c3d/routes/r4s5t6u/routeresponses/rr1a2b/x', 'a POST under a route response'],
    ['DELETE', '/apis/a1b2c3d/deployments/d3p1oy', 'DeleteDeployment'],
    ['PATCH', '/apis/a1b2c3d/deployments/d3p1oy', 'UpdateDeployment'],
    ['POST', '/apis/a1b2c3d/deployments/d3p1oy', 'a POST on a deployment'],
    ['DELETE', '/apis/a1b2c3d/stages', 'a DELETE of the stage collection'],
    ['PUT', '/apis/a1b2c3d/stages/prod', 'a PUT on a stage'],
    ['POST', '/apis/a1b2c3d/stages/prod', 'a POST on a stage'],
    ['POST', '/apis/a1b2c3d/authorizers', 'CreateAuthorizer'],
    ['PUT', '/apis/a1b2c3d/integrations/i9z8y7x', 'a PUT'],
    ['GET', '/domainnames/example.com', 'GetDomainName'],
    ['GET', '/vpclinks/vl0abc1', 'GetVpcLink'],
    ['GET', '/restapis/a1b2c3d', 'a REST API'],
  ])('refuses %s %s (%s)', (method, path) => {
    expect(allows(policy, `apigateway:${method}`, apigw(path))).toBe(false);
  });
});

describe('docs/iam-policy-lambda-permissions.json', () => {
  const policy = read('iam-policy-lambda-permissions.json');

  it('adds and removes statements for API Gateway only, on functions only, and reads nothing else', () => {
    for (const s of policy.Statement) {
      expect(list(s.Action).sort()).toEqual(['lambda:AddPermission', 'lambda:RemovePermission']);
      expect(s.Condition).toEqual({ StringEquals: toApiGatewayPrincipal });
    }
    expect(allows(policy, 'lambda:AddPermission', FUNCTION, toApiGatewayPrincipal)).toBe(true);
    expect(allows(policy, 'lambda:AddPermission', FUNCTION, { 'lambda:Principal': '*' })).toBe(false);
    expect(allows(policy, 'lambda:AddPermission', FUNCTION, { 'lambda:Principal': '444455556666' })).toBe(false);
    expect(allows(policy, 'lambda:UpdateFunctionCode', FUNCTION, toApiGatewayPrincipal)).toBe(false);
    expect(allows(policy, 'lambda:AddLayerVersionPermission', FUNCTION, toApiGatewayPrincipal)).toBe(false);
  });
});

describe('docs/iam-policy-assume-role.json', () => {
  const policy = read('iam-policy-assume-role.json');

  it('only assumes roles, and only the operator’s target roles', () => {
    for (const s of policy.Statement) {
      expect(list(s.Action)).toEqual(['sts:AssumeRole']);
      for (const r of list(s.Resource)) expect(r).toMatch(/^arn:aws:iam::[0-9*]+:role\/[^*]+/);
    }
    expect(allows(policy, 'sts:AssumeRole', 'arn:aws:iam::444455556666:role/apigw-operator-payments')).toBe(true);
    expect(allows(policy, 'sts:AssumeRole', 'arn:aws:iam::444455556666:role/Admin')).toBe(false);
  });
});

describe('docs/aws.md', () => {
  it('shows both policies exactly as in the files', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'aws.md'), 'utf8');
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Policy);
    expect(blocks).toContainEqual(read('iam-policy.json'));
    expect(blocks).toContainEqual(read('iam-policy-assume-role.json'));
    expect(blocks).toContainEqual(read('iam-policy-lambda-permissions.json'));
  });
});

describe('all policies together', () => {
  it('use only apigateway:*, sts:AssumeRole, iam:PassRole and the three Lambda policy actions, never "*"', () => {
    const actions = POLICY_FILES.flatMap((f) => read(f).Statement.flatMap((s) => list(s.Action)));
    for (const a of actions) {
      expect(a).not.toBe('*');
      expect(a).toMatch(
        /^apigateway:[A-Z]+$|^sts:AssumeRole$|^iam:PassRole$|^lambda:(GetPolicy|AddPermission|RemovePermission)$/,
      );
    }
  });

  // Without the condition, PassRole would let the operator's identity hand those roles to any
  // service (an EC2 instance profile, a Lambda function) and act with their permissions.
  it('never grant iam:PassRole (by name or by wildcard) without iam:PassedToService apigateway.amazonaws.com', () => {
    for (const f of POLICY_FILES) {
      for (const s of read(f).Statement.filter((st) => st.Effect === 'Allow' && grantsAction(st, 'iam:PassRole'))) {
        expect([f, s.Sid, s.Condition]).toEqual([f, s.Sid, { StringEquals: toApiGateway }]);
      }
    }
  });
});
