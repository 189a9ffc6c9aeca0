// Convergence benchmarks. At the real quota: N new objects through the fault proxy holding API
// Gateway's 10 requests/s, burst 40 — how close does the operator get to the physical limit
// (N − burst)/rate, and how many 429s does it provoke? Without a quota: the operator against a
// plain SDK loop making the same creates at the same concurrency, on the same emulator, same run.
import { ApiGatewayV2Client, CreateIntegrationCommand } from '@aws-sdk/client-apigatewayv2';
import { AWS_QUOTA, FaultProxy } from '../test/faultproxy/proxy.ts';
import { createApis, lambdaSpec, LAMBDA, newNamespace, pool, round, type BenchContext, type SectionResult } from './lib/context.ts';
import { createObject, writeCounts } from './lib/kube.ts';
import { cpuSeconds, startOperator } from './lib/operator.ts';
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
  kubeWritesPerObject: number;
}

/** Pre-creates N objects, starts the operator through `proxy`, and times it until all are Ready. */
async function operatorRun(ctx: BenchContext, proxy: FaultProxy, n: number, flags: string[], label: string): Promise<Run> {
  const ns = await newNamespace(ctx, 'bench-converge');
  const apis = await createApis(ctx, APIS, ns);
  await pool(Array.from({ length: n }, (_, i) => i), 16, (i) => createObject(ctx.kube, ns, `obj-${i}`, lambdaSpec(apis[i % APIS]!)));
  const tracker = new ReadyTracker(ctx.kube, ns);
  await tracker.start();
  proxy.resetStats();
  const writesBefore = await writeCounts(ctx.kube);
  ctx.log(`${label}: ${n} objects created; starting the operator`);
  const op = startOperator(ctx.bed, proxy.url, ['--watch-namespaces', ns, ...flags]);
  try {
    await tracker.waitFor(`${n} objects Ready`, () => tracker.readyCount() >= n, 30 * 60_000);
    const cpuS = cpuSeconds(op.pid);
    const records = proxy.records();
    const first = Math.min(...records.map((r) => r.start));
    const writesAfter = await writeCounts(ctx.kube);
    const crWrites = [...writesAfter].filter(([k]) => k.startsWith('apiintegrations')).reduce((s, [k, v]) => s + v - (writesBefore.get(k) ?? 0), 0);
    return {
      convergeS: (epoch(tracker.lastReadyAt()) - first) / 1000,
      startupS: (first - epoch(op.spawnedAt)) / 1000,
      awsCalls: records.length,
      throttled: proxy.count({ outcome: 'throttled' }),
      creates: proxy.appliedWrites().filter((w) => w.operation === 'CreateIntegration').length,
      cpuS,
      kubeWritesPerObject: crWrites / n,
    };
  } finally {
    await op.stop();
    await tracker.stop();
  }
}

export async function convergeAtQuota(ctx: BenchContext): Promise<SectionResult> {
  const n = ctx.quick ? 200 : 1000;
  const limitS = (n - AWS_QUOTA.burst) / AWS_QUOTA.ratePerSec;
  const variants = [
    { label: 'operator defaults (--aws-rate 8 --aws-burst 30)', flags: [] as string[] },
    { label: 'budget equal to the quota (--aws-rate 10 --aws-burst 40)', flags: ['--aws-rate', '10', '--aws-burst', '40'] },
  ];
  const runs: (Run & { label: string })[] = [];
  for (const v of variants) {
    const proxy = await FaultProxy.start({ upstream: ctx.bed.awsEndpoint, region: ctx.bed.region, quota: AWS_QUOTA });
    try {
      runs.push({ label: v.label, ...(await operatorRun(ctx, proxy, n, v.flags, `quota: ${v.label}`)) });
    } finally {
      await proxy.close();
    }
  }
  return {
    name: 'convergeAtQuota',
    title: `Converge ${n} new objects through the proxy at API Gateway's quota (10 requests/s, burst 40)`,
    table: {
      headers: ['operator budget', 'objects', 'converge s', 'limit (N−40)/10 s', 'ratio', '429s', 'AWS calls', 'creates', 'operator CPU s'],
      rows: runs.map((r) => [r.label, n, round(r.convergeS), round(limitS), round(r.convergeS / limitS, 2), r.throttled, r.awsCalls, r.creates, round(r.cpuS)]),
    },
    notes: [
      'Time runs from the operator\'s first AWS call to the last object seen Ready through a watch; process start-up (' +
        runs.map((r) => `${round(r.startupS)} s`).join(', ') + ') is excluded.',
      'The physical limit counts only the creates; the operator also makes one GetApi per API (10 calls).',
      'The default budget deliberately stays below the account quota, which other clients share.',
    ],
    data: { objects: n, limitS, runs },
  };
}

export async function convergeWithoutQuota(ctx: BenchContext): Promise<SectionResult> {
  const n = ctx.quick ? 300 : 1000;
  const concurrency = 4;
  const proxy = await FaultProxy.start({ upstream: ctx.bed.awsEndpoint, region: ctx.bed.region });
  try {
    // The plain SDK loop: the same creates, same concurrency, same proxy and emulator.
    const apis = await createApis(ctx, APIS, 'bench-sdk-loop');
    const client = new ApiGatewayV2Client({ region: ctx.bed.region, endpoint: proxy.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 });
    ctx.log(`no quota: SDK loop, ${n} creates at concurrency ${concurrency}`);
    const t0 = performance.now();
    await pool(Array.from({ length: n }, (_, i) => i), concurrency, (i) =>
      client.send(new CreateIntegrationCommand({ ApiId: apis[i % APIS], IntegrationType: 'AWS_PROXY', IntegrationUri: LAMBDA, PayloadFormatVersion: '2.0', Description: `sdk loop ${i}` })),
    );
    const sdkS = (performance.now() - t0) / 1000;
    client.destroy();
    const op = await operatorRun(ctx, proxy, n, ['--aws-rate', '100000', '--aws-burst', '100000', '--workers', String(concurrency)], 'no quota: operator');
    return {
      name: 'convergeWithoutQuota',
      title: `Converge ${n} objects with no quota: operator vs a plain SDK loop (concurrency ${concurrency}, same emulator, same run)`,
      table: {
        headers: ['what', 'objects', 'seconds', 'per second', 'ratio to SDK loop'],
        rows: [
          ['plain SDK CreateIntegration loop', n, round(sdkS, 2), round(n / sdkS), 1],
          [`operator (--workers ${concurrency}, budget unlimited)`, n, round(op.convergeS, 2), round(n / op.convergeS), round(op.convergeS / sdkS, 2)],
        ],
      },
      notes: [
        `Per object the operator makes ${round(op.awsCalls / n, 2)} AWS calls and ${round(op.kubeWritesPerObject, 1)} writes to the ApiIntegration (finalizer, create-pending marker, recorded id, status), plus an Event; the loop makes one call.`,
        `Operator CPU for the run: ${round(op.cpuS)} s; time measured from its first AWS call (start-up ${round(op.startupS)} s excluded).`,
      ],
      data: { objects: n, concurrency, sdkLoopS: sdkS, operator: op, ratio: op.convergeS / sdkS },
    };
  } finally {
    await proxy.close();
  }
}
