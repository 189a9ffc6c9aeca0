// A release of the chart on the test bed, and the operator started the way its Deployment would be:
// with the Deployment's args and env, authenticated with a TokenRequest token of the release's own
// ServiceAccount (pods do not run: there is no kubelet). For tests of what the chart grants.
import * as k8s from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROUTE_PLURAL } from '../../src/api/v1alpha1/route-schema.ts';
import { PLURAL } from '../../src/api/v1alpha1/schema.ts';
import { STAGE_PLURAL } from '../../src/api/v1alpha1/stage-schema.ts';
import { GROUP } from '../../src/api/v1alpha1/group.ts';
import { adminKubeConfig, codeOf, core, tb } from './cluster.ts';
import { spawnOperator, type OperatorProcess } from './process.ts';

export const CHART = join(resolve(import.meta.dirname, '..', '..'), 'charts', 'apigw-operator');
const CRD_NAMES = [`${PLURAL}.${GROUP}`, `${ROUTE_PLURAL}.${GROUP}`, `${STAGE_PLURAL}.${GROUP}`];
const work = mkdtempSync(join(tmpdir(), 'apigw-release-'));
const extensions = adminKubeConfig().makeApiClient(k8s.ApiextensionsV1Api);

export type Manifest = {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: unknown;
};
type Probe = { httpGet: { path: string; port: string } };
export type Container = {
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
};

/** Runs a tool against the test bed; fails with its output. */
export function tool(bin: string, args: string[], input?: string): string {
  const r = spawnSync(bin, args, { input, encoding: 'utf8', env: { ...process.env, KUBECONFIG: tb.kubeconfig } });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}
export type Helm = (...args: string[]) => string;
/** Helm 3 and Helm 4, both built by hack/build-tools.sh. */
export const helm: Helm = (...args) => tool(tb.tools.helm, [...args, '--kubeconfig', tb.kubeconfig]);
export const helm4: Helm = (...args) => tool(tb.tools.helm4, [...args, '--kubeconfig', tb.kubeconfig]);

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/**
 * The test bed is shared: other test files create the CRDs without Helm. Helm adopts an existing
 * object that carries its ownership metadata, which is how a user moves a kubectl-installed CRD
 * under a release too.
 */
async function letHelmAdoptCrds(release: string, namespace: string): Promise<void> {
  for (const name of CRD_NAMES) {
    try {
      await extensions.patchCustomResourceDefinition(
        {
          name,
          body: {
            metadata: {
              labels: { 'app.kubernetes.io/managed-by': 'Helm' },
              annotations: { 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': namespace },
            },
          },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    } catch (e) {
      if (codeOf(e) !== 404) throw e;
    }
  }
}

export async function installRelease(
  release: string,
  namespace: string,
  values: string[],
  bin: Helm = helm,
): Promise<void> {
  const args = ['upgrade', '--install', release, CHART, '--namespace', namespace, '--create-namespace', ...values];
  for (let attempt = 1; ; attempt++) {
    await letHelmAdoptCrds(release, namespace);
    try {
      bin(...args);
      return;
    } catch (e) {
      // Another test file may replace the CRD (dropping the ownership metadata) between the two steps.
      if (attempt >= 3 || !/invalid ownership metadata|cannot be imported/.test(String(e))) throw e;
    }
  }
}

export function releaseManifest(release: string, namespace: string, bin: Helm = helm): Manifest[] {
  return parseAllDocuments(bin('get', 'manifest', release, '--namespace', namespace))
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** A kubeconfig that authenticates with a fresh TokenRequest token of the ServiceAccount. */
async function serviceAccountKubeconfig(
  namespace: string,
  name: string,
): Promise<{ file: string; kc: k8s.KubeConfig }> {
  const tr = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = tr.status?.token;
  if (!token) throw new Error(`no token for ${namespace}/${name}`);
  const user = `${namespace}-${name}`;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'testbed', cluster: { server: tb.apiserverUrl, 'certificate-authority': tb.caFile } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'sa', context: { cluster: 'testbed', user } }],
    'current-context': 'sa',
  };
  const file = join(work, `${user}.kubeconfig`);
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  return { file, kc };
}

export interface Started {
  op: OperatorProcess;
  /** The ServiceAccount's own credentials, for access reviews. */
  sa: k8s.KubeConfig;
  args: string[];
  container: Container;
  /** The loopback ports the probes and metrics moved to. */
  health: number;
  metrics: number;
  /** The leader-election Lease's name. */
  lease: string;
}

/** Starts the operator the way the release's Deployment would, as the release's ServiceAccount. */
export async function startLikeTheDeployment(release: string, namespace: string, bin: Helm = helm): Promise<Started> {
  const deployment = releaseManifest(release, namespace, bin).find((m) => m.kind === 'Deployment') as unknown as {
    spec: { template: { spec: { serviceAccountName: string; containers: Container[] } } };
  };
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0]!;
  const { file, kc } = await serviceAccountKubeconfig(namespace, pod.serviceAccountName);
  const health = await freePort();
  const metrics = await freePort();
  // Same flags; only the listen addresses move to free loopback ports (the chart's ports are
  // checked against the flags in the unit tests).
  const flags = container.args.map((a) =>
    a.startsWith('--health-probe-bind-address=')
      ? `--health-probe-bind-address=127.0.0.1:${health}`
      : a.startsWith('--metrics-bind-address=')
        ? `--metrics-bind-address=127.0.0.1:${metrics}`
        : a,
  );
  const env: Record<string, string> = { KUBECONFIG: file };
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
  }
  const lease = container.args.find((a) => a.startsWith('--leader-election-id='))?.split('=')[1] ?? '';
  return { op: spawnOperator(flags, env), sa: kc, args: container.args, container, health, metrics, lease };
}

export const logTail = (op: OperatorProcess) => readFileSync(op.logFile, 'utf8').split('\n').slice(-30).join('\n');

export async function allowed(kc: k8s.KubeConfig, attrs: k8s.V1ResourceAttributes): Promise<boolean> {
  const review = await kc
    .makeApiClient(k8s.AuthorizationV1Api)
    .createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attrs } } });
  return review.status?.allowed ?? false;
}
