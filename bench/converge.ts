// Convergence benchmarks. At the real quota: N new objects through the fault proxy holding API
// Gateway's 10 requests/s, burst 40 — how close does the operator get to the physical limit
// (N − burst)/rate, and how many 429s does it provoke? Without a quota: the operator against a
// plain SDK loop making the same creates at the same concurrency, on the same emulator, same run.
import { ApiGatewayV2Client, CreateIntegrationCommand } from '@aws-sdk/client-apigatewayv2';
import { parseConfig } from '../src/config.ts';
import { AWS_QUOTA, FaultProxy } from '../test/faultproxy/proxy.ts';
import {
  createApis,
  lambdaSpec,
  LAMBDA,
  newNamespace,
  pool,
  round,
  type BenchContext,
  type SectionResult,
} from './lib/context.ts';
import { createObject, writeCounts, writeDelta } from './lib/kube.ts';
import { cpuByCommand, cpuDelta, cpuSeconds, cpuText, startOperator } from './lib/operator.ts';
import { minimalClientLoop, writtenByOperator, type Written } from './lib/minimal-client.ts';
import { ReadyTracker } from './lib/ready.ts';

const APIS = 10;
const epoch = (t: number) => performance.timeOrigin + t;

interface Run {
  convergeS: number;
  startupS: number;
  awsCalls: number;
  throttled: number;
  creates: number;
  cpuS: number;
  /** Writes (POST, PUT, PATCH, DELETE) to apiintegrations and its subresources, from the API server's own request counter. */
  kubeWritesPerObject: number;
  /** The same by resource[/subresource] and verb, e.g. `apiintegrations/status PATCH`. */
  kubeWrites: Record<string, number>;
  eventsPerObject: number;
  /** CPU seconds by command on the whole machine while it ran (cpuDelta). */
  machineCpu: [string, number][];
  namespace: string;
}

/** A fresh namespace with N new objects spread over fresh APIs. */
async function prepare(ctx: BenchContext, n: number, prefix: string) {
  const ns = await newNamespace(ctx, prefix);
  const apis = await createApis(ctx, APIS, ns);
  const objs = await pool(
    Array.from({ length: n }, (_, i) => i),
    16,
    (i) => createObject(ctx.kube, ns, `obj-${i}`, lambdaSpec(apis[i % APIS]!)),
  );
  return { ns, apis, objs };
}

type Measured = Omit<Run, 'cpuS' | 'startupS'> & { firstAwsCallAt: number };

/**
 * Watches `ns` until its N objects are Ready while `drive` makes them so, and reads what that cost:
 * time from the first AWS call, AWS calls, and writes as the API server counted them.
 */
async function untilReady(
  ctx: BenchContext,
  proxy: FaultProxy,
  ns: string,
  n: number,
  drive: () => Promise<void>,
): Promise<Measured> {
  const tracker = new ReadyTracker(ctx.kube, ns);
  await tracker.start();
  try {
    proxy.resetStats();
    const writesBefore = await writeCounts(ctx.kube);
    const cpuBefore = cpuByCommand();
    await Promise.all([drive(), tracker.waitFor(`${n} objects Ready`, () => tracker.readyCount() >= n, 30 * 60_000)]);
    const machineCpu = cpuDelta(cpuBefore, cpuByCommand());
    const records = proxy.records();
    const first = Math.min(...records.map((r) => r.start));
    // Counted by the API server (apiserver_request_total), not by the operator.
    const writes = writeDelta(writesBefore, await writeCounts(ctx.kube));
    const sum = (prefix: string) =>
      Object.entries(writes)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((s, [, v]) => s + v, 0);
    return {
      convergeS: (epoch(tracker.lastReadyAt()) - first) / 1000,
      firstAwsCallAt: first,
      awsCalls: records.length,
      throttled: proxy.count({ outcome: 'throttled' }),
      creates: proxy.appliedWrites().filter((w) => w.operation === 'CreateIntegration').length,
      kubeWritesPerObject: sum('apiintegrations') / n,
      kubeWrites: Object.fromEntries(Object.entries(writes).filter(([k]) => k.startsWith('apiintegrations'))),
      eventsPerObject: sum('events') / n,
      machineCpu,
      namespace: ns,
    };
  } finally {
    await tracker.stop();
  }
}

/** Pre-creates N objects, starts the operator through `proxy`, and times it until all are Ready. */
async function operatorRun(
  ctx: BenchContext,
  proxy: FaultProxy,
  n: number,
  flags: string[],
  label: string,
): Promise<Run> {
  const { ns } = await prepare(ctx, n, 'bench-converge');
  ctx.log(`${label}: ${n} objects created; starting the operator`);
  let op: ReturnType<typeof startOperator> | undefined;
  try {
    const m = await untilReady(ctx, proxy, ns, n, async () => {
      op = startOperator(ctx.bed, proxy.url, ['--watch-namespaces', ns, ...flags]);
    });
    return { ...m, cpuS: cpuSeconds(op!.pid), startupS: (m.firstAwsCallAt - epoch(op!.spawnedAt)) / 1000 };
  } finally {
    await op?.stop();
  }
}

/** The same N creates and writes from the minimal client loop, timed the same way. */
async function minimalRun(ctx: BenchContext, proxy: FaultProxy, n: number, concurrency: number, written: Written) {
  const { ns, apis, objs } = await prepare(ctx, n, 'bench-minimal');
  ctx.log(`no quota: minimal client loop, ${n} objects at concurrency ${concurrency}`);
  return untilReady(ctx, proxy, ns, n, () =>
    minimalClientLoop(ctx, { awsEndpoint: proxy.url, namespace: ns, apis, objs }, concurrency, written),
  );
}

/** The operator's default AWS budget (--aws-rate, --aws-burst), read from its own configuration. */
const defaults = parseConfig(['--region', 'us-east-1'], {});
const DEFAULT_BUDGET = { ratePerSec: defaults.awsRate, burst: defaults.awsBurst };

export async function convergeAtQuota(ctx: BenchContext): Promise<SectionResult> {
  const n = ctx.quick ? 200 : 1000;
  const quotaLimitS = (n - AWS_QUOTA.burst) / AWS_QUOTA.ratePerSec;
  const variants = [
    {
      label: `operator defaults (--aws-rate ${DEFAULT_BUDGET.ratePerSec} --aws-burst ${DEFAULT_BUDGET.burst})`,
      flags: [] as string[],
      budget: DEFAULT_BUDGET,
    },
    {
      label: 'budget equal to the quota (--aws-rate 10 --aws-burst 40)',
      flags: ['--aws-rate', '10', '--aws-burst', '40'],
      budget: AWS_QUOTA,
    },
  ];
  const runs: (Run & { label: string; budgetLimitS: number; budgetRatio: number; quotaRatio: number })[] = [];
  for (const v of variants) {
    const proxy = await FaultProxy.start({ upstream: ctx.bed.awsEndpoint, region: ctx.bed.region, quota: AWS_QUOTA });
    try {
      const r = await operatorRun(ctx, proxy, n, v.flags, `quota: ${v.label}`);
      const budgetLimitS = (n - v.budget.burst) / v.budget.ratePerSec;
      runs.push({
        label: v.label,
        ...r,
        budgetLimitS,
        budgetRatio: r.convergeS / budgetLimitS,
        quotaRatio: r.convergeS / quotaLimitS,
      });
    } finally {
      await proxy.close();
    }
  }
  return {
    name: 'convergeAtQuota',
    title: `Converge ${n} new objects through the proxy at API Gateway's quota (10 requests/s, burst 40)`,
    table: {
      headers: [
        'operator budget',
        'objects',
        'converge s',
        "budget's limit (N−burst)/rate s",
        'ratio to it',
        'quota limit s',
        'ratio to it',
        '429s',
        'AWS calls',
        'k8s writes/object',
        'CPU s',
      ],
      rows: runs.map((r) => [
        r.label,
        n,
        round(r.convergeS),
        round(r.budgetLimitS, 1),
        round(r.budgetRatio, 3),
        round(quotaLimitS),
        round(r.quotaRatio, 2),
        r.throttled,
        r.awsCalls,
        round(r.kubeWritesPerObject, 2),
        round(r.cpuS),
      ]),
    },
    notes: [
      "Time runs from the operator's first AWS call to the last object seen Ready through a watch; process start-up (" +
        runs.map((r) => `${round(r.startupS)} s`).join(', ') +
        ') is excluded.',
      "A budget's own limit is (N − its burst)/its rate: the fastest N creates can go through that token bucket. A ratio near 1 means the operator is bound by its AWS budget, not by the Kubernetes side.",
      'The limits count only the creates; the operator also makes one GetApi per API (10 calls).',
      'The default budget deliberately stays below the account quota, which other clients share.',
    ],
    data: { objects: n, quotaLimitS, limitS: quotaLimitS, runs },
  };
}

/** N CreateIntegration calls from a plain SDK client at `concurrency`, on fresh APIs. */
async function sdkLoop(
  ctx: BenchContext,
  proxy: FaultProxy,
  n: number,
  concurrency: number,
  label: string,
): Promise<{ seconds: number; cpu: [string, number][] }> {
  const apis = await createApis(ctx, APIS, `bench-sdk-loop-${label}`);
  const client = new ApiGatewayV2Client({
    region: ctx.bed.region,
    endpoint: proxy.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  ctx.log(`no quota: SDK loop (${label}), ${n} creates at concurrency ${concurrency}`);
  const t0 = performance.now();
  const cpuBefore = cpuByCommand();
  await pool(
    Array.from({ length: n }, (_, i) => i),
    concurrency,
    (i) =>
      client.send(
        new CreateIntegrationCommand({
          ApiId: apis[i % APIS],
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: LAMBDA,
          PayloadFormatVersion: '2.0',
          Description: `sdk loop ${label} ${i}`,
        }),
      ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuDelta(cpuBefore, cpuByCommand());
  client.destroy();
  return { seconds, cpu };
}

export async function convergeWithoutQuota(ctx: BenchContext): Promise<SectionResult> {
  const n = ctx.quick ? 300 : 1000;
  const concurrency = 4;
  const proxy = await FaultProxy.start({ upstream: ctx.bed.awsEndpoint, region: ctx.bed.region });
  try {
    // The plain SDK loop, before the operator and again after it: the same creates, same
    // concurrency, same proxy and emulator, so a drift of the emulator over the run shows.
    const before = await sdkLoop(ctx, proxy, n, concurrency, 'before');
    const unlimited = ['--aws-rate', '100000', '--aws-burst', '100000'];
    const op = await operatorRun(
      ctx,
      proxy,
      n,
      [...unlimited, '--workers', String(concurrency)],
      `no quota: operator --workers ${concurrency}`,
    );
    const op8 = await operatorRun(ctx, proxy, n, [...unlimited, '--workers', '8'], 'no quota: operator --workers 8');
    const minimal = await minimalRun(ctx, proxy, n, concurrency, await writtenByOperator(ctx, op.namespace));
    const after = await sdkLoop(ctx, proxy, n, concurrency, 'after');
    const sdkS = (before.seconds + after.seconds) / 2;
    const timed = (label: string, seconds: number, writes: number | string = '-', cpuMs: number | string = '-') => [
      label,
      n,
      round(seconds, 2),
      round(n / seconds),
      round(seconds / sdkS, 2),
      writes,
      cpuMs,
    ];
    const row = (label: string, r: Run) =>
      timed(label, r.convergeS, round(r.kubeWritesPerObject, 2), round((1000 * r.cpuS) / Math.max(1, r.creates), 1));
    const ratio = op.convergeS / sdkS;
    const floorRatio = minimal.convergeS / sdkS;
    const workers8vs4 = op8.convergeS / op.convergeS;
    const writes = Object.entries(op.kubeWrites)
      .map(([k, v]) => `${k} ${round(v / n, 2)}`)
      .join(', ');
    return {
      name: 'convergeWithoutQuota',
      title: `Converge ${n} objects with no quota: operator vs a plain SDK loop (concurrency ${concurrency}, same emulator, same run)`,
      table: {
        headers: [
          'what',
          'objects',
          'seconds',
          'per second',
          'ratio to SDK loop',
          'k8s writes/object',
          'CPU ms/create',
        ],
        rows: [
          timed('plain SDK CreateIntegration loop, before the operator', before.seconds),
          timed('plain SDK CreateIntegration loop, after it', after.seconds),
          timed(
            `minimal client: the operator's 3 writes, Event and create per object in a plain loop (concurrency ${concurrency})`,
            minimal.convergeS,
            round(minimal.kubeWritesPerObject, 2),
          ),
          row(`operator (--workers ${concurrency}, budget unlimited)`, op),
          row('operator (--workers 8, budget unlimited)', op8),
        ],
      },
      notes: [
        `API-server writes per created object (counted by the API server, apiserver_request_total): ${round(op.kubeWritesPerObject, 2)} to the ApiIntegration (${writes}), plus ${round(op.eventsPerObject, 2)} Events.`,
        `Ratios are to the mean of the two SDK loop runs (${round(sdkS, 2)} s), one before the operator's runs and one after them.`,
        `Per object the operator makes ${round(op.awsCalls / n, 2)} AWS calls; the loop makes one.`,
        `Operator CPU: ${round(op.cpuS)} s with 4 workers, ${round(op8.cpuS)} s with 8; time measured from the first AWS call (start-up ${round(op.startupS)} s / ${round(op8.startupS)} s excluded).`,
        `--workers 8 took ${round(workers8vs4, 2)}× the time of --workers 4 (≤ 1: more workers are not slower).`,
        `The minimal client sets the floor for this design on this machine: the API server, etcd and the emulator alone make it ${round(floorRatio, 2)}× the SDK loop. The operator took ${round(op.convergeS / minimal.convergeS, 2)}× the minimal client.`,
        `CPU seconds on the whole machine by command: SDK loop ${cpuText(before.cpu)}; minimal client ${cpuText(minimal.machineCpu)}; operator --workers ${concurrency} ${cpuText(op.machineCpu)} (the operator and this process are both node).`,
      ],
      data: {
        objects: n,
        concurrency,
        sdkLoopS: sdkS,
        sdkLoopBeforeS: before.seconds,
        sdkLoopAfterS: after.seconds,
        operator: op,
        operatorWorkers8: op8,
        ratio,
        workers8vs4,
        minimal,
        floorRatio,
        vsMinimal: op.convergeS / minimal.convergeS,
      },
    };
  } finally {
    await proxy.close();
  }
}
