// Helm 4's `--wait` (the kstatus watcher from fluxcd/cli-utils, the library Flux waits with) on
// charts of ApiIntegrations, with the operator running in-process. What makes it work is the CRD's
// `status` default, `{observedGeneration: 0}`: a new object reads as generation 1 / observed 0, so
// kstatus says InProgress until the operator's first pass instead of Current (no status at all).
// Then Ready=True reads as Current, and Stalled=True (with observedGeneration current) as Failed,
// which Helm 4 treats as terminal: it stops waiting for that object and fails the release with the
// object's message. Nothing here configures Helm: no custom health checks exist for it to use.
// Flux waits with the same kstatus but cannot run here (its controllers are images); the manifests
// docs/flux.md gives are checked by a server-side dry run against Flux's own CRDs instead.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { Operator } from '../../src/operator.ts';
import {
  codeOf,
  condition,
  core,
  createApi,
  eventsFor,
  eventually,
  getObject,
  gone,
  installCrd,
  integrationsOf,
  newNamespace,
  sleep,
  tb,
} from '../support/cluster.ts';
import { startHelm4, writeObjectsChart } from '../support/helm-wait.ts';
import { startOperator } from '../support/operator.ts';
import { MissingToolError, toolsCacheDir } from '../testbed/tools.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:hello';
/** How long the operator stays off while `helm install --wait` is already waiting. */
const OPERATOR_DELAY_MS = 4000;
const work = mkdtempSync(join(tmpdir(), 'apigw-helm-wait-'));
const pinned = (name: string) =>
  new RegExp(`^${name}=(\\S+)$`, 'm').exec(readFileSync(join(ROOT, 'hack', 'versions.env'), 'utf8'))?.[1];

type Spec = Record<string, unknown>;

/** A chart of ApiIntegrations, written the way a user would template them into their own chart. */
const writeChart = (name: string, namespace: string, objects: Record<string, Spec>): string =>
  writeObjectsChart(
    work,
    name,
    namespace,
    Object.entries(objects).map(([n, spec]) => ({ kind: 'ApiIntegration', name: n, spec })),
  );

const lambda = (apiId: string, over: Spec = {}): Spec => ({
  apiId,
  integrationType: 'AWS_PROXY',
  integrationUri: LAMBDA,
  payloadFormatVersion: '2.0',
  ...over,
});

let ns = '';
let httpApi = '';
let wsApi = '';
let operator: Operator | undefined;

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('helm-wait');
  httpApi = await createApi('HTTP');
  wsApi = await createApi('WEBSOCKET');
});

afterAll(async () => {
  await operator?.stop();
});

describe('helm 4 install --wait on a chart of ApiIntegrations', () => {
  const release = 'integrations';
  const names = ['orders', 'backend', 'ws-mock'];

  it('runs the Helm 4 release pinned in hack/versions.env', async () => {
    const version = pinned('HELM4_VERSION');
    expect(version).toMatch(/^v4\./);
    const v = await startHelm4(['version', '--template', '{{.Version}}']).done;
    expect({ code: v.code, version: v.output.trim() }).toEqual({ code: 0, version });
  });

  it('returns only once every object is Ready, waiting for an operator that starts late', async () => {
    const chart = writeChart('integrations', ns, {
      orders: lambda(httpApi),
      backend: {
        apiId: httpApi,
        integrationType: 'HTTP_PROXY',
        integrationMethod: 'GET',
        integrationUri: 'https://backend.example.com/{proxy}',
        payloadFormatVersion: '1.0',
      },
      'ws-mock': {
        apiId: wsApi,
        integrationType: 'MOCK',
        requestTemplates: { $default: '{"statusCode": 200}' },
        templateSelectionExpression: '\\$default',
      },
    });
    const install = startHelm4(['install', release, chart, '--namespace', ns, '--wait=watcher', '--timeout', '60s']);

    // Helm has created the objects and is waiting; nothing has looked at them yet. The default makes
    // them read as not yet observed, which kstatus calls InProgress (without it they would have no
    // status, which kstatus calls Current, and Helm would return here, at once).
    for (const name of names) {
      const o = await eventually(`${name} created by helm`, () => getObject(ns, name), 30_000);
      expect(o.metadata.generation).toBe(1);
      expect(o.status).toEqual({ observedGeneration: 0 });
    }
    await sleep(Math.max(0, install.startedAt + OPERATOR_DELAY_MS - Date.now()));
    expect({ helmStillWaiting: install.running() }).toEqual({ helmStillWaiting: true });
    const operatorStartedAt = Date.now();
    operator = await startOperator({ watchNamespaces: [ns] }, `helm-wait-${ns}`);

    const r = await install.done;
    // Read at once, with no polling: Helm's "deployed" must already mean Ready.
    const after = await Promise.all(names.map((n) => getObject(ns, n)));
    expect({ code: r.code, output: r.output }).toMatchObject({ code: 0 });
    expect(r.endedAt).toBeGreaterThan(operatorStartedAt);
    expect(r.ms).toBeGreaterThanOrEqual(OPERATOR_DELAY_MS);
    for (const o of after) {
      expect(condition(o, 'Ready')).toMatchObject({ status: 'True', observedGeneration: o.metadata.generation });
      expect(o.status?.observedGeneration).toBe(o.metadata.generation);
      expect(o.status?.integrationId).toBeTruthy();
    }
    // Made by this operator, the one that started late. (An operator watching every namespace,
    // started by a test file running in parallel, could get there first; this would say so.)
    for (const name of names) {
      const created = await eventually(`${name}'s Created event`, async () => {
        const reporters = (await eventsFor(ns, name))
          .filter((e) => e.reason === 'Created')
          .map((e) => e.reportingInstance);
        return reporters.length > 0 ? reporters : undefined;
      });
      expect(created).toEqual([`helm-wait-${ns}`]);
    }
    expect((await integrationsOf(httpApi)).length).toBe(2);
    expect((await integrationsOf(wsApi)).length).toBe(1);
    const status = await startHelm4(['status', release, '--namespace', ns]).done;
    expect(status.output).toMatch(/STATUS: deployed/);
  });

  it('helm uninstall --wait returns once the operator has deleted the integrations and released the objects', async () => {
    const r = await startHelm4(['uninstall', release, '--namespace', ns, '--wait=watcher', '--timeout', '60s']).done;
    expect({ code: r.code, output: r.output }).toMatchObject({ code: 0 });
    for (const name of names) expect(await gone(ns, name)).toBe(true);
    expect(await integrationsOf(httpApi)).toEqual([]);
    expect(await integrationsOf(wsApi)).toEqual([]);
  });
});

describe('helm 4 install --wait on a chart with a protocol-invalid object', () => {
  const release = 'invalid';
  const timeoutS = 120;

  it('fails long before its timeout, with the operator’s message, once the valid object is Ready', async () => {
    // The operator from the previous test, still watching the namespace (or one of its own).
    operator ??= await startOperator({ watchNamespaces: [ns] }, `helm-wait-${ns}`);
    const api = await createApi('HTTP');
    const chart = writeChart('invalid', ns, {
      good: lambda(api),
      // requestTemplates is WebSocket-only; the schema cannot know the API's protocol, so the
      // object is admitted and the operator (after GetApi) marks it Ready=False, Stalled=True.
      bad: lambda(api, { requestTemplates: { 'application/json': '{}' } }),
    });
    const r = await startHelm4([
      'install',
      release,
      chart,
      '--namespace',
      ns,
      '--wait=watcher',
      '--timeout',
      `${timeoutS}s`,
    ]).done;

    // What happens: kstatus reads bad (observedGeneration current, Stalled=True) as Failed. Helm 4's
    // status observer treats Failed as terminal and drops it from the set it waits on
    // (pkg/kube/statuswait.go, statusObserver: "Failed is a terminal state ... intervention is
    // required"), so it waits only until good is Current, then reports every object that is not
    // Current, with kstatus's message, which is the Stalled condition's message: the operator's.
    expect(r.code).not.toBe(0);
    expect(r.ms).toBeLessThan(30_000);
    const bad = await getObject(ns, 'bad');
    const stalled = condition(bad, 'Stalled');
    expect(stalled).toMatchObject({
      status: 'True',
      reason: 'InvalidSpec',
      observedGeneration: bad.metadata.generation,
    });
    expect(condition(bad, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(stalled?.message).toMatch(/requestTemplates is only for WebSocket APIs/);
    expect(r.output).toContain(
      `resource ApiIntegration/${ns}/bad not ready. status: Failed, message: ${stalled?.message}`,
    );
    expect(r.output).not.toMatch(/ApiIntegration\/[^/]+\/good not ready/);
    expect(r.output).not.toMatch(/context deadline exceeded/);
    // The valid object was waited for and is Ready; the invalid one made no AWS write.
    expect(condition(await getObject(ns, 'good'), 'Ready')?.status).toBe('True');
    expect((await integrationsOf(api)).length).toBe(1);
    const status = await startHelm4(['status', release, '--namespace', ns]).done;
    expect(status.output).toMatch(/STATUS: failed/);

    const un = await startHelm4(['uninstall', release, '--namespace', ns, '--wait=watcher', '--timeout', '60s']).done;
    expect({ code: un.code, output: un.output }).toMatchObject({ code: 0 });
    expect(await integrationsOf(api)).toEqual([]);
  });
});

/** Flux's CRDs, fetched by hack/build-tools.sh from the controllers' Go modules. */
function fluxCrdsDir(): string {
  const dir = join(toolsCacheDir(), `flux-crds-${pinned('FLUX_VERSION')}`);
  if (!existsSync(join(dir, '.complete'))) throw new MissingToolError('Flux CRDs', `${dir} is missing`);
  return dir;
}

/** The ```yaml blocks of a Markdown file, list-item indentation removed. */
function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```$/gm)].map(([, indent, body]) =>
    body!
      .split('\n')
      .map((l) => l.slice(indent!.length))
      .join('\n'),
  );
}

describe('docs/flux.md: Flux cannot run here, so its manifests are checked against Flux’s CRDs', () => {
  const kubectl = (args: string[], input?: string) =>
    spawnSync(tb.tools.kubectl, [...args, '--kubeconfig', tb.kubeconfig, '--cache-dir', join(work, 'kube-cache')], {
      input,
      encoding: 'utf8',
    });

  it('every manifest passes a server-side dry run (Flux’s CRDs at the pinned Flux release, the operator’s CRD)', async () => {
    const crds = fluxCrdsDir();
    const files = readdirSync(crds).filter((f) => f.endsWith('.yaml'));
    const installed = kubectl([
      'apply',
      '--server-side',
      '--force-conflicts',
      ...files.flatMap((f) => ['-f', join(crds, f)]),
    ]);
    expect({ status: installed.status, stderr: installed.stderr }).toMatchObject({ status: 0 });
    const names = files.map(
      (f) => (parse(readFileSync(join(crds, f), 'utf8')) as { metadata: { name: string } }).metadata.name,
    );
    expect(
      kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...names.map((n) => `crd/${n}`)]).status,
    ).toBe(0);

    const docs = yamlBlocks(readFileSync(join(ROOT, 'docs', 'flux.md'), 'utf8')).flatMap((b) =>
      parseAllDocuments(b).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } }),
    );
    expect(docs.map((d) => d.kind).sort()).toEqual([
      'ApiIntegration',
      'HelmRelease',
      'HelmRelease',
      'Kustomization',
      'Kustomization',
      'Kustomization',
      'Namespace',
      'OCIRepository',
    ]);
    for (const name of new Set(docs.flatMap((d) => (d.metadata.namespace ? [d.metadata.namespace] : [])))) {
      try {
        await core.createNamespace({ body: { metadata: { name } } });
      } catch (e) {
        if (codeOf(e) !== 409) throw e;
      }
    }
    const refused = docs
      .map((d) => ({
        doc: `${d.kind}/${d.metadata.name}`,
        r: kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], stringify(d)),
      }))
      .filter(({ r }) => r.status !== 0)
      .map(({ doc, r }) => `${doc}: ${r.stderr.trim()}`);
    expect(refused).toEqual([]);
  });
});
