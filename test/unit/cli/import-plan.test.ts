// What `import` writes for an API: one adopting object per integration, route and stage, specs
// equal to what AWS holds without the values AWS fills in by itself, routes pointing at their
// ApiIntegration by name, quick-create objects and already managed ones left out with the reason,
// Retain (or ObserveOnly), and files that read back as the same objects and pass `validate`.
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { planImport, type ApiSnapshot, type Manifest } from '../../../src/cli/import-plan.ts';
import { renderImport } from '../../../src/cli/import-yaml.ts';
import { validateManifests } from '../../../src/cli/validate.ts';
import { LAMBDA, httpApi, webSocketApi } from '../../fixtures/import-snapshots.ts';

const adopt = { namespace: 'shop', mode: 'adopt', deletionPolicy: 'Retain' } as const;
const tmp = mkdtempSync(join(tmpdir(), 'apigw-import-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const specOf = (ms: Manifest[], awsId: string) => ms.find((m) => m.awsId === awsId)?.object.spec;
const nameOf = (ms: Manifest[], awsId: string) => ms.find((m) => m.awsId === awsId)?.name;

describe('an HTTP API', () => {
  const plan = planImport(httpApi(), adopt);

  it('writes a Lambda proxy with only what was chosen: no POST, 30000, INTERNET or old owner marker', () => {
    expect(specOf(plan.manifests, 'lam0001')).toEqual({
      apiId: 'h1t2t3p',
      region: 'us-east-1',
      integrationId: 'lam0001',
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      description: 'orders',
      payloadFormatVersion: '2.0',
      deletionPolicy: 'Retain',
    });
  });

  it('keeps what AWS does not fill in: an HTTP method, a timeout of its own, parameter maps, TLS, a VPC link', () => {
    expect(specOf(plan.manifests, 'htp0002')).toMatchObject({
      integrationMethod: 'ANY',
      timeoutInMillis: 12000,
      requestParameters: { 'append:header.x-source': 'apigw', 'overwrite:path': '/v2/$request.path.proxy' },
      responseParameters: { '404': { 'overwrite:statuscode': '410' } },
    });
    expect(specOf(plan.manifests, 'htp0002')).not.toHaveProperty('connectionType');
    expect(specOf(plan.manifests, 'vpc0003')).toMatchObject({
      connectionType: 'VPC_LINK',
      connectionId: 'vl1abcd',
      integrationMethod: 'GET',
      tlsConfig: { serverNameToVerify: 'orders.internal.example.com' },
    });
    expect(specOf(plan.manifests, 'vpc0003')).not.toHaveProperty('timeoutInMillis');
    expect(specOf(plan.manifests, 'sqs0004')).toEqual(
      expect.objectContaining({ integrationSubtype: 'SQS-SendMessage', credentialsArn: expect.any(String) }),
    );
    expect(specOf(plan.manifests, 'sqs0004')).not.toHaveProperty('integrationUri');
  });

  it('points routes at their ApiIntegration by name, and keeps authorizers', () => {
    expect(specOf(plan.manifests, 'r000002')).toEqual({
      apiId: 'h1t2t3p',
      region: 'us-east-1',
      routeId: 'r000002',
      routeKey: 'POST /orders',
      integrationRef: { name: nameOf(plan.manifests, 'lam0001') },
      authorizationType: 'JWT',
      authorizerId: 'auth123',
      authorizationScopes: ['orders/write'],
      deletionPolicy: 'Retain',
    });
    expect(specOf(plan.manifests, 'r000001')).not.toHaveProperty('authorizationType');
    expect(specOf(plan.manifests, 'r000004')).toMatchObject({ authorizationType: 'AWS_IAM' });
  });

  it('leaves quick-create objects out, and targets their integration by id with a comment', () => {
    expect(plan.leftOut.map((l) => [l.kind, l.awsId])).toEqual([
      ['ApiIntegration', 'qck0005'],
      ['ApiRoute', 'r000007'],
      ['ApiStage', '$default'],
    ]);
    expect(plan.leftOut[0]!.why).toMatch(/quick create.*refuses to delete/);
    const quick = plan.manifests.find((m) => m.awsId === 'r000006')!;
    expect(quick.object.spec).toMatchObject({ target: 'integrations/qck0005' });
    expect(quick.comments.join('\n')).toMatch(/made by quick create and is not imported/);
  });

  it('adopts stages as they are, with deployments left to a person (Manual) unless AWS deploys them', () => {
    expect(specOf(plan.manifests, 'prod')).toEqual({
      apiId: 'h1t2t3p',
      region: 'us-east-1',
      stageName: 'prod',
      adopt: true,
      deploymentPolicy: 'Manual',
      description: 'production',
      stageVariables: { tier: 'gold' },
      defaultRouteSettings: { throttlingBurstLimit: 100, throttlingRateLimit: 50 },
      routeSettings: { 'GET /orders/{id}': { detailedMetricsEnabled: true }, 'POST /orders': {} },
      deletionPolicy: 'Retain',
    });
    expect(specOf(plan.manifests, 'dev')).toEqual(expect.objectContaining({ autoDeploy: true, adopt: true }));
    expect(specOf(plan.manifests, 'dev')).not.toHaveProperty('deploymentPolicy');
  });

  it('writes Delete when asked, and ObserveOnly (never a deletionPolicy) in observe mode', () => {
    const del = planImport(httpApi(), { ...adopt, deletionPolicy: 'Delete' });
    expect(del.manifests.every((m) => (m.object.spec as { deletionPolicy?: string }).deletionPolicy === 'Delete')).toBe(
      true,
    );
    const observe = planImport(httpApi(), { ...adopt, mode: 'observe' });
    for (const m of observe.manifests) {
      expect(m.object.spec).toMatchObject({ managementPolicy: 'ObserveOnly' });
      expect(m.object.spec).not.toHaveProperty('deletionPolicy');
      expect(m.object.spec).not.toHaveProperty('deploymentPolicy');
    }
  });

  it('names what the cluster already manages instead of writing it again', () => {
    const managed = {
      integrations: new Map([['lam0001', 'shop/orders-lambda']]),
      routes: new Map([['r000003', 'other/legacy']]),
      stages: new Map([['prod', 'shop/prod']]),
    };
    const again = planImport(httpApi(), adopt, managed);
    const ids = again.manifests.map((m) => m.awsId);
    expect(ids).not.toEqual(expect.arrayContaining(['lam0001']));
    expect(ids).not.toContain('r000003');
    expect(ids).not.toContain('prod');
    expect(again.leftOut).toEqual(
      expect.arrayContaining([
        { kind: 'ApiIntegration', awsId: 'lam0001', why: 'already managed by ApiIntegration shop/orders-lambda' },
        { kind: 'ApiRoute', awsId: 'r000003', why: 'already managed by ApiRoute other/legacy' },
      ]),
    );
    // A route of an integration managed in the same namespace refers to that object.
    expect(specOf(again.manifests, 'r000001')).toMatchObject({ integrationRef: { name: 'orders-lambda' } });
  });

  it('never gives a new object a name an object of its kind already holds in the namespace', () => {
    // lam0001 was imported before as lambda-orders; lam0009 calls the same function. The names held
    // come from objects on any API, and applying a manifest of that name would change those objects.
    const api = httpApi();
    api.integrations.push({ ...api.integrations[0]!, integrationId: 'lam0009' });
    const cluster = {
      integrations: new Map([['lam0001', 'shop/lambda-orders']]),
      routes: new Map(),
      stages: new Map(),
      names: {
        integrations: new Set(['lambda-orders']),
        routes: new Set(['post-orders']),
        stages: new Set(['prod']),
      },
    };
    const again = planImport(api, adopt, cluster);
    expect([nameOf(again.manifests, 'lam0009'), nameOf(again.manifests, 'r000002')]).toEqual([
      'lambda-orders-lam0009',
      'post-orders-r000002',
    ]);
    expect(nameOf(again.manifests, 'prod')).toBe('prod-prod');
    expect(nameOf(again.manifests, 'r000001')).toBe('get-orders-id');
    const heldOf = { ApiIntegration: 'integrations', ApiRoute: 'routes', ApiStage: 'stages' } as const;
    expect(again.manifests.filter((m) => cluster.names[heldOf[m.kind]].has(m.name))).toEqual([]);
  });

  it('names a MOCK or service integration with its id even when alone, so a second one renames nothing', () => {
    const once = planImport(webSocketApi(), adopt);
    const api = webSocketApi();
    api.integrations.push({ ...api.integrations[1]!, integrationId: 'wsm0009' });
    const twice = planImport(api, adopt);
    expect([nameOf(once.manifests, 'wsm0002'), nameOf(twice.manifests, 'wsm0002')]).toEqual([
      'mock-wsm0002',
      'mock-wsm0002',
    ]);
    expect(nameOf(plan.manifests, 'sqs0004')).toBe('sqs-sendmessage-sqs0004');
  });

  it('writes spec.roleArn on every object when the API was read through a role, and the files pass validate', async () => {
    const role = 'arn:aws:iam::444455556666:role/apigw-operator-payments';
    const through = planImport(httpApi(), { ...adopt, roleArn: role });
    expect(through.manifests.map((m) => [m.kind, (m.object.spec as { roleArn?: string }).roleArn])).toEqual(
      through.manifests.map((m) => [m.kind, role]),
    );
    expect(new Set(through.manifests.map((m) => m.kind))).toEqual(new Set(['ApiIntegration', 'ApiRoute', 'ApiStage']));
    expect(plan.manifests.some((m) => 'roleArn' in (m.object.spec as object))).toBe(false);
    const dir = mkdtempSync(join(tmp, 'role-'));
    for (const [name, text] of renderImport(httpApi(), through)) writeFileSync(join(dir, name), text);
    expect(await validateManifests({ files: [dir], protocol: 'HTTP', out: () => undefined })).toBe(0);
  });
});

describe('a WebSocket API', () => {
  const plan = planImport(webSocketApi(), adopt);

  it('leaves out 29000, 1.0, WHEN_NO_MATCH and POST, keeps templates and route settings', () => {
    expect(specOf(plan.manifests, 'wsm0002')).toEqual({
      apiId: 'w1s2o3c',
      region: 'eu-west-1',
      integrationId: 'wsm0002',
      integrationType: 'MOCK',
      templateSelectionExpression: '\\$default',
      requestTemplates: { $default: '{"statusCode": 200}' },
      deletionPolicy: 'Retain',
    });
    expect(specOf(plan.manifests, 'wsl0001')).not.toHaveProperty('integrationMethod');
    expect(specOf(plan.manifests, 'wsl0001')).toMatchObject({ contentHandlingStrategy: 'CONVERT_TO_TEXT' });
    expect(specOf(plan.manifests, 'w000001')).toMatchObject({
      routeKey: '$connect',
      requestParameters: { 'route.request.header.x-tenant': { required: true } },
    });
    expect(specOf(plan.manifests, 'w000001')).not.toHaveProperty('apiKeyRequired');
    expect(specOf(plan.manifests, 'production')).toMatchObject({ routeSettings: { ping: { loggingLevel: 'ERROR' } } });
    expect(specOf(plan.manifests, 'production')).not.toHaveProperty('defaultRouteSettings');
  });
});

describe('the files', () => {
  const shuffled = (api: ApiSnapshot): ApiSnapshot => ({
    ...api,
    integrations: [...api.integrations].reverse(),
    routes: [...api.routes].reverse(),
    stages: [...api.stages].reverse(),
  });

  it.each([
    ['HTTP', httpApi],
    ['WEBSOCKET', webSocketApi],
  ] as const)(
    '%s: read back as the planned objects, the same bytes from any listing order, valid',
    async (protocol, api) => {
      const plan = planImport(api(), adopt);
      const files = renderImport(api(), plan);
      expect(renderImport(api(), planImport(shuffled(api()), adopt))).toEqual(files);
      const dir = mkdtempSync(join(tmp, protocol));
      const read: unknown[] = [];
      for (const [name, text] of files) {
        writeFileSync(join(dir, name), text);
        expect(text).toMatch(/^# .* written by apigw-operator import\./);
        for (const doc of parseAllDocuments(text, { version: '1.1' })) if (doc.contents) read.push(doc.toJS());
      }
      expect(read).toEqual(plan.manifests.map((m) => m.object));
      const lines: string[] = [];
      expect(await validateManifests({ files: [dir], protocol, out: (l) => lines.push(l) })).toBe(0);
      expect(lines).toHaveLength(plan.manifests.length);
    },
  );

  it('quotes YAML 1.1 booleans so kubectl reads strings, and says where each object came from', () => {
    const api = webSocketApi();
    api.stages[0]!.stageVariables = { feature: 'on', legacy: 'no' };
    const text = renderImport(api, planImport(api, adopt)).get('apistages.yaml')!;
    expect(text).toMatch(/# imported from stage production of API w1s2o3c \(WEBSOCKET\) in eu-west-1/);
    const stage = parseAllDocuments(text, { version: '1.1' }).find((d) => d.contents);
    expect(stage!.toJS().spec.stageVariables).toEqual({ feature: 'on', legacy: 'no' });
    const files = renderImport(httpApi(), planImport(httpApi(), adopt));
    expect(files.get('apiintegrations.yaml')).toMatch(/# - integration qck0005: made by quick create/);
    expect([...files.keys()]).toEqual(['apiintegrations.yaml', 'apiroutes.yaml', 'apistages.yaml']);
  });
});
