// Deployments of one ApiStage (deploymentPolicy OnChange, the operator's defaults: a 2 s quiet
// period, 1 min longest wait) on a WebSocket API holding as many ApiIntegrations and ApiRoutes as
// AWS allows on one API (300 of each), at API Gateway's quota. Three figures: how many deployments
// the rollout of all of them makes (coalesced: 1–2), how long a single-object edit takes from the
// change to being served by the stage (polled on the emulator's served endpoint, which answers
// from the deployment's snapshot), and how many deployments a restart with nothing changed makes (0).
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateApiCommand } from '@aws-sdk/client-apigatewayv2';
import { parse } from 'yaml';
import { GROUP, VERSION } from '../src/api/v1alpha1/group.ts';
import { STAGE_PLURAL } from '../src/api/v1alpha1/stage-schema.ts';
import { buildStageCrdYaml } from '../src/api/v1alpha1/stage-crd.ts';
import type { ApiStage } from '../src/api/v1alpha1/stage-types.ts';
import { userDescription } from '../src/apiintegration/desired.ts';
import { AWS_QUOTA, FaultProxy } from '../test/faultproxy/proxy.ts';
import { eventually } from '../test/support/poll.ts';
import { servedStage, type Served } from '../test/support/served.ts';
import { newNamespace, percentile, pool, round, type BenchContext, type SectionResult } from './lib/context.ts';
import { createObject, crPath, mergePatch, type Kube } from './lib/kube.ts';
import { startOperator, type BenchOperator } from './lib/operator.ts';
import { routePath } from './routes.ts';

const STAGE = 'prod';
const EDITS = 20;
/** After an edit is served, before the next: each edit is its own change, not part of a burst. */
const PACE_MS = 1000;
/** How long a served stage is watched for a late deployment: two quiet periods and a margin. */
const AFTER_MS = 9000;

const stagePath = (namespace: string, name?: string) =>
  `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${STAGE_PLURAL}${name ? `/${name}` : ''}`;

async function installStageCrd(kube: Kube, namespace: string): Promise<void> {
  await kube
    .request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', parse(buildStageCrdYaml()))
    .catch((e: { status?: number }) => {
      if (e.status !== 409) throw e;
    });
  await eventually('the ApiStage CRD served', () => kube.request('GET', stagePath(namespace)).then(() => true), 60_000);
}

/** What the stage should serve: route key → the integration object it targets, and their descriptions. */
class Desired {
  readonly target = new Map<string, string>();
  readonly description = new Map<string, string>();

  /** How many route keys `served` gets wrong (absent, another integration, an old description, or not wanted). */
  mismatches(served: Served | undefined): number {
    if (!served) return this.target.size;
    const ints = new Map(served.integrations.map((i) => [i.integrationId, userDescription(i.description as string)]));
    const routes = new Map(served.routes.map((r) => [String(r.routeKey), String(r.target ?? '')]));
    let wrong = [...routes.keys()].filter((k) => !this.target.has(k)).length;
    for (const [key, integration] of this.target) {
      const target = routes.get(key);
      const got = target?.startsWith('integrations/') ? ints.get(target.slice('integrations/'.length)) : undefined;
      if (got !== this.description.get(integration)) wrong++;
    }
    return wrong;
  }
}

interface Run {
  ctx: BenchContext;
  proxy: FaultProxy;
  namespace: string;
  apiId: string;
  desired: Desired;
}

/** performance.now() when the stage first serves exactly the desired configuration. */
async function servedAt(r: Run, pollMs: number, timeoutMs: number): Promise<number> {
  return eventually(
    'the stage serving the desired configuration',
    async () => {
      const wrong = r.desired.mismatches(await servedStage(r.ctx.bed.awsEndpoint, r.apiId, STAGE));
      if (wrong > 0) throw new Error(`${wrong} route keys not served as desired`);
      return performance.now();
    },
    timeoutMs,
    pollMs,
  );
}

/** The ApiStage reports serving what the stage serves, with no deployment in doubt. */
async function stageSettled(r: Run): Promise<ApiStage> {
  return eventually(
    'the ApiStage Served',
    async () => {
      const s = await r.ctx.kube.request<ApiStage>('GET', stagePath(r.namespace, 'live'));
      const served = await servedStage(r.ctx.bed.awsEndpoint, r.apiId, STAGE);
      const ready = s.status?.conditions?.find((c) => c.type === 'Ready');
      const pending = s.metadata.annotations?.['apigw.dev/deploy-pending'];
      return ready?.reason === 'Served' && !pending && s.status?.deploymentId === served?.deploymentId ? s : undefined;
    },
    120_000,
    200,
  );
}

const deploymentsMade = (proxy: FaultProxy) => proxy.appliedWrites().filter((w) => w.operation === 'CreateDeployment');

/** AWS calls by operation since record `from`. */
function callsSince(proxy: FaultProxy, from: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const rec of proxy.records().slice(from)) out[rec.operation] = (out[rec.operation] ?? 0) + 1;
  return out;
}

/** Every integration and route applied at once, as a release would be. */
async function rollout(r: Run, n: number) {
  const { kube } = r.ctx;
  const ids = Array.from({ length: n }, (_, i) => i);
  const from = r.proxy.records().length;
  const made = deploymentsMade(r.proxy).length;
  const t0 = performance.now();
  await pool(ids, 16, (i) =>
    createObject(kube, r.namespace, `int-${i}`, {
      apiId: r.apiId,
      integrationType: 'MOCK',
      description: `int-${i} v1`,
    }),
  );
  await pool(ids, 16, (i) =>
    kube.request('POST', routePath(r.namespace), {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'ApiRoute',
      metadata: { name: `route-${i}` },
      spec: { apiId: r.apiId, routeKey: `action${i}`, integrationRef: { name: `int-${i}` } },
    }),
  );
  const appliedS = (performance.now() - t0) / 1000;
  for (const i of ids) {
    r.desired.target.set(`action${i}`, `int-${i}`);
    r.desired.description.set(`int-${i}`, `int-${i} v1`);
  }
  r.ctx.log(`deploy: ${n} integrations and ${n} routes applied in ${round(appliedS)} s; waiting for the stage`);
  const servedS = ((await servedAt(r, 500, 30 * 60_000)) - t0) / 1000;
  await stageSettled(r);
  await sleep(AFTER_MS);
  const deployments = deploymentsMade(r.proxy).slice(made);
  const epoch0 = performance.timeOrigin + t0;
  return {
    deployments: deployments.length,
    deployedAtS: deployments.map((d) => round((d.start - epoch0) / 1000)),
    appliedS,
    servedS,
    calls: callsSince(r.proxy, from),
  };
}

/** Edit `e`: even ones change an integration's description, odd ones point a route at another integration. */
async function edit(r: Run, e: number, n: number): Promise<string> {
  const i = (e * 37) % n;
  if (e % 2 === 0) {
    const description = `int-${i} v${e + 2}`;
    await mergePatch(r.ctx.kube, crPath(r.namespace, `int-${i}`), { spec: { description } });
    r.desired.description.set(`int-${i}`, description);
    return 'integration';
  }
  const to = `int-${(i + 1) % n}`;
  await r.ctx.kube.request(
    'PATCH',
    `${routePath(r.namespace)}/route-${i}`,
    { spec: { integrationRef: { name: to } } },
    'application/merge-patch+json',
  );
  r.desired.target.set(`action${i}`, to);
  return 'route';
}

async function edits(r: Run, n: number) {
  const from = r.proxy.records().length;
  const made = deploymentsMade(r.proxy).length;
  const latencies: { kind: string; s: number }[] = [];
  for (let e = 0; e < EDITS; e++) {
    const t = performance.now();
    const kind = await edit(r, e, n);
    latencies.push({ kind, s: ((await servedAt(r, 50, 120_000)) - t) / 1000 });
    await stageSettled(r);
    await sleep(PACE_MS);
  }
  const sorted = latencies.map((l) => l.s).sort((a, b) => a - b);
  const of = (kind: string) => latencies.filter((l) => l.kind === kind).map((l) => l.s);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  return {
    deployments: deploymentsMade(r.proxy).length - made,
    p50S: percentile(sorted, 50),
    p90S: percentile(sorted, 90),
    p99S: percentile(sorted, 99),
    maxS: sorted.at(-1)!,
    meanS: mean(sorted),
    integrationMeanS: mean(of('integration')),
    routeMeanS: mean(of('route')),
    calls: callsSince(r.proxy, from),
  };
}

/** The operator stopped and started again with nothing changed: its first pass, then two quiet periods more. */
async function restart(r: Run, running: { op: BenchOperator }, flags: string[]) {
  const made = deploymentsMade(r.proxy).length;
  const servedBefore = (await servedStage(r.ctx.bed.awsEndpoint, r.apiId, STAGE))?.deploymentId;
  await running.op.stop();
  const from = r.proxy.records().length;
  const restartedAt = performance.timeOrigin + performance.now();
  running.op = startOperator(r.ctx.bed, r.proxy.url, flags);
  await eventually(
    "the restarted operator's pass over the stage",
    () => r.proxy.records().some((x) => x.operation === 'GetStage' && x.start > restartedAt),
    120_000,
    100,
  );
  await sleep(AFTER_MS);
  const servedAfter = (await servedStage(r.ctx.bed.awsEndpoint, r.apiId, STAGE))?.deploymentId;
  return {
    deployments: deploymentsMade(r.proxy).length - made,
    sameDeployment: servedBefore === servedAfter,
    calls: callsSince(r.proxy, from),
  };
}

type Rollout = Awaited<ReturnType<typeof rollout>>;
type Edits = Awaited<ReturnType<typeof edits>>;
type Restart = Awaited<ReturnType<typeof restart>>;

function section(n: number, b: Rollout, l: Edits, s: Restart): SectionResult {
  return {
    name: 'deploy',
    title: `One ApiStage (OnChange, defaults) on a WebSocket API with ${n} ApiIntegrations and ${n} ApiRoutes, at API Gateway's quota`,
    table: {
      headers: ['phase', 'CreateDeployments', 'time', 'target'],
      rows: [
        [
          `rollout: ${n} + ${n} objects applied at once`,
          b.deployments,
          `served ${round(b.servedS)} s after the first object was applied (all applied in ${round(b.appliedS)} s); deployments at ${b.deployedAtS.join(', ')} s`,
          '1–2 deployments',
        ],
        [
          `${EDITS} single-object edits, one at a time`,
          l.deployments,
          `change → served: p50 ${round(l.p50S, 2)} s, p90 ${round(l.p90S, 2)} s, p99 ${round(l.p99S, 2)} s, max ${round(l.maxS, 2)} s`,
          `${EDITS} deployments`,
        ],
        ['restart, nothing changed', s.deployments, `same deployment served: ${s.sameDeployment}`, '0 deployments'],
      ],
    },
    notes: [
      `The operator runs with its defaults (--deploy-quiet-period 2s, --deploy-max-wait 1m, --aws-rate 8 --aws-burst 30), behind a proxy holding API Gateway's quota (10 requests/s, burst 40); the emulator's fidelity proxy keeps each deployment's snapshot.`,
      `"Served" is read from the emulator's served endpoint (the deployment's snapshot): every route key with the integration its ApiRoute targets, in its current description, and no other key. Edits were polled every 50 ms, the rollout every 500 ms.`,
      `Edits alternate an integration's description (mean ${round(l.integrationMeanS, 2)} s) and a route's integrationRef (mean ${round(l.routeMeanS, 2)} s); mean over all ${round(l.meanS, 2)} s. The p99 of ${EDITS} samples is their maximum.`,
      `AWS calls by operation — rollout: ${JSON.stringify(b.calls)}; edits: ${JSON.stringify(l.calls)}; restart: ${JSON.stringify(s.calls)}.`,
    ],
    data: {
      objects: n,
      deploymentsPerBurst: b.deployments,
      deployLatencyS: { p50: l.p50S, p90: l.p90S, p99: l.p99S, max: l.maxS, mean: l.meanS },
      deploymentsOnRestart: s.deployments,
      rollout: b,
      edits: l,
      restart: s,
    },
  };
}

export async function deployAtScale(ctx: BenchContext): Promise<SectionResult> {
  const n = ctx.quick ? 100 : 300;
  const namespace = await newNamespace(ctx, 'bench-deploy');
  await installStageCrd(ctx.kube, namespace);
  const api = await ctx.aws.send(
    new CreateApiCommand({
      Name: namespace,
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    }),
  );
  const proxy = await FaultProxy.start({ upstream: ctx.bed.awsEndpoint, region: ctx.bed.region, quota: AWS_QUOTA });
  const r: Run = { ctx, proxy, namespace, apiId: api.ApiId!, desired: new Desired() };
  const flags = ['--watch-namespaces', namespace];
  await ctx.kube.request('POST', stagePath(namespace), {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'ApiStage',
    metadata: { name: 'live' },
    spec: { apiId: r.apiId, stageName: STAGE },
  });
  const running = { op: startOperator(ctx.bed, proxy.url, flags) };
  try {
    await eventually('the stage made', () => proxy.appliedWrites().some((w) => w.operation === 'CreateStage'), 60_000);
    const b = await rollout(r, n);
    ctx.log(`deploy: rollout served with ${b.deployments} deployment(s); ${EDITS} edits next`);
    const l = await edits(r, n);
    ctx.log(`deploy: edits served, p50 ${round(l.p50S, 2)} s; restarting the operator`);
    const s = await restart(r, running, flags);
    return section(n, b, l, s);
  } finally {
    await running.op.stop();
    await proxy.close();
  }
}
