// The test bed's real parts answer like the real thing: kube-apiserver with RBAC and TokenRequest,
// and moto serving API Gateway v2 through the AWS SDK.
import { describe, expect, it, beforeAll } from '@jest/globals';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  DeleteIntegrationCommand,
  GetIntegrationCommand,
  GetIntegrationsCommand,
  NotFoundException,
  UpdateIntegrationCommand,
} from '@aws-sdk/client-apigatewayv2';
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { testbedEnv } from '../testbed/env.ts';

const tb = testbedEnv();

function adminConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(tb.kubeconfig);
  return kc;
}

function tokenConfig(token: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'tb', server: tb.apiserverUrl, caData: readFileSync(tb.caFile).toString('base64') }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'tb', cluster: 'tb', user: 'u' }],
    currentContext: 'tb',
  });
  return kc;
}

describe('kube-apiserver', () => {
  const kc = adminConfig();

  it('answers /version and /readyz', async () => {
    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version.major).toBe('1');
    // Stamped at build time from hack/versions.env, so version-gated tools (helm) behave.
    expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    await expect(new k8s.Health(kc).readyz({})).resolves.toBe(true);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const ns = await core.listNamespace();
    expect(ns.items.map((n) => n.metadata?.name)).toContain('default');
  });

  it('round-trips a namespace and a ConfigMap', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const name = `smoke-${Date.now()}`;
    await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedConfigMap({ namespace: name, body: { metadata: { name: 'cm' }, data: { k: 'v' } } });
    const cm = await core.readNamespacedConfigMap({ namespace: name, name: 'cm' });
    expect(cm.data).toEqual({ k: 'v' });
  });

  it('refuses an RBAC-limited service account what it is not granted, and allows what it is', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const ns = `rbac-${Date.now()}`;
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'reader' } } });
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'cm-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'cm-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      },
    });
    const tr = await core.createNamespacedServiceAccountToken({
      namespace: ns,
      name: 'reader',
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tr.status?.token;
    expect(token).toBeTruthy();
    const limited = tokenConfig(token as string).makeApiClient(k8s.CoreV1Api);
    await expect(limited.listNamespacedConfigMap({ namespace: ns })).resolves.toBeDefined();
    await expect(limited.listNamespacedSecret({ namespace: ns })).rejects.toMatchObject({ code: 403 });
    await expect(
      limited.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } }),
    ).rejects.toMatchObject({ code: 403 });
  });
});

describe('moto as API Gateway v2', () => {
  const client = new ApiGatewayV2Client({
    region: tb.region,
    endpoint: tb.awsEndpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  let httpApi = '';
  let wsApi = '';

  beforeAll(async () => {
    httpApi = (await client.send(new CreateApiCommand({ Name: 'smoke-http', ProtocolType: 'HTTP' }))).ApiId ?? '';
    wsApi =
      (
        await client.send(
          new CreateApiCommand({
            Name: 'smoke-ws',
            ProtocolType: 'WEBSOCKET',
            RouteSelectionExpression: '$request.body.action',
          }),
        )
      ).ApiId ?? '';
  });

  it('creates HTTP and WebSocket APIs', () => {
    expect(httpApi).toMatch(/^[a-z0-9]+$/);
    expect(wsApi).toMatch(/^[a-z0-9]+$/);
  });

  it('creates, reads, lists, updates and deletes an integration', async () => {
    const created = await client.send(
      new CreateIntegrationCommand({
        ApiId: httpApi,
        IntegrationType: 'HTTP_PROXY',
        IntegrationMethod: 'GET',
        IntegrationUri: 'https://example.com/{proxy}',
        PayloadFormatVersion: '1.0',
        RequestParameters: { 'append:header.x-a': 'a', 'append:header.x-b': 'b' },
      }),
    );
    const id = created.IntegrationId as string;
    expect(id).toBeTruthy();

    const got = await client.send(new GetIntegrationCommand({ ApiId: httpApi, IntegrationId: id }));
    expect(got.IntegrationUri).toBe('https://example.com/{proxy}');

    const list = await client.send(new GetIntegrationsCommand({ ApiId: httpApi }));
    expect(list.Items?.map((i) => i.IntegrationId)).toContain(id);

    await client.send(
      new UpdateIntegrationCommand({
        ApiId: httpApi,
        IntegrationId: id,
        Description: 'updated',
        RequestParameters: { 'append:header.x-a': 'a', 'append:header.x-b': '' },
      }),
    );
    const updated = await client.send(new GetIntegrationCommand({ ApiId: httpApi, IntegrationId: id }));
    expect(updated.Description).toBe('updated');
    expect(updated.RequestParameters).toEqual({ 'append:header.x-a': 'a' });

    await client.send(new DeleteIntegrationCommand({ ApiId: httpApi, IntegrationId: id }));
    await expect(client.send(new GetIntegrationCommand({ ApiId: httpApi, IntegrationId: id }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it('creates a WebSocket MOCK integration', async () => {
    const created = await client.send(
      new CreateIntegrationCommand({
        ApiId: wsApi,
        IntegrationType: 'MOCK',
        RequestTemplates: { 'application/json': '{"statusCode":200}' },
      }),
    );
    const got = await client.send(new GetIntegrationCommand({ ApiId: wsApi, IntegrationId: created.IntegrationId }));
    expect(got.IntegrationType).toBe('MOCK');
  });

  it('reports NotFound for a missing API and a missing integration', async () => {
    await expect(client.send(new GetIntegrationsCommand({ ApiId: 'nosuchapi' }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(
      client.send(new GetIntegrationCommand({ ApiId: httpApi, IntegrationId: 'nosuchid' })),
    ).rejects.toMatchObject({
      name: 'NotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
  });
});
