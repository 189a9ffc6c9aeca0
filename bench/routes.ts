// ApiRoutes beside ApiIntegrations at API Gateway's quota: N new integrations and N new routes (each
// route targets its integration by name) through the fault proxy holding 10 requests/s, burst 40.
// Both controllers share one AWS budget per account and region, so the physical limit is that of
// 2N creates, (2N − burst)/rate; how close does the operator get, and which calls besides the
// creates spend the budget?
import { parseConfig } from '../src/config.ts';
import { ROUTE_KIND, ROUTE_PLURAL } from '../src/api/v1alpha1/route-schema.ts';
import { GROUP, VERSION } from '../src/api/v1alpha1/group.ts';
import { AWS_QUOTA, FaultProxy, type Outcome } from '../test/faultproxy/proxy.ts';
import {
  createApis,
  lambdaSpec,
  newNamespace,
  pool,
  round,
  type BenchContext,
  type SectionResult,
} from './lib/context.ts';
import { createObject, writeCounts, writeDelta, type Kube } from './lib/kube.ts';
import { cpuSeconds, startOperator } from './lib/operator.ts';
import { ReadyTracker } from './lib/ready.ts';

/** Integrations (and as many routes) per API: a third of AWS's 300 integrations per API. */
const PER_API = 100;
const epoch = (t: number) => performance.timeOrigin + t;

export const routePath = (namespace: string) => `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${ROUTE_PLURAL}`;

function createRoute(kube: Kube, namespace: string, name: string, spec: Record<string, unknown>): Promise<unknown> {
  return kube.request('POST', routePath(namespace), {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: ROUTE_KIND,
    metadata: { name },
    spec,
  });
}

interface RouteRun {
  /** First AWS call → last ApiRoute seen Ready. */
  convergeS: number;
  /** First AWS call → last ApiIntegration seen Ready. */
  integrationsS: number;
  startupS: number;
  awsCalls: number;
  throttled: number;
  /** AWS calls by operation, all outcomes (429s included). */
  byOperation: Record<string, number>;
  /** 429s by operation. */
  throttledByOperation: Record<string, number>;
  creates: number;
  /** Operation → [first, last] call, seconds after the first AWS call: how the reads interleave with the creates. */
  timeline: Record<string, [number, number]>;
  cpuS: number;
  kubeWrites: Record<string, number>;
}

function timeline(records: { operation: string; start: number }[], first: number): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const r of records) {
    const t = round((r.start - first) / 1000, 1);
    const span = (out[r.operation] ??= [t, t]);
    span[1] = Math.max(span[1], t);
  }
  return out;
}

const total = (o: Partial<Record<Outcome, number>>) => Object.values(o).reduce((s, v) => s + (v ?? 0), 0);

/** Pre-creates N integrations and N routes over N/PER_API APIs, starts the operator, times it until all routes are Ready. */
async function routesRun(ctx: BenchContext, proxy: FaultProxy, n: number, flags: string[]): Promise<RouteRun> {
  const ns = await newNamespace(ctx, 'bench-routes');
  const apis = await createApis(ctx, Math.ceil(n / PER_API), ns);
  const api = (i: number) => apis[Math.floor(i / PER_API)]!;
  const ids = Array.from({ length: n }, (_, i) => i);
  await pool(ids, 16, (i) => createObject(ctx.kube, ns, `int-${i}`, lambdaSpec(api(i))));
  await pool(ids, 16, (i) =>
    createRoute(ctx.kube, ns, `route-${i}`, {
      apiId: api(i),
      routeKey: `GET /items/r${i}`,
      integrationRef: { name: `int-${i}` },
    }),
  );
  const integrations = new ReadyTracker(ctx.kube, ns);
  const routes = new ReadyTracker(ctx.kube, ns, routePath);
  await integrations.start();
  await routes.start();
  proxy.resetStats();
  const writesBefore = await writeCounts(ctx.kube);
  ctx.log(
    `routes: ${n} integrations and ${n} routes on ${apis.length} APIs; starting the operator (${flags.join(' ')})`,
  );
  const op = startOperator(ctx.bed, proxy.url, ['--watch-namespaces', ns, ...flags]);
  try {
    await routes.waitFor(`${n} routes Ready`, () => routes.readyCount() >= n, 30 * 60_000);
    await integrations.waitFor(`${n} integrations Ready`, () => integrations.readyCount() >= n, 60_000);
    const cpuS = cpuSeconds(op.pid);
    const first = Math.min(...proxy.records().map((r) => r.start));
    const counts = proxy.counts();
    const writes = writeDelta(writesBefore, await writeCounts(ctx.kube));
    return {
      convergeS: (epoch(routes.lastReadyAt()) - first) / 1000,
      integrationsS: (epoch(integrations.lastReadyAt()) - first) / 1000,
      startupS: (first - epoch(op.spawnedAt)) / 1000,
      awsCalls: proxy.records().length,
      throttled: proxy.count({ outcome: 'throttled' }),
      byOperation: Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, total(v)])),
      throttledByOperation: Object.fromEntries(
        Object.entries(counts)
          .filter(([, v]) => (v.throttled ?? 0) > 0)
          .map(([k, v]) => [k, v.throttled!]),
      ),
      creates: proxy.appliedWrites().filter((w) => w.operation === 'CreateIntegration' || w.operation === 'CreateRoute')
        .length,
      timeline: timeline(proxy.records(), first),
      cpuS,
      kubeWrites: Object.fromEntries(
        Object.entries(writes).filter(([k]) => k.startsWith('apiintegrations') || k.startsWith('apiroutes')),
      ),
    };
  } finally {
    await op.stop();
    await routes.stop();
    await integrations.stop();
  }
}

const defaults = parseConfig(['--region', 'us-east-1'], {});
const DEFAULT_BUDGET = { ratePerSec: defaults.awsRate, burst: defaults.awsBurst };

type Measured = RouteRun & {
  label: string;
  budgetLimitS: number;
  budgetRatio: number;
  quotaRatio: number;
  /** (all AWS calls − burst)/rate of the budget: the limit for the calls the operator chose to make. */
  callsLimitS: number;
  callsRatio: number;
};

/** Calls beyond the N + N creates, by operation (429s included): where the budget went besides the creates. */
function extraCalls(r: RouteRun, n: number): string {
  const extra = Object.entries(r.byOperation)
    .map(([op, c]) => [op, op === 'CreateIntegration' || op === 'CreateRoute' ? c - n : c] as const)
    .filter(([, c]) => c > 0)
    .map(([op, c]) => `${op} ${c}`);
  return extra.length > 0 ? extra.join(', ') : 'none';
}

function notes(n: number, apis: number, runs: Measured[]): string[] {
  return [
    "Time runs from the operator's first AWS call to the last ApiRoute seen Ready through a watch; process start-up (" +
      runs.map((r) => `${round(r.startupS)} s`).join(', ') +
      ') is excluded. The last ApiIntegration was Ready at ' +
      runs.map((r) => `${round(r.integrationsS)} s`).join(', ') +
      '.',
    `The quota's and the budget's limits count only the ${2 * n} creates (${n} CreateIntegration + ${n} CreateRoute, one budget shared by both controllers): (2N − burst)/rate. The limit for the calls made counts every AWS call the operator sent: (calls − burst)/rate; a ratio near 1 to it means the time goes to the calls beyond the creates, not to waiting elsewhere.`,
    ...runs.map(
      (r) =>
        `${r.label}: AWS calls by operation ${JSON.stringify(r.byOperation)}; beyond the creates: ${extraCalls(r, n)}; 429s ${JSON.stringify(r.throttledByOperation)}.`,
    ),
    ...runs.map((r) => `${r.label}: first and last call (s) by operation ${JSON.stringify(r.timeline)}.`),
    ...runs.map((r) => `${r.label}: API-server writes ${JSON.stringify(r.kubeWrites)}.`),
    `${n} integrations and ${n} routes over ${apis} API${apis === 1 ? '' : 's'} (${PER_API} of each per API, within AWS's 300 integrations and 300 routes per API).`,
  ];
}

export async function routesAtQuota(ctx: BenchContext): Promise<SectionResult> {
  const n = ctx.quick ? 100 : 300;
  const creates = 2 * n;
  const quotaLimitS = (creates - AWS_QUOTA.burst) / AWS_QUOTA.ratePerSec;
  const variants = [
    {
      label: 'budget equal to the quota (--aws-rate 10 --aws-burst 40)',
      flags: ['--aws-rate', '10', '--aws-burst', '40'],
      budget: AWS_QUOTA,
    },
    {
      label: `operator defaults (--aws-rate ${DEFAULT_BUDGET.ratePerSec} --aws-burst ${DEFAULT_BUDGET.burst})`,
      flags: [] as string[],
      budget: DEFAULT_BUDGET,
    },
  ];
  const runs: Measured[] = [];
  for (const v of variants) {
    const proxy = await FaultProxy.start({ upstream: ctx.bed.awsEndpoint, region: ctx.bed.region, quota: AWS_QUOTA });
    try {
      const r = await routesRun(ctx, proxy, n, v.flags);
      const budgetLimitS = (creates - v.budget.burst) / v.budget.ratePerSec;
      const callsLimitS = (r.awsCalls - v.budget.burst) / v.budget.ratePerSec;
      runs.push({
        label: v.label,
        ...r,
        budgetLimitS,
        budgetRatio: r.convergeS / budgetLimitS,
        quotaRatio: r.convergeS / quotaLimitS,
        callsLimitS,
        callsRatio: r.convergeS / callsLimitS,
      });
    } finally {
      await proxy.close();
    }
  }
  const apis = Math.ceil(n / PER_API);
  return {
    name: 'routesAtQuota',
    title: `Converge ${n} new ApiIntegrations and ${n} ApiRoutes (${creates} creates) through the proxy at API Gateway's quota (10 requests/s, burst 40)`,
    table: {
      headers: [
        'operator budget',
        'creates',
        'converge s',
        "quota's limit (2N−40)/10 s",
        'ratio to it',
        "budget's limit s",
        'ratio to it',
        '429s',
        'AWS calls',
        "budget's limit for those calls s",
        'ratio to it',
        'CPU s',
      ],
      rows: runs.map((r) => [
        r.label,
        r.creates,
        round(r.convergeS),
        round(quotaLimitS),
        round(r.quotaRatio, 3),
        round(r.budgetLimitS, 1),
        round(r.budgetRatio, 3),
        r.throttled,
        r.awsCalls,
        round(r.callsLimitS, 1),
        round(r.callsRatio, 3),
        round(r.cpuS),
      ]),
    },
    notes: notes(n, apis, runs),
    data: { objects: n, creates, apis, quotaLimitS, runs },
  };
}
