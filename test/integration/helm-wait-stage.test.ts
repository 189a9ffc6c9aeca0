// A GitOps wait on a whole path: Helm 4's `--wait` (the kstatus of fluxcd/cli-utils, which Flux waits
// with too) on a chart holding an ApiIntegration, an ApiRoute on it and an ApiStage, with the
// operator running in-process. The ApiStage reads Ready only once its stage serves a deployment
// of the API's settled configuration, and Reconciling while one is due, so the wait returns when
// the route is served, which the emulator's deployment snapshot shows. Without the ApiStage the
// same wait returns while the stage serves nothing; an object on the API that cannot settle holds
// the wait on the ApiStage alone; a stage name someone else holds fails it fast.
//
// The ApiStages met on the way are the Argo CD health check's testdata
// (deploy/argocd/apigw.dev/ApiStage/testdata): each is run through health.lua here, live, and its
// conditions must read as the committed export's (ids of the run aside). APIGW_WRITE_TESTDATA=1
// rewrites the exports from this run.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateStageCommand } from '@aws-sdk/client-apigatewayv2';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { STAGE_PLURAL } from '../../src/api/v1alpha1/stage-schema.ts';
import type { ApiStage } from '../../src/api/v1alpha1/stage-types.ts';
import type { Operator } from '../../src/operator.ts';
import { argoHealth, type Health } from '../support/argocd-health.ts';
import {
  aws,
  createApi,
  createRouteObject,
  custom,
  eventually,
  getObject,
  getRouteObject,
  installCrd,
  installStageCrd,
  newNamespace,
  sleep,
  tb,
} from '../support/cluster.ts';
import { startHelm4, writeObjectsChart, type ChartObject } from '../support/helm-wait.ts';
import { startOperator } from '../support/operator.ts';
import { servedRoute, servedStage } from '../support/served.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CHECK_DIR = join(ROOT, 'deploy', 'argocd', 'apigw.dev', 'ApiStage');
const WRITE_TESTDATA = process.env.APIGW_WRITE_TESTDATA === '1';
/** How long the operator stays off while `helm install --wait` is already waiting. */
const OPERATOR_DELAY_MS = 4000;
const work = mkdtempSync(join(tmpdir(), 'apigw-helm-stage-'));

let ns = '';
let operator: Operator | undefined;

const stageRef = () => ({ group: GROUP, version: VERSION, plural: STAGE_PLURAL, namespace: ns });
const getStage = async (name: string) => (await custom.getNamespacedCustomObject({ ...stageRef(), name })) as ApiStage;
const conditionOf = (o: ApiStage, type: string) => o.status?.conditions?.find((c) => c.type === type);

/** A MOCK integration, a route on it and (unless left out) a stage, all on the WebSocket API `apiId`. */
function servedPath(apiId: string, name: string, stage: boolean): ChartObject[] {
  const objects: ChartObject[] = [
    { kind: 'ApiIntegration', name: `${name}-int`, spec: { apiId, integrationType: 'MOCK', description: name } },
    {
      kind: 'ApiRoute',
      name: `${name}-route`,
      spec: { apiId, routeKey: '$default', integrationRef: { name: `${name}-int` } },
    },
  ];
  return stage ? [...objects, { kind: 'ApiStage', name: `${name}-prod`, spec: { apiId, stageName: 'prod' } }] : objects;
}

const install = (release: string, chart: string, timeoutS: number) =>
  startHelm4(['install', release, chart, '--namespace', ns, '--wait=watcher', '--timeout', `${timeoutS}s`]);

async function uninstall(release: string): Promise<void> {
  const r = await startHelm4(['uninstall', release, '--namespace', ns, '--wait=watcher', '--timeout', '60s']).done;
  expect({ code: r.code, output: r.output }).toMatchObject({ code: 0 });
}

/** The object as `kubectl get -o yaml` shows it, without the server's bookkeeping of field owners. */
function exported(o: ApiStage): ApiStage {
  const { managedFields: _owners, ...metadata } = o.metadata as ApiStage['metadata'] & { managedFields?: unknown };
  return { ...o, metadata };
}

/** Replaces the run's own ids (API, namespace) in `text` with placeholders. */
const withoutIdsOf = (o: ApiStage) => (text: string) =>
  text.replaceAll(o.spec.apiId, '<apiId>').replaceAll(o.metadata.namespace ?? '', '<namespace>');

/** What the health check reads of a stage's status, with the run's ids replaced. */
function readable(o: ApiStage) {
  const plain = withoutIdsOf(o);
  const conditions = (o.status?.conditions ?? []).map((c) => ({
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: plain(c.message),
    current: c.observedGeneration === o.metadata.generation,
  }));
  return { observed: o.status?.observedGeneration === o.metadata.generation, conditions };
}

/**
 * Argo CD's health of the live stage is `status`, and the stage reads as its export in testdata/`file`
 * does: the same conditions and the same health, the run's ids aside (health_test.yaml, checked by
 * test/tools/packaging/argocd.test.ts, says what that health is).
 */
function expectHealthAsExported(live: ApiStage, file: string, status: Health['status']): void {
  const path = join(CHECK_DIR, 'testdata', file);
  if (WRITE_TESTDATA) writeFileSync(path, stringify(exported(live)));
  const committed = parse(readFileSync(path, 'utf8')) as ApiStage;
  const health = (o: ApiStage) => {
    const h = argoHealth(tb.tools.glua, o, join(CHECK_DIR, 'health.lua'));
    return { ...h, message: withoutIdsOf(o)(h.message) };
  };
  expect(health(live).status).toBe(status);
  expect(health(live)).toEqual(health(committed));
  expect(readable(live)).toEqual(readable(committed));
}

beforeAll(async () => {
  await installCrd();
  await installStageCrd();
  ns = await newNamespace('helm-stage');
});

afterAll(async () => {
  await operator?.stop();
});

describe('helm 4 install --wait on a chart of an ApiIntegration, an ApiRoute and an ApiStage', () => {
  it('returns only once the stage serves the route with its integration, waiting for an operator that starts late', async () => {
    const apiId = await createApi('WEBSOCKET');
    const chart = writeObjectsChart(work, 'served', ns, servedPath(apiId, 'chat', true));
    const helm = install('served', chart, 90);

    // Helm created the objects and waits; nothing has looked at them: the stage reads not yet observed.
    const fresh = await eventually('the ApiStage created by helm', () => getStage('chat-prod'), 30_000);
    expect(fresh.status).toEqual({ observedGeneration: 0 });
    expectHealthAsExported(fresh, 'progressing-never-observed.yaml', 'Progressing');
    await sleep(Math.max(0, helm.startedAt + OPERATOR_DELAY_MS - Date.now()));
    expect({ helmStillWaiting: helm.running() }).toEqual({ helmStillWaiting: true });
    operator = await startOperator({ watchNamespaces: [ns] }, `helm-stage-${ns}`);

    const r = await helm.done;
    // Read at once, with no polling: Helm's "deployed" must already mean served.
    const served = await servedRoute(tb.awsEndpoint, apiId, 'prod', '$default');
    const stage = await getStage('chat-prod');
    expect({ code: r.code, output: r.output }).toMatchObject({ code: 0 });
    expect(r.ms).toBeGreaterThanOrEqual(OPERATOR_DELAY_MS);
    const integration = await getObject(ns, 'chat-int');
    expect(served?.integration).toMatchObject({
      integrationId: integration.status?.integrationId,
      integrationType: 'MOCK',
    });
    expect(served?.route).toMatchObject({
      routeKey: '$default',
      routeId: (await getRouteObject(ns, 'chat-route')).status?.routeId,
    });
    expect(served?.deploymentId).toBe(stage.status?.deploymentId);
    expect(conditionOf(stage, 'Ready')).toMatchObject({ status: 'True', reason: 'Served' });
    expectHealthAsExported(stage, 'healthy.yaml', 'Healthy');
    await uninstall('served');
  });

  it('without the ApiStage, the same wait returns while the stage serves nothing', async () => {
    // What makes the test above able to fail: Ready integrations and routes are not served. The
    // stage exists (made outside the chart) but no deployment was made for them.
    operator ??= await startOperator({ watchNamespaces: [ns] }, `helm-stage-${ns}`);
    const apiId = await createApi('WEBSOCKET');
    await aws.send(new CreateStageCommand({ ApiId: apiId, StageName: 'prod' }));
    const chart = writeObjectsChart(work, 'unstaged', ns, servedPath(apiId, 'bare', false));
    const r = await install('unstaged', chart, 90).done;
    const served = await servedStage(tb.awsEndpoint, apiId, 'prod');
    expect({ code: r.code, output: r.output }).toMatchObject({ code: 0 });
    const route = await getRouteObject(ns, 'bare-route');
    expect(route.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(served).toBeUndefined();
    await uninstall('unstaged');
  });

  it('is held by the ApiStage alone while an object on its API cannot settle, and times out', async () => {
    operator ??= await startOperator({ watchNamespaces: [ns] }, `helm-stage-${ns}`);
    const apiId = await createApi('WEBSOCKET');
    // Outside the chart, on the same API: a route whose integration does not exist. It waits for it
    // (Reconciling, for --not-found-grace), and the stage waits for it to settle before deploying.
    await createRouteObject(ns, 'lost-route', { apiId, routeKey: 'lost', integrationRef: { name: 'no-such-int' } });
    const chart = writeObjectsChart(work, 'unsettled', ns, servedPath(apiId, 'held', true));
    const r = await install('unsettled', chart, 20).done;

    expect(r.code).not.toBe(0);
    // Only the stage is not ready: the chart's integration and route are.
    expect(r.output).toContain(`resource ApiStage/${ns}/held-prod not ready. status: InProgress`);
    expect(r.output).not.toMatch(/resource Api(Integration|Route)\/[^ ]+ not ready/);
    const stage = await getStage('held-prod');
    expect(conditionOf(stage, 'Ready')).toMatchObject({ status: 'False', reason: 'AwaitingSettle' });
    expect(conditionOf(stage, 'Reconciling')).toMatchObject({ status: 'True', reason: 'AwaitingSettle' });
    expect(stage.status?.waitingOn).toEqual([expect.objectContaining({ kind: 'ApiRoute', name: 'lost-route' })]);
    expect(await servedStage(tb.awsEndpoint, apiId, 'prod')).toBeUndefined();
    expectHealthAsExported(stage, 'progressing-awaiting-settle.yaml', 'Progressing');

    await custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'apiroutes',
      namespace: ns,
      name: 'lost-route',
    });
    await uninstall('unsettled');
  });

  it('fails fast, with the operator’s message, when another stage holds the name', async () => {
    operator ??= await startOperator({ watchNamespaces: [ns] }, `helm-stage-${ns}`);
    const apiId = await createApi('HTTP');
    await aws.send(new CreateStageCommand({ ApiId: apiId, StageName: 'ops' }));
    const chart = writeObjectsChart(work, 'taken', ns, [
      { kind: 'ApiStage', name: 'ops-stage', spec: { apiId, stageName: 'ops' } },
    ]);
    const r = await install('taken', chart, 120).done;

    expect(r.code).not.toBe(0);
    expect(r.ms).toBeLessThan(30_000);
    const stage = await getStage('ops-stage');
    const stalled = conditionOf(stage, 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'StageNameTaken' });
    expect(r.output).toContain(
      `resource ApiStage/${ns}/ops-stage not ready. status: Failed, message: ${stalled?.message}`,
    );
    expectHealthAsExported(stage, 'degraded-stage-name-taken.yaml', 'Degraded');
    await uninstall('taken');
  });
});
