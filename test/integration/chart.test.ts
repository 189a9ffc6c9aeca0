// The chart as users install it, on the test bed's real API server with the test bed's helm. Pods
// do not run (there is no kubelet), so the operator runs as a process configured exactly like the
// chart's Deployment (its args and env), authenticated with a TokenRequest token of the chart's own
// ServiceAccount. Every example (integrations, then the routes that name them, then the stages that
// deploy them) becoming Ready, then going away in one delete, proves the chart's RBAC is enough;
// access reviews with the same identity prove it is not more. Also: the Lease Role, probes on the
// chart's ports and paths, what the operator's field manager owns, helm upgrade keeping the CRD and
// its objects, helm uninstall keeping the CRD, helm lint, the namespaced (watchNamespaces) layout,
// and deploy/'s kustomize overlay example accepted by the API server. The same install and upgrade also run
// with Helm 4 (server-side apply by default, a different release engine), into another release.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { GetRoutesCommand, GetStagesCommand } from '@aws-sdk/client-apigatewayv2';
import { PLURAL } from '../../src/api/v1alpha1/schema.ts';
import { GROUP } from '../../src/api/v1alpha1/group.ts';
import { ROUTE_PLURAL } from '../../src/api/v1alpha1/route-schema.ts';
import { STAGE_PLURAL } from '../../src/api/v1alpha1/stage-schema.ts';
import type { ApiIntegration } from '../../src/api/v1alpha1/types.ts';
import {
  adminKubeConfig,
  aws,
  codeOf,
  core,
  createApi,
  eventsFor,
  eventually,
  getObject,
  gone,
  integrationsOf,
  tb,
  waitReady,
} from '../support/cluster.ts';
import {
  allowed,
  CHART,
  helm,
  helm4,
  installRelease,
  logTail,
  releaseManifest,
  startLikeTheDeployment,
  tool,
  type Container,
  type Helm,
  type Manifest,
  type Started,
} from '../support/chart-release.ts';
import type { OperatorProcess } from '../support/process.ts';
import { servedStage } from '../support/served.ts';
import { everyPage } from '../faultproxy/inventory.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const CRD_NAME = `${PLURAL}.${GROUP}`;
const FIELD_MANAGER = 'apigw-operator';
const run = Date.now().toString(36);

const admin = adminKubeConfig();
const extensions = admin.makeApiClient(k8s.ApiextensionsV1Api);
const coordination = admin.makeApiClient(k8s.CoordinationV1Api);
const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);

const kubectl = (args: string[], input?: string) => tool(tb.tools.kubectl, args, input);

/** Waits for Ready; on timeout the error carries the operator's last log lines. */
async function ready(op: OperatorProcess, namespace: string, name: string): Promise<ApiIntegration> {
  try {
    return await waitReady(namespace, name, 60_000);
  } catch (e) {
    throw new Error(`${String(e)}\noperator log:\n${logTail(op)}`);
  }
}

interface Example {
  file: string;
  name: string;
  spec: Record<string, unknown>;
  yaml: string;
}

/** examples/ with the namespace set and apiId pointing at a real API of the right protocol. */
function examples(namespace: string, api: { http: string; websocket: string }, only?: string[]): Example[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml') && (!only || only.includes(f)))
    .sort()
    .map((file) => {
      const obj = parse(readFileSync(join(EXAMPLES, file), 'utf8')) as {
        metadata: { name: string; namespace?: string };
        spec: Record<string, unknown>;
      };
      obj.metadata.namespace = namespace;
      obj.spec.apiId = file.startsWith('websocket-') ? api.websocket : api.http;
      return { file, name: obj.metadata.name, spec: obj.spec, yaml: stringify(obj) };
    });
}
/** examples/routes/ or examples/stages/, one per object, namespaced and on the API of the protocol its file names. */
function examplesIn(sub: 'routes' | 'stages', namespace: string, api: { http: string; websocket: string }): Example[] {
  const dir = join(EXAMPLES, sub);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => {
        const obj = d.toJS() as { metadata: { name: string; namespace?: string }; spec: Record<string, unknown> };
        obj.metadata.namespace = namespace;
        obj.spec.apiId = file.includes('websocket') ? api.websocket : api.http;
        return { file, name: obj.metadata.name, spec: obj.spec, yaml: stringify(obj) };
      }),
    );
}
const routesOf = (apiId: string) =>
  everyPage((NextToken) => aws.send(new GetRoutesCommand({ ApiId: apiId, NextToken })));
const stagesOf = (apiId: string) =>
  everyPage((NextToken) => aws.send(new GetStagesCommand({ ApiId: apiId, NextToken })));

const applyAll = (xs: Example[]) => kubectl(['apply', '-f', '-'], xs.map((x) => x.yaml).join('---\n'));

async function stop(op: OperatorProcess): Promise<number | string> {
  op.kill('SIGTERM');
  return op.exited;
}

/** The field paths the operator's field manager owns, as dotted paths of fieldsV1 keys. */
function ownedPaths(obj: ApiIntegration): string[] {
  const entries = (
    (obj.metadata as { managedFields?: { manager?: string; fieldsV1?: unknown }[] }).managedFields ?? []
  ).filter((m) => m.manager === FIELD_MANAGER);
  const walk = (node: unknown, prefix: string): string[] =>
    Object.entries((node ?? {}) as Record<string, unknown>).flatMap(([k, v]) => {
      if (k === '.') return [];
      const here = prefix ? `${prefix}.${k}` : k;
      return v && typeof v === 'object' && Object.keys(v).length > 0 ? walk(v, here) : [here];
    });
  return entries.flatMap((e) => walk(e.fieldsV1, ''));
}

describe('chart: cluster-wide install, operator as the chart ServiceAccount', () => {
  const release = `apigw-${run}`;
  const namespace = `apigw-sys-${run}`;
  const apps = `apigw-apps-${run}`;
  let started: Started;
  let xs: Example[] = [];
  let routes: Example[] = [];
  let stages: Example[] = [];
  let api: { http: string; websocket: string };

  beforeAll(async () => {
    await installRelease(release, namespace, [
      '--set',
      `region=${tb.region}`,
      '--set',
      `awsEndpoint=${tb.awsEndpoint}`,
      '--set',
      'replicaCount=2',
      '--set',
      'podDisruptionBudget.enabled=true',
    ]);
    await eventually('CRD established', async () => {
      const crd = await extensions.readCustomResourceDefinition({ name: CRD_NAME });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
    await core.createNamespace({ body: { metadata: { name: apps } } });
    api = { http: await createApi('HTTP'), websocket: await createApi('WEBSOCKET') };
    xs = examples(apps, api);
    started = await startLikeTheDeployment(release, namespace);
  }, 120_000);

  afterAll(async () => {
    if (started && started.op.child.exitCode === null) {
      started.op.kill('SIGKILL');
      await started.op.exited;
    }
    try {
      helm('uninstall', release, '--namespace', namespace);
    } catch {
      /* already uninstalled by the last test */
    }
  });

  it('installs the operator objects, with leader election on for two replicas', () => {
    const kinds = releaseManifest(release, namespace)
      .map((m) => m.kind)
      .sort();
    expect(kinds).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'CustomResourceDefinition',
        'CustomResourceDefinition',
        'CustomResourceDefinition',
        'Deployment',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    expect(started.container.args).toContain('--leader-elect=true');
    expect(started.container.args).toContain(`--leader-election-namespace=${namespace}`);
  });

  it('serves the chart’s probe paths and /metrics, and holds and renews its Lease in the release namespace', async () => {
    const get = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.status);
    await eventually(
      'operator ready',
      async () => (await get(started.health, started.container.readinessProbe.httpGet.path)) === 200,
      30_000,
    );
    expect(await get(started.health, started.container.livenessProbe.httpGet.path)).toBe(200);
    expect(await get(started.metrics, '/metrics')).toBe(200);
    const first = await eventually('lease held', async () => {
      const l = await coordination.readNamespacedLease({ namespace, name: started.lease });
      return l.spec?.holderIdentity ? l : undefined;
    });
    await eventually(
      'lease renewed',
      async () => {
        const l = await coordination.readNamespacedLease({ namespace, name: started.lease });
        return String(l.spec?.renewTime) !== String(first.spec?.renewTime);
      },
      15_000,
    );
  });

  it('makes every example Ready (HTTP ones on an HTTP API, WebSocket ones on a WebSocket API), recording Events', async () => {
    expect(xs.map((x) => x.file).filter((f) => f.startsWith('http-')).length).toBeGreaterThanOrEqual(4);
    expect(xs.map((x) => x.file).filter((f) => f.startsWith('websocket-')).length).toBeGreaterThanOrEqual(2);
    applyAll(xs);
    for (const x of xs) {
      const obj = await ready(started.op, apps, x.name);
      expect(obj.status?.integrationId).toBeTruthy();
    }
    const http = await integrationsOf(api.http);
    const ws = await integrationsOf(api.websocket);
    expect(http.length + ws.length).toBe(xs.length);
    // Created by this process (the chart's identity), not by any other operator on the test bed.
    const identity = started.op.logs().find((l) => l.msg === 'operator started')?.identity;
    expect(identity).toBeTruthy();
    for (const x of xs) {
      const created = (await eventsFor(apps, x.name)).filter((e) => e.reason === 'Created');
      expect(created.map((e) => e.reportingInstance)).toEqual([identity]);
    }
    expect(
      kubectl(['wait', '--for=condition=Ready', 'apiintegrations', '--all', '-n', apps, '--timeout=30s']),
    ).toContain('condition met');
  });

  it('makes every route example Ready, each targeting the integration its ApiIntegration recorded', async () => {
    routes = examplesIn('routes', apps, api);
    expect(new Set(routes.map((r) => r.file)).size).toBeGreaterThanOrEqual(2);
    applyAll(routes);
    expect(kubectl(['wait', '--for=condition=Ready', ROUTE_PLURAL, '--all', '-n', apps, '--timeout=60s'])).toContain(
      'condition met',
    );
    const inAws = [...(await routesOf(api.http)), ...(await routesOf(api.websocket))];
    for (const r of routes) {
      const integration = (r.spec.integrationRef as { name: string }).name;
      const id = (await getObject(apps, integration)).status!.integrationId;
      const made = inAws.filter((x) => x.RouteKey === r.spec.routeKey);
      expect(made.map((x) => x.Target)).toEqual([`integrations/${id}`]);
    }
  });

  it('makes every stage example Ready, the OnChange ones serving every route example of their API', async () => {
    stages = examplesIn('stages', apps, api);
    expect(new Set(stages.map((s) => s.file)).size).toBeGreaterThanOrEqual(2);
    applyAll(stages);
    expect(kubectl(['wait', '--for=condition=Ready', STAGE_PLURAL, '--all', '-n', apps, '--timeout=60s'])).toContain(
      'condition met',
    );
    const deploying = stages.filter((s) => s.spec.deploymentPolicy !== 'Manual');
    expect(deploying.length).toBeGreaterThanOrEqual(2);
    for (const s of deploying) {
      const reason = kubectl([
        'get',
        `${STAGE_PLURAL}/${s.name}`,
        '-n',
        apps,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].reason}',
      ]);
      expect([s.name, reason]).toEqual([s.name, 'Served']);
      const served = await servedStage(tb.awsEndpoint, String(s.spec.apiId), String(s.spec.stageName));
      const keys = routes.filter((r) => r.spec.apiId === s.spec.apiId).map((r) => r.spec.routeKey);
      expect(served?.routes.map((r) => r.routeKey).sort()).toEqual(keys.sort());
    }
  });

  it('never writes spec: its field manager owns only status, apigw.dev/* annotations and its finalizer', async () => {
    for (const x of xs) {
      const obj = await getObject(apps, x.name);
      expect(obj.spec).toEqual(x.spec);
      const owned = ownedPaths(obj);
      expect(owned.length).toBeGreaterThan(0);
      const foreign = owned.filter(
        (p) =>
          !(
            p.startsWith('f:status') ||
            /^f:metadata\.f:annotations\.f:apigw\.dev\//.test(p) ||
            p === 'f:metadata.f:finalizers.v:"apigw.dev/finalizer"'
          ),
      );
      expect(foreign).toEqual([]);
    }
  });

  it('gives the ServiceAccount nothing beyond its job', async () => {
    const sa = started.sa;
    const can = (a: k8s.V1ResourceAttributes) => allowed(sa, a);
    // What it needs.
    expect(await can({ group: GROUP, resource: PLURAL, verb: 'watch' })).toBe(true);
    expect(await can({ group: GROUP, resource: PLURAL, subresource: 'status', verb: 'patch', namespace: apps })).toBe(
      true,
    );
    expect(await can({ group: GROUP, resource: ROUTE_PLURAL, verb: 'watch' })).toBe(true);
    expect(
      await can({ group: GROUP, resource: ROUTE_PLURAL, subresource: 'status', verb: 'patch', namespace: apps }),
    ).toBe(true);
    expect(await can({ resource: 'events', verb: 'create', namespace: apps })).toBe(true);
    expect(await can({ resource: 'namespaces', verb: 'get', name: apps })).toBe(true);
    expect(
      await can({ group: 'coordination.k8s.io', resource: 'leases', verb: 'update', namespace, name: started.lease }),
    ).toBe(true);
    // What it must not do.
    const refused: k8s.V1ResourceAttributes[] = [
      { resource: 'secrets', verb: 'list' },
      { resource: 'secrets', verb: 'get', namespace: apps, name: 'anything' },
      { resource: 'secrets', verb: 'list', namespace },
      { resource: 'configmaps', verb: 'create', namespace: apps },
      { resource: 'configmaps', verb: 'get', namespace, name: 'anything' },
      { resource: 'pods', verb: 'list', namespace: apps },
      { resource: 'serviceaccounts', verb: 'create', namespace, subresource: 'token', name: 'anything' },
      { resource: 'namespaces', verb: 'list' },
      { resource: 'namespaces', verb: 'update', name: apps },
      { group: 'apps', resource: 'deployments', verb: 'patch', namespace },
      { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'bind' },
      { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', verb: 'create', namespace: apps },
      { group: GROUP, resource: PLURAL, verb: 'create', namespace: apps },
      { group: GROUP, resource: PLURAL, verb: 'delete', namespace: apps },
      { group: GROUP, resource: ROUTE_PLURAL, verb: 'create', namespace: apps },
      { group: GROUP, resource: ROUTE_PLURAL, verb: 'delete', namespace: apps },
      { group: 'coordination.k8s.io', resource: 'leases', verb: 'update', namespace, name: 'someone-elses-lease' },
      { group: 'coordination.k8s.io', resource: 'leases', verb: 'create', namespace: apps },
      { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', verb: 'update', name: CRD_NAME },
    ];
    const granted: k8s.V1ResourceAttributes[] = [];
    for (const a of refused) if (await can(a)) granted.push(a);
    expect(granted).toEqual([]);
    // And the API server refuses the real requests.
    const coreAsSa = sa.makeApiClient(k8s.CoreV1Api);
    await expect(coreAsSa.listSecretForAllNamespaces()).rejects.toMatchObject({ code: 403 });
    await expect(coreAsSa.listNamespacedSecret({ namespace })).rejects.toMatchObject({ code: 403 });
    await expect(
      coreAsSa.createNamespacedConfigMap({ namespace: apps, body: { metadata: { name: 'nope' } } }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(sa.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace })).rejects.toMatchObject({
      code: 403,
    });
  });

  it('helm upgrade upgrades the release and keeps the CRD and every ApiIntegration', async () => {
    const before = await extensions.readCustomResourceDefinition({ name: CRD_NAME });
    helm('upgrade', release, CHART, '--namespace', namespace, '--reuse-values', '--set', 'workers=2');
    const after = await extensions.readCustomResourceDefinition({ name: CRD_NAME });
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect(after.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')).toBe(true);
    const crd = releaseManifest(release, namespace).find((m) => m.kind === 'CustomResourceDefinition')!;
    expect(crd.metadata.annotations).toMatchObject({ 'helm.sh/resource-policy': 'keep' });
    const deployment = releaseManifest(release, namespace).find((m) => m.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: Container[] } } };
    };
    expect(deployment.spec.template.spec.containers[0]!.args).toContain('--workers=2');
    for (const x of xs) expect((await getObject(apps, x.name)).metadata.uid).toBeTruthy();
  });

  it('deleting integrations, routes and stages at once (as a prune does) deletes them all in AWS (the fidelity proxy refuses an integration a route still targets)', async () => {
    kubectl(['delete', '-f', '-', '--wait=false'], [...xs, ...routes, ...stages].map((x) => x.yaml).join('---\n'));
    for (const x of xs) await eventually(`${x.name} gone`, () => gone(apps, x.name), 60_000);
    await eventually(
      'ApiRoutes gone',
      () => kubectl(['get', ROUTE_PLURAL, '-n', apps, '-o', 'name']).trim() === '',
      30_000,
    );
    expect(await integrationsOf(api.http)).toEqual([]);
    expect(await integrationsOf(api.websocket)).toEqual([]);
    expect([...(await routesOf(api.http)), ...(await routesOf(api.websocket))]).toEqual([]);
    await eventually(
      'ApiStages gone',
      () => kubectl(['get', STAGE_PLURAL, '-n', apps, '-o', 'name']).trim() === '',
      30_000,
    );
    expect([...(await stagesOf(api.http)), ...(await stagesOf(api.websocket))]).toEqual([]);
  });

  it('stops on SIGTERM, releasing the Lease', async () => {
    expect(await stop(started.op)).toBe(0);
    const l = await coordination.readNamespacedLease({ namespace, name: started.lease });
    expect(l.spec?.holderIdentity ?? '').toBe('');
  });

  it('helm uninstall removes the operator and keeps the CRD', async () => {
    const clusterRole = releaseManifest(release, namespace).find((m) => m.kind === 'ClusterRole')!.metadata.name;
    helm('uninstall', release, '--namespace', namespace);
    await expect(rbac.readClusterRole({ name: clusterRole })).rejects.toMatchObject({ code: 404 });
    const crd = await extensions.readCustomResourceDefinition({ name: CRD_NAME });
    expect(crd.metadata?.deletionTimestamp).toBeUndefined();
  });
});

describe('chart: Helm 4 renders, installs and upgrades it the same way', () => {
  const release = `apigw4-${run}`;
  const namespace = `apigw4-sys-${run}`;
  const apps = `apigw4-apps-${run}`;
  const kubeVersion = ['--kube-version', 'v1.36.0'];
  let started: Started | undefined;
  let x: Example;
  let httpApi = '';

  afterAll(async () => {
    if (started && started.op.child.exitCode === null) {
      started.op.kill('SIGKILL');
      await started.op.exited;
    }
    try {
      helm4('uninstall', release, '--namespace', namespace);
    } catch {
      /* already uninstalled by the last test */
    }
  });

  it('helm template renders the same manifests with Helm 3 and Helm 4', () => {
    const render = (bin: Helm) =>
      parseAllDocuments(
        bin(
          'template',
          release,
          CHART,
          '--namespace',
          namespace,
          ...kubeVersion,
          '--set',
          `region=${tb.region}`,
          '--set',
          'replicaCount=2',
        ),
      )
        .map((d) => d.toJS() as unknown)
        .filter((m) => m !== null);
    const v4 = render(helm4);
    expect(v4.map((m) => (m as Manifest).kind)).toContain('CustomResourceDefinition');
    expect(v4).toEqual(render(helm));
    expect(helm4('lint', '--strict', CHART, ...kubeVersion, '--set', `region=${tb.region}`)).toMatch(
      /1 chart\(s\) linted, 0 chart\(s\) failed/,
    );
  });

  it('helm install (server-side apply) installs the operator objects and the CRD, and the operator works as the release ServiceAccount', async () => {
    await installRelease(
      release,
      namespace,
      ['--set', `region=${tb.region}`, '--set', `awsEndpoint=${tb.awsEndpoint}`],
      helm4,
    );
    expect(helm4('status', release, '--namespace', namespace)).toMatch(/STATUS: deployed/);
    const kinds = releaseManifest(release, namespace, helm4)
      .map((m) => m.kind)
      .sort();
    expect(kinds).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'CustomResourceDefinition',
        'CustomResourceDefinition',
        'CustomResourceDefinition',
        'Deployment',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    // Helm 4 applied server-side (its default for a new release), unlike Helm 3's client-side update.
    const clusterRole = releaseManifest(release, namespace, helm4).find((m) => m.kind === 'ClusterRole')!.metadata.name;
    const applied = (await rbac.readClusterRole({ name: clusterRole })).metadata?.managedFields ?? [];
    expect(applied.map((f) => f.operation)).toContain('Apply');
    const crd = await extensions.readCustomResourceDefinition({ name: CRD_NAME });
    expect(crd.metadata?.annotations).toMatchObject({
      'meta.helm.sh/release-name': release,
      'meta.helm.sh/release-namespace': namespace,
    });
    expect(crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')).toBe(true);
    // The RBAC Helm 4 applied is enough to reconcile: one example becomes Ready through it.
    await core.createNamespace({ body: { metadata: { name: apps } } });
    httpApi = await createApi('HTTP');
    x = examples(apps, { http: httpApi, websocket: await createApi('WEBSOCKET') }, ['http-lambda-proxy.yaml'])[0]!;
    started = await startLikeTheDeployment(release, namespace, helm4);
    applyAll([x]);
    expect((await ready(started.op, apps, x.name)).status?.integrationId).toBeTruthy();
  });

  it('helm upgrade upgrades the release and keeps the CRD and the ApiIntegration', async () => {
    const before = await extensions.readCustomResourceDefinition({ name: CRD_NAME });
    const obj = await getObject(apps, x.name);
    helm4('upgrade', release, CHART, '--namespace', namespace, '--reuse-values', '--set', 'workers=2');
    expect(helm4('history', release, '--namespace', namespace)).toMatch(/\n2\s.*deployed\s.*Upgrade complete/);
    const after = await extensions.readCustomResourceDefinition({ name: CRD_NAME });
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect(after.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')).toBe(true);
    const manifest = releaseManifest(release, namespace, helm4);
    expect(manifest.find((m) => m.kind === 'CustomResourceDefinition')!.metadata.annotations).toMatchObject({
      'helm.sh/resource-policy': 'keep',
    });
    const deployment = manifest.find((m) => m.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: Container[] } } };
    };
    expect(deployment.spec.template.spec.containers[0]!.args).toContain('--workers=2');
    expect((await getObject(apps, x.name)).metadata.uid).toBe(obj.metadata.uid);
  });

  it('helm 4 upgrades a release Helm 3 installed, keeping its client-side apply, and uninstalls it', async () => {
    const migrated = `apigw-3to4-${run}`;
    const ns = `apigw-3to4-${run}`;
    helm(
      'install',
      migrated,
      CHART,
      '--namespace',
      ns,
      '--create-namespace',
      '--set',
      'crds.install=false',
      '--set',
      `region=${tb.region}`,
    );
    helm4('upgrade', migrated, CHART, '--namespace', ns, '--reuse-values', '--set', 'workers=3');
    const status = helm4('status', migrated, '--namespace', ns);
    expect(status).toMatch(/^STATUS: deployed$/m);
    expect(status).toMatch(/^REVISION: 2$/m);
    const manifest = releaseManifest(migrated, ns, helm4);
    const deployment = manifest.find((m) => m.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: Container[] } } };
    };
    expect(deployment.spec.template.spec.containers[0]!.args).toContain('--workers=3');
    // Helm 4 keeps the apply method the release already used: no server-side apply on this one.
    const role = manifest.find((m) => m.kind === 'ClusterRole')!.metadata.name;
    const fields = (await rbac.readClusterRole({ name: role })).metadata?.managedFields ?? [];
    expect(fields.map((f) => f.operation)).not.toContain('Apply');
    helm4('uninstall', migrated, '--namespace', ns);
    await expect(rbac.readClusterRole({ name: role })).rejects.toMatchObject({ code: 404 });
  });

  it('helm uninstall removes the operator and keeps the CRD (after the object is deleted through it)', async () => {
    kubectl(['delete', '-f', '-', '--wait=false'], x.yaml);
    await eventually(`${x.name} gone`, () => gone(apps, x.name), 60_000);
    expect(await integrationsOf(httpApi)).toEqual([]);
    expect(await stop(started!.op)).toBe(0);
    const clusterRole = releaseManifest(release, namespace, helm4).find((m) => m.kind === 'ClusterRole')!.metadata.name;
    helm4('uninstall', release, '--namespace', namespace);
    await expect(rbac.readClusterRole({ name: clusterRole })).rejects.toMatchObject({ code: 404 });
    const crd = await extensions.readCustomResourceDefinition({ name: CRD_NAME });
    expect(crd.metadata?.deletionTimestamp).toBeUndefined();
  });
});

describe('chart: watchNamespaces install (namespaced Roles)', () => {
  const release = `apigw-ns-${run}`;
  const namespace = `apigw-nssys-${run}`;
  const watched = `apigw-watched-${run}`;
  const other = `apigw-other-${run}`;
  let started: Started;
  let xs: Example[] = [];

  beforeAll(async () => {
    for (const name of [watched, other]) await core.createNamespace({ body: { metadata: { name } } });
    // The CRD belongs to the cluster-wide release test; this release leaves it out.
    helm(
      'upgrade',
      '--install',
      release,
      CHART,
      '--namespace',
      namespace,
      '--create-namespace',
      '--set',
      'crds.install=false',
      '--set',
      `region=${tb.region}`,
      '--set',
      `awsEndpoint=${tb.awsEndpoint}`,
      '--set',
      `watchNamespaces={${watched}}`,
    );
    const api = { http: await createApi('HTTP'), websocket: await createApi('WEBSOCKET') };
    xs = examples(watched, api, ['http-lambda-proxy.yaml', 'websocket-mock.yaml']);
    started = await startLikeTheDeployment(release, namespace);
  }, 120_000);

  afterAll(async () => {
    if (started && started.op.child.exitCode === null) {
      started.op.kill('SIGKILL');
      await started.op.exited;
    }
    helm('uninstall', release, '--namespace', namespace);
  });

  it('grants the object rules only in the watched namespace, and reads only that Namespace', async () => {
    const can = (a: k8s.V1ResourceAttributes) => allowed(started.sa, a);
    expect(await can({ group: GROUP, resource: PLURAL, verb: 'watch', namespace: watched })).toBe(true);
    expect(await can({ resource: 'namespaces', verb: 'get', name: watched })).toBe(true);
    expect(await can({ group: GROUP, resource: PLURAL, verb: 'list' })).toBe(false);
    expect(await can({ group: GROUP, resource: PLURAL, verb: 'list', namespace: other })).toBe(false);
    expect(await can({ resource: 'events', verb: 'create', namespace: other })).toBe(false);
    expect(await can({ resource: 'namespaces', verb: 'get', name: other })).toBe(false);
  });

  it('is enough to reconcile and delete in the watched namespace', async () => {
    applyAll(xs);
    for (const x of xs) await ready(started.op, watched, x.name);
    for (const x of xs) expect((await eventsFor(watched, x.name)).map((e) => e.reason)).toContain('Created');
    kubectl(['delete', '-f', '-', '--wait=false'], xs.map((x) => x.yaml).join('---\n'));
    for (const x of xs) await eventually(`${x.name} gone`, () => gone(watched, x.name), 60_000);
    // Only the error and message fields: timestamps and ids can contain "403" by chance.
    const forbidden = started.op
      .logs()
      .filter((l) => /forbidden|\b403\b/i.test(`${JSON.stringify(l.err ?? '')} ${String(l.msg ?? '')}`));
    expect(forbidden).toEqual([]);
    expect(await stop(started.op)).toBe(0);
  });
});

describe('chart tooling', () => {
  it('passes helm lint --strict', () => {
    expect(helm('lint', '--strict', CHART, '--set', `region=${tb.region}`)).toMatch(
      /1 chart\(s\) linted, 0 chart\(s\) failed/,
    );
  });

  it('deploy/overlays/example, built on deploy/base, is accepted by the API server (server-side dry run)', async () => {
    const manifests = kubectl(['kustomize', join(ROOT, 'deploy', 'overlays', 'example')]);
    const ns = parseAllDocuments(manifests)
      .map((d) => d.toJS() as Manifest)
      .find((m) => m.kind === 'Namespace')!.metadata.name;
    try {
      await core.createNamespace({ body: { metadata: { name: ns } } });
    } catch (e) {
      if (codeOf(e) !== 409) throw e;
    }
    const out = kubectl(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', '-'], manifests);
    expect(out).toMatch(/deployment\.apps\/apigw-operator serverside-applied \(server dry run\)/);
    expect(out).toMatch(/serviceaccount\/apigw-operator serverside-applied \(server dry run\)/);
    expect(out).toMatch(/clusterrole\.rbac\.authorization\.k8s\.io\/apigw-operator serverside-applied/);
    expect(out).toMatch(/customresourcedefinition\.apiextensions\.k8s\.io\/apiroutes\.apigw\.dev serverside-applied/);
    expect(out).toMatch(/customresourcedefinition\.apiextensions\.k8s\.io\/apistages\.apigw\.dev serverside-applied/);
  });
});
