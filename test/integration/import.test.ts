// `apigw-operator import` on the test bed: APIs built out of band (HTTP with a quick-create route,
// Lambda, HTTP, private and service integrations, parameter mappings, authorizers, stages; WebSocket
// with Lambda and MOCK integrations), imported, applied with `kubectl apply` while the operator runs.
// Every object turns Ready on the ids it was written with, and AWS sees no write but the ownership
// marker, one UpdateIntegration per integration (none at all in observe mode). A second import
// names what the cluster manages instead of writing it again; deleting everything (Retain) leaves
// AWS as it was. `kubectl apigw tree` and `why` run against the same objects.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStagesCommand,
} from '@aws-sdk/client-apigatewayv2';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { ROUTE_PLURAL } from '../../src/api/v1alpha1/route-schema.ts';
import { PLURAL } from '../../src/api/v1alpha1/schema.ts';
import { STAGE_PLURAL } from '../../src/api/v1alpha1/stage-schema.ts';
import { runCommand } from '../../src/commands.ts';
import type { Operator } from '../../src/operator.ts';
import { FaultProxy } from '../faultproxy/proxy.ts';
import { everyPage } from '../faultproxy/inventory.ts';
import {
  createRouteObject,
  custom,
  eventually,
  getRouteObject,
  installCrd,
  installStageCrd,
  newNamespace,
  tb,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:orders';
const QUICK_LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:quick';
const ROLE = 'arn:aws:iam::123456789012:role/apigw-integration-sqs';
const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders-alb/50dc6c495c0c9188/0467ef3c8400ae65';
const WS_LAMBDA = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${LAMBDA}/invocations`;

const execFileAsync = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'apigw-import-it-'));
let proxy: FaultProxy;
let client: ApiGatewayV2Client;
let operator: Operator;
let nsHttp = '';
let nsWs = '';
let nsObserve = '';

const send = <T>(cmd: unknown) => client.send(cmd as never) as Promise<T>;

/** An HTTP API made by quick create, then given integrations of every flavour, routes and stages by hand. */
async function httpApi(): Promise<string> {
  const api = await send<{ ApiId: string }>(
    new CreateApiCommand({ Name: `import-http-${Date.now()}`, ProtocolType: 'HTTP', Target: QUICK_LAMBDA }),
  );
  const apiId = api.ApiId;
  const integration = async (input: Record<string, unknown>) =>
    (await send<{ IntegrationId: string }>(new CreateIntegrationCommand({ ApiId: apiId, ...input } as never)))
      .IntegrationId;
  const lambda = await integration({
    IntegrationType: 'AWS_PROXY',
    IntegrationUri: LAMBDA,
    PayloadFormatVersion: '2.0',
    Description: 'orders',
  });
  const http = await integration({
    IntegrationType: 'HTTP_PROXY',
    IntegrationUri: 'https://legacy.example.com/{proxy}',
    IntegrationMethod: 'ANY',
    PayloadFormatVersion: '1.0',
    TimeoutInMillis: 12000,
    RequestParameters: { 'append:header.x-source': 'apigw', 'overwrite:path': '/v2/$request.path.proxy' },
    ResponseParameters: { '404': { 'overwrite:statuscode': '410' } },
  });
  const privateIntegration = await integration({
    IntegrationType: 'HTTP_PROXY',
    IntegrationUri: LISTENER,
    IntegrationMethod: 'GET',
    ConnectionType: 'VPC_LINK',
    ConnectionId: 'vl1abcd',
    PayloadFormatVersion: '1.0',
    TlsConfig: { ServerNameToVerify: 'orders.internal.example.com' },
  });
  const sqs = await integration({
    IntegrationType: 'AWS_PROXY',
    IntegrationSubtype: 'SQS-SendMessage',
    CredentialsArn: ROLE,
    PayloadFormatVersion: '1.0',
    RequestParameters: {
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders',
      MessageBody: '$request.body',
    },
  });
  const authorizer = await send<{ AuthorizerId: string }>(
    new CreateAuthorizerCommand({
      ApiId: apiId,
      Name: 'orders-jwt',
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: ['orders'], Issuer: 'https://issuer.example.com' },
    }),
  );
  const route = (input: Record<string, unknown>) => send(new CreateRouteCommand({ ApiId: apiId, ...input } as never));
  await route({ RouteKey: 'GET /orders/{id}', Target: `integrations/${lambda}` });
  await route({
    RouteKey: 'POST /orders',
    Target: `integrations/${lambda}`,
    AuthorizationType: 'JWT',
    AuthorizerId: authorizer.AuthorizerId,
    AuthorizationScopes: ['orders/write'],
  });
  await route({ RouteKey: 'ANY /legacy/{proxy+}', Target: `integrations/${http}` });
  await route({
    RouteKey: 'GET /internal',
    Target: `integrations/${privateIntegration}`,
    AuthorizationType: 'AWS_IAM',
  });
  await route({ RouteKey: 'POST /queue', Target: `integrations/${sqs}` });
  await send(
    new CreateStageCommand({
      ApiId: apiId,
      StageName: 'prod',
      Description: 'production',
      StageVariables: { tier: 'gold' },
    }),
  );
  await send(new CreateStageCommand({ ApiId: apiId, StageName: 'dev', AutoDeploy: true }));
  return apiId;
}

async function webSocketApi(): Promise<string> {
  const api = await send<{ ApiId: string }>(
    new CreateApiCommand({
      Name: `import-ws-${Date.now()}`,
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    }),
  );
  const apiId = api.ApiId;
  const lambda = await send<{ IntegrationId: string }>(
    new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: WS_LAMBDA }),
  );
  const mock = await send<{ IntegrationId: string }>(
    new CreateIntegrationCommand({
      ApiId: apiId,
      IntegrationType: 'MOCK',
      RequestTemplates: { $default: '{"statusCode": 200}' },
      TemplateSelectionExpression: '\\$default',
    }),
  );
  await send(
    new CreateRouteCommand({
      ApiId: apiId,
      RouteKey: '$connect',
      Target: `integrations/${lambda.IntegrationId}`,
      AuthorizationType: 'AWS_IAM',
    }),
  );
  await send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'ping', Target: `integrations/${mock.IntegrationId}` }));
  await send(new CreateStageCommand({ ApiId: apiId, StageName: 'production', Description: 'live traffic' }));
  return apiId;
}

/** What AWS holds of an API; a stage's deployment moves with autoDeploy, so it is left out. */
async function awsState(apiId: string) {
  const list = <T>(cmd: (NextToken?: string) => unknown) =>
    everyPage((NextToken) => send<{ Items?: T[]; NextToken?: string }>(cmd(NextToken)));
  const stages = await list<Record<string, unknown>>((t) => new GetStagesCommand({ ApiId: apiId, NextToken: t }));
  const integrations = await list<Record<string, unknown>>(
    (t) => new GetIntegrationsCommand({ ApiId: apiId, NextToken: t }),
  );
  return {
    // An empty description is no description (the emulator keeps the "" that took the marker off).
    integrations: integrations.map(({ Description, ...rest }) => (Description ? { Description, ...rest } : rest)),
    routes: await list((t) => new GetRoutesCommand({ ApiId: apiId, NextToken: t })),
    stages: stages.map(({ DeploymentId: _d, LastUpdatedDate: _u, LastDeploymentStatusMessage: _m, ...rest }) => rest),
  };
}

async function importApi(apiId: string, namespace: string, ...extra: string[]) {
  const dir = mkdtempSync(join(tmp, `${namespace}-`));
  const out: string[] = [];
  const log: string[] = [];
  const code = await runCommand(
    'import',
    ['--api-id', apiId, '--region', tb.region, '--aws-endpoint', proxy.url, '-n', namespace, '-o', dir, ...extra],
    { env: {}, out: (t) => out.push(t), log: (l) => log.push(l) },
  );
  const objects = ['apiintegrations.yaml', 'apiroutes.yaml', 'apistages.yaml'].flatMap((f) => {
    let text = '';
    try {
      text = readFileSync(join(dir, f), 'utf8');
    } catch {
      return [];
    }
    return parseAllDocuments(text).flatMap((d) => (d.contents ? [d.toJS() as Manifest] : []));
  });
  return { code, dir, log: log.join('\n'), objects };
}

interface Manifest {
  kind: string;
  metadata: { name: string; namespace: string };
  spec: Record<string, unknown>;
}

// Child processes run asynchronously: the fault proxy answers from this process's event loop.
async function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv) {
  try {
    const r = await execFileAsync(cmd, args, { encoding: 'utf8', timeout: 60_000, ...(env ? { env } : {}) });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

async function kubectl(...args: string[]) {
  const r = await run('kubectl', ['--kubeconfig', tb.kubeconfig, ...args]);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const plugin = (...args: string[]) =>
  run(NODE, [join(ROOT, 'src', 'cli', 'kubectl-apigw.ts'), ...args, '--kubeconfig', tb.kubeconfig], {
    PATH: process.env.PATH ?? '',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  });

const PLURAL_OF: Record<string, string> = { ApiIntegration: PLURAL, ApiRoute: ROUTE_PLURAL, ApiStage: STAGE_PLURAL };
const ID_OF: Record<string, string> = { ApiIntegration: 'integrationId', ApiRoute: 'routeId', ApiStage: 'stageName' };

type Live = { metadata: { generation: number }; status?: Record<string, unknown> & { conditions?: Cond[] } };
type Cond = { type: string; status: string; reason: string; observedGeneration?: number };

const read = (m: Manifest) =>
  custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL_OF[m.kind]!,
    namespace: m.metadata.namespace,
    name: m.metadata.name,
  }) as Promise<Live>;

/** Waits until every object is Ready for its generation, and returns their reasons. */
async function allReady(objects: Manifest[]): Promise<Map<string, Live>> {
  const out = new Map<string, Live>();
  for (const m of objects) {
    const o = await eventually(
      `${m.kind} ${m.metadata.name} Ready`,
      async () => {
        const o = await read(m);
        const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
        return ready?.status === 'True' && ready.observedGeneration === o.metadata.generation ? o : undefined;
      },
      60_000,
    );
    out.set(`${m.kind}/${m.metadata.name}`, o);
  }
  return out;
}

/** Writes AWS applied, as `Operation id` (the last segment of the path). */
const describeObject = (o: Live & { kind?: string; metadata: { name?: string } }) =>
  `${o.kind} ${o.metadata.name}: ${(o.status?.conditions ?? []).map((c) => `${c.type}=${c.status} ${c.reason}`).join(', ')}`;

const writes = () => proxy.appliedWrites().map((w) => `${w.operation} ${w.path.split('/').pop()}`);
/** Every write sent, applied or refused, for a failure message. */
const sent = () =>
  proxy
    .records()
    .filter((r) => r.write)
    .map((w) => `${w.operation} ${w.path} ${w.outcome} ${w.status}`);
const markers = (objects: Manifest[]) =>
  ofKind(objects, 'ApiIntegration')
    .map((m) => `UpdateIntegration ${String(m.spec.integrationId)}`)
    .sort();
const ofKind = (objects: Manifest[], kind: string) => objects.filter((o) => o.kind === kind);

beforeAll(async () => {
  await installCrd();
  await installStageCrd();
  proxy = await FaultProxy.start({
    upstream: tb.motoEndpoint,
    region: tb.region,
    fidelity: { autoDeployDelayMs: 200 },
    label: 'import',
  });
  client = new ApiGatewayV2Client({
    region: tb.region,
    endpoint: proxy.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  [nsHttp, nsWs, nsObserve] = [
    await newNamespace('import'),
    await newNamespace('import-ws'),
    await newNamespace('observe'),
  ];
  operator = await startOperator({
    watchNamespaces: [nsHttp, nsWs, nsObserve],
    awsEndpoint: proxy.url,
    deployQuietMs: 300,
    notFoundGraceMs: 1000,
  });
});

afterAll(async () => {
  await operator?.stop();
  await proxy?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('import, applied', () => {
  let httpId = '';
  let before: Awaited<ReturnType<typeof awsState>>;
  let imported: Awaited<ReturnType<typeof importApi>>;

  it('an HTTP API: every object Ready on the same ids, and no AWS write but one marker per integration', async () => {
    httpId = await httpApi();
    before = await awsState(httpId);
    imported = await importApi(httpId, nsHttp);
    expect(imported.code).toBe(0);
    expect(imported.log).toMatch(/left out ApiIntegration \w+: made by quick create/);
    expect(imported.log).toMatch(/left out ApiRoute \w+: made by quick create/);
    expect(imported.log).toMatch(/left out ApiStage \$default: made by quick create/);
    const integrations = ofKind(imported.objects, 'ApiIntegration');
    expect(integrations).toHaveLength(4);
    expect(ofKind(imported.objects, 'ApiRoute')).toHaveLength(5);
    expect(ofKind(imported.objects, 'ApiStage').map((s) => s.spec.stageName)).toEqual(['dev', 'prod']);

    proxy.resetStats();
    await kubectl('apply', '-f', imported.dir);
    const live = await allReady(imported.objects);
    for (const m of imported.objects) {
      const field = ID_OF[m.kind]!;
      const wanted = m.kind === 'ApiStage' ? m.spec.stageName : m.spec[field];
      expect([m.metadata.name, live.get(`${m.kind}/${m.metadata.name}`)!.status?.[field]]).toEqual([
        m.metadata.name,
        wanted,
      ]);
    }
    // Live tells the two adopted stages apart: the autoDeploy one serves what AWS deployed by itself
    // (the markers included), the Manual one has never been deployed, and applying deploys nothing.
    const stageKey = (stageName: string) =>
      `${nsHttp}/${ofKind(imported.objects, 'ApiStage').find((m) => m.spec.stageName === stageName)!.metadata.name}`;
    const route = ofKind(imported.objects, 'ApiRoute')[0]!;
    // The autoDeploy stage turns served once AWS has deployed the markers by itself.
    const behind = await eventually(`${route.metadata.name} Live names the Manual stage alone`, async () => {
      const live = (await read(route)).status?.conditions?.find((c) => c.type === 'Live') as Cond & { message: string };
      const settled = live?.reason === 'AwaitingDeployment' && !live.message.includes(stageKey('dev'));
      return settled ? live : undefined;
    });
    expect(behind.message).toMatch(new RegExp(`ApiStage ${stageKey('prod')}$`));
    // Let a few drift checks pass: adoption writes the marker, and then nothing more.
    await new Promise((r) => setTimeout(r, 3000));
    expect([writes().sort(), sent()]).toEqual([markers(imported.objects), expect.anything()]);
  });

  it('a second import names what the cluster manages instead of writing it again', async () => {
    const again = await importApi(httpId, nsHttp, '--check-cluster', '--kubeconfig', tb.kubeconfig);
    expect(again.code).toBe(0);
    expect(again.objects).toEqual([]);
    for (const m of imported.objects)
      expect(again.log).toContain(`already managed by ${m.kind} ${nsHttp}/${m.metadata.name}`);
  });

  it('kubectl apigw tree draws the API with its objects Ready, and finds them all in AWS', async () => {
    const r = await plugin('tree', '-n', nsHttp, '--aws', '--region', tb.region, '--aws-endpoint', proxy.url);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`API ${httpId} (${tb.region})`);
    expect(lines).toHaveLength(1 + imported.objects.length);
    for (const m of imported.objects)
      expect(lines.find((l) => l.includes(`${m.kind} ${nsHttp}/${m.metadata.name} `))).toMatch(/Ready=True/);
    expect(r.stdout).not.toMatch(/MISSING IN AWS/);
    const lambda = imported.objects.find((m) => m.spec.integrationUri === LAMBDA)!;
    const under = lines.slice(lines.findIndex((l) => l.includes(`/${lambda.metadata.name} `)) + 1, undefined);
    expect(under.slice(0, 2).map((l) => l.trim().split(' ')[1])).toEqual([
      `${nsHttp}/get-orders-id`,
      `${nsHttp}/post-orders`,
    ]);
  });

  it('kubectl apigw why explains a route that waits for a missing ApiIntegration', async () => {
    await createRouteObject(nsHttp, 'broken', {
      apiId: httpId,
      routeKey: 'GET /broken',
      integrationRef: { name: 'missnig' },
    });
    await eventually('broken route Stalled', async () => {
      const o = (await getRouteObject(nsHttp, 'broken')) as Live;
      return o.status?.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True');
    });
    const r = await plugin('why', 'apiroute/broken', '-n', nsHttp);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ApiRoute .*\/broken\n/);
    expect(r.stdout).toMatch(/Stalled IntegrationNotFound: .*missnig/);
    expect(r.stdout).toMatch(/Meaning: No ApiIntegration of that name exists in the namespace/);
    expect(r.stdout).toMatch(/What to do: Fix integrationRef\.name, or create the ApiIntegration\./);
    const ready = await plugin('why', `apiint/${imported.objects[0]!.metadata.name}`, '-n', nsHttp);
    expect(ready.stdout).toMatch(/Ready=True Synced/);
    expect(await plugin('why', 'apiroute/nothing-here', '-n', nsHttp)).toMatchObject({ code: 1 });
    await kubectl('delete', 'apiroute', 'broken', '-n', nsHttp, '--wait=true', '--timeout=60s');
  });

  it('deleting every object (Retain) leaves AWS as it was', async () => {
    proxy.resetStats();
    await kubectl('delete', '-f', imported.dir, '--wait=false');
    const left = await eventually(
      'imported objects gone',
      async () => {
        const all = await Promise.all(imported.objects.map((m) => read(m).then(describeObject, () => '')));
        return all.every((l) => l === '') ? [] : false;
      },
      60_000,
    ).catch(async () => Promise.all(imported.objects.map((m) => read(m).then(describeObject, () => ''))));
    expect(left.filter(Boolean)).toEqual([]);
    expect(await awsState(httpId)).toEqual(before);
    // The marker comes off each integration again, and nothing else is written.
    expect([writes().sort(), sent()]).toEqual([markers(imported.objects), expect.anything()]);
  });

  it('observe mode: every object Ready, and no AWS write at all, applied or deleted', async () => {
    const observed = await importApi(httpId, nsObserve, '--mode', 'observe');
    expect(observed.code).toBe(0);
    expect(observed.objects.every((m) => m.spec.managementPolicy === 'ObserveOnly')).toBe(true);
    proxy.resetStats();
    await kubectl('apply', '-f', observed.dir);
    const live = await allReady(observed.objects);
    expect([...live.values()].map((o) => o.status?.conditions?.find((c) => c.type === 'Ready')?.reason)).toEqual(
      observed.objects.map(() => 'Observed'),
    );
    await kubectl('delete', '-f', observed.dir, '--wait=true', '--timeout=60s');
    expect(sent()).toEqual([]);
    expect(await awsState(httpId)).toEqual(before);
  });
});

describe('import of a WebSocket API, applied', () => {
  it('every object Ready on the same ids, one marker per integration and nothing else', async () => {
    const apiId = await webSocketApi();
    const imported = await importApi(apiId, nsWs);
    expect(imported.code).toBe(0);
    const mockId = ofKind(imported.objects, 'ApiIntegration').find((m) => m.spec.integrationType === 'MOCK')?.spec
      .integrationId;
    expect(imported.objects.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'ApiIntegration/lambda-orders',
      `ApiIntegration/mock-${String(mockId).toLowerCase()}`,
      'ApiRoute/connect',
      'ApiRoute/ping',
      'ApiStage/production',
    ]);
    proxy.resetStats();
    await kubectl('apply', '-f', imported.dir);
    await allReady(imported.objects);
    await new Promise((r) => setTimeout(r, 3000));
    expect([writes().sort(), sent()]).toEqual([markers(imported.objects), expect.anything()]);

    // A second integration on the same function: lambda-orders is held in the namespace, so the new
    // one gets its id, and applying it adopts it beside the first instead of changing that object.
    const second = await send<{ IntegrationId: string }>(
      new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: WS_LAMBDA }),
    );
    const again = await importApi(apiId, nsWs, '--kubeconfig', tb.kubeconfig);
    expect(again.code).toBe(0);
    expect(again.objects.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      `ApiIntegration/lambda-orders-${second.IntegrationId.toLowerCase()}`,
    ]);
    await kubectl('apply', '-f', again.dir);
    const live = await allReady([...imported.objects, ...again.objects]);
    expect(live.get('ApiIntegration/lambda-orders')!.status?.integrationId).toBe(
      ofKind(imported.objects, 'ApiIntegration')[0]!.spec.integrationId,
    );
  });
});
