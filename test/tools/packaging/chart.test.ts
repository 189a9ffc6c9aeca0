// The Helm chart as users install it, rendered with the test bed's helm: least-privilege RBAC, the
// restricted pod security profile, every operator flag reachable from a value (and parsed by the
// operator's own config parser), the CRD identical to the generated one and kept on uninstall,
// values.schema.json in step with values.yaml, and deploy/ in step with the chart.
import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { helpText, parseConfig } from '../../../src/config.ts';
import { findTools } from '../../testbed/tools.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const CHART = join(ROOT, 'charts', 'apigw-operator');
const KUBE_VERSION = '1.34.0';
const helm = findTools().helm;

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
};
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
type Container = {
  args: string[];
  env: unknown[];
  ports: { name: string; containerPort: number }[];
  securityContext: Record<string, unknown>;
  livenessProbe: Probe;
  readinessProbe: Probe;
  image: string;
};
type Probe = { httpGet: { path: string; port: string } };

function helmRun(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(helm, args, { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The one value the chart requires. */
const REGION = { region: 'eu-west-1' };

/** `helm template` with --set pairs (and a region); fails the test with helm's message if rendering fails. */
function render(
  set: Record<string, string> = {},
  opts: { release?: string; namespace?: string; strings?: Record<string, string> } = {},
): Obj[] {
  const sets = [
    ...Object.entries({ ...REGION, ...set }).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
    ...Object.entries(opts.strings ?? {}).flatMap(([k, v]) => ['--set-string', `${k}=${v}`]),
  ];
  const r = helmRun([
    'template',
    opts.release ?? 'apigw-operator',
    CHART,
    '--namespace',
    opts.namespace ?? 'apigw-system',
    '--kube-version',
    KUBE_VERSION,
    ...sets,
  ]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

const only = (objs: Obj[], kind: string, name?: string) =>
  objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
function one(objs: Obj[], kind: string, name?: string): Obj {
  const found = only(objs, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}
const container = (objs: Obj[]) =>
  (one(objs, 'Deployment') as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template
    .spec.containers[0]!;
const podSpec = (objs: Obj[]) =>
  (one(objs, 'Deployment') as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
const rules = (o: Obj) => (o as unknown as { rules: Rule[] }).rules;
const flagsOf = (args: string[]) => args.map((a) => a.replace(/^--/, '').split('=')[0]!);
const argValue = (args: string[], flag: string) => args.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);

/** Every (group, resource, verb) a set of rules grants, as "group/resource:verb". */
const grants = (rs: Rule[]) =>
  rs
    .flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g || 'core'}/${res}:${v}`))),
    )
    .sort();

const CRD_NAMES = ['apiintegrations.apigw.dev', 'apiroutes.apigw.dev', 'apistages.apigw.dev'];

const EXPECTED_OBJECT_GRANTS = [
  'apigw.dev/apiintegrations:get',
  'apigw.dev/apiintegrations:list',
  'apigw.dev/apiintegrations:watch',
  'apigw.dev/apiintegrations:patch',
  'apigw.dev/apiintegrations:update',
  'apigw.dev/apiintegrations/status:get',
  'apigw.dev/apiintegrations/status:patch',
  'apigw.dev/apiintegrations/status:update',
  'apigw.dev/apiintegrations/finalizers:update',
  'apigw.dev/apiroutes:get',
  'apigw.dev/apiroutes:list',
  'apigw.dev/apiroutes:watch',
  'apigw.dev/apiroutes:patch',
  'apigw.dev/apiroutes/status:patch',
  'apigw.dev/apistages:get',
  'apigw.dev/apistages:list',
  'apigw.dev/apistages:watch',
  'apigw.dev/apistages:patch',
  'apigw.dev/apistages/status:patch',
  'apigw.dev/apistages/finalizers:update',
  'core/events:create',
  'core/events:patch',
].sort();

describe('chart defaults', () => {
  const objs = render();

  it('renders the operator and only what it needs', () => {
    expect(objs.map((o) => o.kind).sort()).toEqual(
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
  });

  it('puts the standard labels on every object and the release namespace on every namespaced one', () => {
    for (const o of objs) {
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'apigw-operator',
        'app.kubernetes.io/instance': 'apigw-operator',
        'app.kubernetes.io/version': expect.any(String),
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': expect.stringMatching(/^apigw-operator-/),
      });
      if (!['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition'].includes(o.kind))
        expect(o.metadata.namespace).toBe('apigw-system');
    }
  });

  it.each(CRD_NAMES)('installs the generated CRD %s unchanged, with a keep policy', (name) => {
    const crd = one(objs, 'CustomResourceDefinition', name);
    const generated = parse(readFileSync(join(ROOT, 'crds', `${name}.yaml`), 'utf8')) as Obj;
    expect(crd.spec).toEqual(generated.spec);
    expect(crd.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
  });

  it('grants the least privilege: the CR, its status and finalizers, events, namespaces get; no wildcards or secrets', () => {
    const cr = one(objs, 'ClusterRole');
    expect(grants(rules(cr))).toEqual([...EXPECTED_OBJECT_GRANTS, 'core/namespaces:get'].sort());
    for (const role of [...only(objs, 'ClusterRole'), ...only(objs, 'Role')]) {
      const text = JSON.stringify(rules(role));
      expect(text).not.toContain('*');
      expect(text).not.toMatch(/secrets|configmaps|pods|deployments/);
    }
    const binding = one(objs, 'ClusterRoleBinding') as unknown as {
      roleRef: { name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    };
    expect(binding.roleRef.name).toBe(cr.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'apigw-operator', namespace: 'apigw-system' }]);
  });

  it('grants the Lease in the release namespace only: create, and get/update of its own name', () => {
    const role = one(objs, 'Role');
    expect(role.metadata.namespace).toBe('apigw-system');
    expect(rules(role)).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['apigw-operator-leader'],
        verbs: ['get', 'update'],
      },
    ]);
    const args = container(objs).args;
    expect(argValue(args, 'leader-election-id')).toBe('apigw-operator-leader');
    expect(argValue(args, 'leader-election-namespace')).toBe('apigw-system');
  });

  it('runs under the restricted pod security profile with a read-only root filesystem', () => {
    const pod = podSpec(objs);
    const podSc = pod.securityContext as Record<string, unknown>;
    const sc = container(objs).securityContext;
    expect(podSc).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(sc).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const ctx of [podSc, sc]) {
      expect(Number.isInteger(ctx.runAsUser)).toBe(true);
      expect(ctx.runAsUser as number).toBeGreaterThan(0);
    }
    expect(sc).not.toHaveProperty('capabilities.add');
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  it('probes /healthz and /readyz on the port the operator serves them on', () => {
    const c = container(objs);
    const health = c.ports.find((p) => p.name === 'health')!;
    expect(argValue(c.args, 'health-probe-bind-address')).toBe(`:${health.containerPort}`);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    const metrics = c.ports.find((p) => p.name === 'http-metrics')!;
    expect(argValue(c.args, 'metrics-bind-address')).toBe(`:${metrics.containerPort}`);
    const svc = one(objs, 'Service') as unknown as {
      spec: { ports: { targetPort: string; port: number }[]; selector: Record<string, string> };
    };
    expect(svc.spec.ports).toEqual([
      expect.objectContaining({ targetPort: 'http-metrics', port: metrics.containerPort }),
    ]);
    expect(svc.spec.selector).toEqual(
      (one(objs, 'Deployment') as unknown as { spec: { selector: { matchLabels: unknown } } }).spec.selector
        .matchLabels,
    );
  });

  it('sets resources and uses the chart appVersion as the image tag', () => {
    const c = container(objs) as Container & { resources: Record<string, unknown> };
    expect(c.resources).toMatchObject({
      requests: { cpu: expect.any(String), memory: expect.any(String) },
      limits: { memory: expect.any(String) },
    });
    const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { appVersion: string };
    expect(c.image).toBe(`ghcr.io/apigw-dev/apigw-operator:${chart.appVersion}`);
  });

  it('has leader election on by default, so a rolling update never runs two reconciling operators', () => {
    expect(argValue(container(objs).args, 'leader-elect')).toBe('true');
  });
});

describe('chart values', () => {
  it('exposes every operator flag (except --kubeconfig: in-cluster) and the operator accepts the rendered flags', () => {
    const objs = render({
      region: 'eu-west-1',
      awsEndpoint: 'http://moto:5000',
      lambdaEndpoint: 'http://moto:5000',
      stsEndpoint: 'http://moto:5000',
      labelSelector: 'team=a',
      'watchNamespaces[0]': 'apps',
      workers: '2',
      driftInterval: '1m',
      notFoundGrace: '30s',
      deployQuietPeriod: '500ms',
      deployMaxWait: '3m',
      logLevel: 'debug',
      logFormat: 'text',
      awsRate: '2.5',
      awsBurst: '5',
      awsMaxWait: '1s',
      awsRequestTimeout: '5s',
      shutdownTimeout: '20s',
      namespaceRoles: 'false',
      'tenancy.requireAllowedApiIds': 'true',
      'lambdaPermissions.manage': 'true',
    });
    const args = container(objs).args;
    const operatorFlags = [...helpText().matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]!);
    expect(operatorFlags.length).toBeGreaterThan(15);
    const missing = operatorFlags.filter((f) => f !== 'kubeconfig' && !flagsOf(args).includes(f));
    expect(missing).toEqual([]);
    const cfg = parseConfig(args, {});
    expect(cfg).toMatchObject({
      region: 'eu-west-1',
      awsEndpoint: 'http://moto:5000',
      lambdaEndpoint: 'http://moto:5000',
      stsEndpoint: 'http://moto:5000',
      labelSelector: 'team=a',
      watchNamespaces: ['apps'],
      workers: 2,
      driftIntervalMs: 60_000,
      notFoundGraceMs: 30_000,
      deployQuietMs: 500,
      deployMaxWaitMs: 180_000,
      logLevel: 'debug',
      logFormat: 'text',
      awsRate: 2.5,
      awsBurst: 5,
      awsMaxWaitMs: 1000,
      awsRequestTimeoutMs: 5000,
      shutdownTimeoutMs: 20_000,
      namespaceRoles: false,
      requireAllowedApiIds: true,
      manageLambdaPermissions: true,
      leaderElect: true,
      leaderElectionNamespace: 'apigw-system',
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
    });
  });

  it('passes extraEnv and extraArgs through', () => {
    const objs = render({
      'extraEnv[0].name': 'NODE_OPTIONS',
      'extraEnv[0].value': '--max-old-space-size=200',
      'extraArgs[0]': '--workers=9',
    });
    const c = container(objs);
    expect(c.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=200' });
    expect(c.args[c.args.length - 1]).toBe('--workers=9');
  });

  it('turns leader election on whenever there is more than one replica', () => {
    const two = render({ replicaCount: '2', 'leaderElection.enabled': 'false' });
    expect(argValue(container(two).args, 'leader-elect')).toBe('true');
    expect(only(two, 'Role')).toHaveLength(1);
    const single = render({ 'leaderElection.enabled': 'false' });
    expect(argValue(container(single).args, 'leader-elect')).toBe('false');
    expect(flagsOf(container(single).args)).not.toContain('leader-election-id');
    expect(only(single, 'Role')).toHaveLength(0);
  });

  it('uses the leader election timings and id from values', () => {
    const args = container(
      render({
        'leaderElection.id': 'my-lease',
        'leaderElection.leaseDuration': '30s',
        'leaderElection.renewDeadline': '20s',
        'leaderElection.retryPeriod': '4s',
      }),
    ).args;
    expect(parseConfig([...args, '--region=x'], {})).toMatchObject({
      leaderElectionId: 'my-lease',
      leaseDurationMs: 30_000,
      renewDeadlineMs: 20_000,
      retryPeriodMs: 4000,
    });
  });

  it('drops the namespaces rule when namespaceRoles is off', () => {
    expect(grants(rules(one(render({ namespaceRoles: 'false' }), 'ClusterRole')))).toEqual(EXPECTED_OBJECT_GRANTS);
    expect(parseConfig([...container(render({})).args, '--region=x'], {}).requireAllowedApiIds).toBe(false);
  });

  it('keeps namespaces get (and only get) when the allowed-api-ids annotation is required without namespaceRoles', () => {
    const values = { namespaceRoles: 'false', 'tenancy.requireAllowedApiIds': 'true' };
    expect(grants(rules(one(render(values), 'ClusterRole')))).toEqual(
      [...EXPECTED_OBJECT_GRANTS, 'core/namespaces:get'].sort(),
    );
    const watched = render({ ...values, 'watchNamespaces[0]': 'team-a' });
    expect(rules(one(watched, 'ClusterRole'))).toEqual([
      { apiGroups: [''], resources: ['namespaces'], resourceNames: ['team-a'], verbs: ['get'] },
    ]);
  });

  it('uses a Role per watched namespace, and reads only those Namespaces, when watchNamespaces is set', () => {
    const objs = render({ 'watchNamespaces[0]': 'team-a', 'watchNamespaces[1]': 'team-b' });
    const objectRoles = only(objs, 'Role').filter((r) => r.metadata.namespace !== 'apigw-system');
    expect(objectRoles.map((r) => r.metadata.namespace).sort()).toEqual(['team-a', 'team-b']);
    for (const r of objectRoles) expect(grants(rules(r))).toEqual(EXPECTED_OBJECT_GRANTS);
    expect(
      only(objs, 'RoleBinding')
        .map((b) => b.metadata.namespace)
        .sort(),
    ).toEqual(['apigw-system', 'team-a', 'team-b']);
    const clusterRoles = only(objs, 'ClusterRole');
    expect(clusterRoles).toHaveLength(1);
    expect(rules(clusterRoles[0]!)).toEqual([
      { apiGroups: [''], resources: ['namespaces'], resourceNames: ['team-a', 'team-b'], verbs: ['get'] },
    ]);
    expect(argValue(container(objs).args, 'watch-namespaces')).toBe('team-a,team-b');
  });

  it('annotates the ServiceAccount for IRSA, or uses an existing one', () => {
    const irsa = render({
      'serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn': 'arn:aws:iam::111122223333:role/apigw-operator',
    });
    expect(one(irsa, 'ServiceAccount').metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/apigw-operator',
    });
    const existing = render({ 'serviceAccount.create': 'false', 'serviceAccount.name': 'mine' });
    expect(only(existing, 'ServiceAccount')).toHaveLength(0);
    expect(podSpec(existing).serviceAccountName).toBe('mine');
    expect((one(existing, 'ClusterRoleBinding') as unknown as { subjects: { name: string }[] }).subjects[0]!.name).toBe(
      'mine',
    );
    expect(() => render({ 'serviceAccount.create': 'false' })).toThrow(/serviceAccount.name is required/);
  });

  it('leaves the CRDs out, or without the keep policy, when asked', () => {
    expect(only(render({ 'crds.install': 'false' }), 'CustomResourceDefinition')).toHaveLength(0);
    const unkept = only(render({ 'crds.keep': 'false' }), 'CustomResourceDefinition');
    expect(unkept.map((c) => c.metadata.name).sort()).toEqual(CRD_NAMES);
    for (const crd of unkept) expect(crd.metadata.annotations).toBeUndefined();
  });

  it('renders the optional ServiceMonitor and PodDisruptionBudget', () => {
    const objs = render({ 'serviceMonitor.enabled': 'true', 'podDisruptionBudget.enabled': 'true', replicaCount: '2' });
    const sm = one(objs, 'ServiceMonitor') as unknown as {
      spec: { endpoints: { port: string; path: string }[]; selector: { matchLabels: Record<string, string> } };
    };
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'http-metrics', path: '/metrics' });
    expect(sm.spec.selector.matchLabels).toEqual(
      (one(objs, 'Service') as unknown as { spec: { selector: unknown } }).spec.selector,
    );
    expect((one(objs, 'PodDisruptionBudget') as unknown as { spec: unknown }).spec).toMatchObject({ minAvailable: 1 });
    const maxU = one(
      render({ 'podDisruptionBudget.enabled': 'true', 'podDisruptionBudget.maxUnavailable': '1' }),
      'PodDisruptionBudget',
    ) as unknown as { spec: Record<string, unknown> };
    expect(maxU.spec).toMatchObject({ maxUnavailable: 1 });
    expect(maxU.spec).not.toHaveProperty('minAvailable');
  });

  it('puts commonAnnotations (e.g. an Argo CD sync wave) on every object, next to their own', () => {
    const objs = render(
      {
        'watchNamespaces[0]': 'a',
        'serviceMonitor.enabled': 'true',
        'podDisruptionBudget.enabled': 'true',
        'serviceAccount.annotations.x': 'y',
      },
      {
        strings: { 'commonAnnotations.argocd\\.argoproj\\.io/sync-wave': '-1' },
      },
    );
    expect(objs.length).toBeGreaterThan(10);
    for (const o of objs) expect(o.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-wave': '-1' });
    for (const name of CRD_NAMES)
      expect(one(objs, 'CustomResourceDefinition', name).metadata.annotations).toMatchObject({
        'helm.sh/resource-policy': 'keep',
      });
    expect(one(objs, 'ServiceAccount').metadata.annotations).toMatchObject({ x: 'y' });
  });

  it('names everything after the release when it does not contain the chart name', () => {
    const objs = render({}, { release: 'team-a', namespace: 'ops' });
    expect(one(objs, 'Deployment').metadata.name).toBe('team-a-apigw-operator');
    expect(argValue(container(objs).args, 'leader-election-id')).toBe('team-a-apigw-operator-leader');
  });
});

describe('values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Schema;
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  type Schema = {
    type?: string | string[];
    properties?: Record<string, Schema>;
    additionalProperties?: unknown;
    description?: string;
  };

  /** Paths of values.yaml, descending into the objects the schema describes property by property. */
  function valuePaths(v: Record<string, unknown>, s: Schema, prefix = ''): string[] {
    return Object.entries(v).flatMap(([k, child]) => {
      const cs = s.properties?.[k];
      const here = `${prefix}${k}`;
      return cs?.properties && child && typeof child === 'object' && !Array.isArray(child)
        ? [here, ...valuePaths(child as Record<string, unknown>, cs, `${here}.`)]
        : [here];
    });
  }
  function schemaPaths(s: Schema, prefix = ''): string[] {
    return Object.entries(s.properties ?? {}).flatMap(([k, cs]) => [
      `${prefix}${k}`,
      ...schemaPaths(cs, `${prefix}${k}.`),
    ]);
  }

  it('accepts values.yaml once a region is given, and nothing without one', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate({ ...values, ...REGION }) ? [] : validate.errors).toEqual([]);
    expect(validate(values)).toBe(false);
    expect(new Set(validate.errors?.map((e) => e.instancePath))).toEqual(new Set(['/region']));
  });

  it('declares exactly the keys values.yaml has, each with a description, and refuses unknown keys', () => {
    expect(schemaPaths(schema).sort()).toEqual(valuePaths(values, schema).sort());
    const undocumented = schemaPaths(schema).filter(
      (p) => !p.split('.').reduce<Schema | undefined>((s, k) => s?.properties?.[k], schema)?.description,
    );
    expect(undocumented).toEqual([]);
    const closed = (s: Schema): boolean =>
      s.additionalProperties === false && Object.values(s.properties ?? {}).every((c) => !c.properties || closed(c));
    expect(closed(schema)).toBe(true);
  });

  it('is enforced by helm: typos and bad values fail with the offending key', () => {
    const bad = helmRun([
      'template',
      'x',
      CHART,
      '--kube-version',
      KUBE_VERSION,
      '--set',
      'regoin=eu-west-1',
      '--set',
      'workers=0',
      '--set',
      'driftInterval=5 minutes',
      '--set',
      'logLevel=loud',
    ]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/regoin/);
    expect(bad.stderr).toMatch(/workers/);
    expect(bad.stderr).toMatch(/driftInterval/);
    expect(bad.stderr).toMatch(/logLevel/);
  });

  // EKS Pod Identity injects no AWS_REGION, so without a region the pod would crash-loop.
  it.each([
    ['left at its default', []],
    ['empty', ['--set', 'region=']],
    ['removed', ['--set', 'region=null']],
  ])('refuses a region %s, naming it, with Helm 3 and Helm 4', (_how, sets) => {
    for (const bin of [helm, findTools().helm4]) {
      const r = spawnSync(bin, ['template', 'x', CHART, '--kube-version', KUBE_VERSION, ...sets], { encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/region/);
    }
  });
});

describe('chart files', () => {
  it('passes helm lint --strict with defaults and with every option on', () => {
    for (const sets of [
      ['--set', 'region=eu-west-1'],
      [
        '--set',
        'region=eu-west-1,replicaCount=2,serviceMonitor.enabled=true,podDisruptionBudget.enabled=true,watchNamespaces={a,b}',
      ],
    ]) {
      const r = helmRun(['lint', '--strict', CHART, '--kube-version', KUBE_VERSION, ...sets]);
      expect(`${r.stdout}${r.stderr}`).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(r.status).toBe(0);
    }
  });

  it.each(CRD_NAMES)('keeps the chart copy of the CRD %s byte-for-byte equal to the generated crds/ file', (name) => {
    const generated = readFileSync(join(ROOT, 'crds', `${name}.yaml`), 'utf8');
    const copy = readFileSync(join(CHART, 'files', `${name}.yaml`), 'utf8');
    if (copy !== generated)
      throw new Error(`charts/apigw-operator/files/${name}.yaml differs from crds/: run \`npm run render-manifests\``);
  });

  it('keeps deploy/base/apigw-operator.yaml equal to the chart rendered with default values', () => {
    const rendered = execFileSync('bash', [join(ROOT, 'hack', 'render-manifests.sh'), '--stdout'], {
      encoding: 'utf8',
      env: { ...process.env, HELM: helm },
    });
    const committed = readFileSync(join(ROOT, 'deploy', 'base', 'apigw-operator.yaml'), 'utf8');
    if (committed !== rendered)
      throw new Error('deploy/base/apigw-operator.yaml is out of date with the chart: run `npm run render-manifests`');
    const kinds = parseAllDocuments(committed).map((d) => (d.toJS() as Obj).kind);
    expect(kinds[0]).toBe('Namespace');
    expect(kinds).toEqual(
      expect.arrayContaining(['CustomResourceDefinition', 'ClusterRole', 'Deployment', 'ServiceAccount']),
    );
  });

  it('versions the chart and the operator together', () => {
    const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(chart).toMatchObject({ version: pkg.version, appVersion: pkg.version });
  });

  it('tells the user how to check it works', () => {
    const notes = readFileSync(join(CHART, 'templates', 'NOTES.txt'), 'utf8');
    expect(notes).toContain('kubectl get apiint');
    expect(notes).toContain('kubectl wait --for=condition=Ready');
  });
});
