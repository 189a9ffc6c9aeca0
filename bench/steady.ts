// Benchmarks of a settled operator: what steady state costs in AWS calls and Kubernetes writes per
// object-hour, how long a spec change takes to be applied and reported, and how much memory and
// CPU the process needs with 1,000 and 10,000 Ready objects.
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateIntegrationCommand } from '@aws-sdk/client-apigatewayv2';
import { FINALIZER } from '../src/api/v1alpha1/group.ts';
import { markedDescription } from '../src/apiintegration/desired.ts';
import { recordAnnotations } from '../src/apiintegration/recorded.ts';
import { AWS_QUOTA, FaultProxy } from '../test/faultproxy/proxy.ts';
import { inspect, memoryAfterGc } from '../test/support/inspector.ts';
import { freePort } from '../test/testbed/processes.ts';
import {
  createApis,
  lambdaSpec,
  LAMBDA,
  MiB,
  newNamespace,
  percentile,
  pool,
  round,
  type BenchContext,
  type SectionResult,
} from './lib/context.ts';
import { createObject, crPath, mergePatch, writeCounts, writeDelta } from './lib/kube.ts';
import {
  cpuByCommand,
  cpuDelta,
  cpuSeconds,
  cpuText,
  openFds,
  peakRssBytes,
  rssBytes,
  startOperator,
  type BenchOperator,
} from './lib/operator.ts';
import { ReadyTracker } from './lib/ready.ts';
import type { ApiIntegration } from '../src/api/v1alpha1/types.ts';

const DEFAULT_DRIFT_S = 300;
/** The operator's default --workers: the concurrency of the plain status-write loop it is compared with. */
const WORKERS = 4;
const PACE_MS = 500;

export interface Fleet {
  namespace: string;
  apis: string[];
  objects: number;
}

/** Waits until the proxy has seen traffic and then none for `quietMs`. */
async function quiet(proxy: FaultProxy, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = -1;
  let since = performance.now();
  while (performance.now() < deadline) {
    const n = proxy.records().length;
    if (n !== last) {
      last = n;
      since = performance.now();
    } else if (n > 0 && performance.now() - since >= quietMs) return;
    await sleep(100);
  }
}

export async function steadyState(ctx: BenchContext): Promise<{ result: SectionResult; fleet: Fleet }> {
  const n = 1000;
  const driftS = ctx.quick ? 10 : 20;
  const intervals = ctx.quick ? 4 : 6;
  const ns = await newNamespace(ctx, 'bench-steady');
  const apis = await createApis(ctx, 10, ns);
  await pool(
    Array.from({ length: n }, (_, i) => i),
    16,
    (i) => createObject(ctx.kube, ns, `obj-${i}`, lambdaSpec(apis[i % apis.length]!)),
  );
  const proxy = await FaultProxy.start({ upstream: ctx.bed.awsEndpoint, region: ctx.bed.region });
  const tracker = new ReadyTracker(ctx.kube, ns);
  await tracker.start();
  const op = startOperator(ctx.bed, proxy.url, [
    '--watch-namespaces',
    ns,
    '--aws-rate',
    '1000',
    '--aws-burst',
    '1000',
    '--drift-interval',
    `${driftS}s`,
  ]);
  try {
    ctx.log(`steady: converging ${n} objects (set-up, not measured)`);
    await tracker.waitFor(`${n} Ready`, () => tracker.readyCount() >= n, 20 * 60_000);
    await sleep(driftS * 1500);
    ctx.log(`steady: measuring ${intervals} drift intervals of ${driftS} s`);
    proxy.resetStats();
    const writes0 = await writeCounts(ctx.kube);
    const cpu0 = cpuSeconds(op.pid);
    const t0 = performance.now();
    await sleep(intervals * driftS * 1000);
    const windowS = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(op.pid) - cpu0;
    const writes = writeDelta(writes0, await writeCounts(ctx.kube));
    const delta = (prefix: string) =>
      Object.entries(writes)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((s, [, v]) => s + v, 0);
    const objectHours = (n * windowS) / 3600;
    const byOp = Object.fromEntries(
      Object.entries(proxy.counts()).map(([k, v]) => [k, Object.values(v).reduce((a, b) => a + (b ?? 0), 0)]),
    );
    const aws = proxy.records().length / objectHours;
    const crWrites = delta('apiintegrations') / objectHours;
    const events = delta('events') / objectHours;
    const scaleTo = driftS / DEFAULT_DRIFT_S;
    const result: SectionResult = {
      name: 'steadyState',
      title: `Steady state: ${n} Ready objects on ${apis.length} APIs for ${intervals} drift intervals of ${driftS} s`,
      table: {
        headers: [
          'per object-hour',
          `measured (drift ${driftS} s)`,
          `extrapolated to the default ${DEFAULT_DRIFT_S / 60} min`,
        ],
        rows: [
          ['AWS calls', round(aws, 2), round(aws * scaleTo, 3)],
          ['Kubernetes writes to ApiIntegrations', round(crWrites, 2), round(crWrites * scaleTo, 3)],
          ['Kubernetes Events written', round(events, 2), round(events * scaleTo, 3)],
          [
            'operator CPU (% of one core)',
            round((100 * cpu) / windowS, 1),
            round(((100 * cpu) / windowS) * scaleTo, 2),
          ],
        ],
      },
      notes: [
        `A ${driftS} s drift interval was used so that ${intervals} intervals fit in ${Math.round(windowS)} s; drift checks (and so calls, writes and CPU) scale with 1/interval, so the right column multiplies by ${driftS}/${DEFAULT_DRIFT_S}.`,
        `AWS calls in the window by operation: ${JSON.stringify(byOp)}. Drift checks of objects on one API share one GetIntegrations listing.`,
      ],
      data: {
        objects: n,
        apis: apis.length,
        driftS,
        windowS,
        awsCallsPerObjectHour: aws,
        kubeWritesPerObjectHour: crWrites,
        eventsPerObjectHour: events,
        cpuSeconds: cpu,
        byOperation: byOp,
        extrapolationFactor: scaleTo,
        atDefaultInterval: {
          driftS: DEFAULT_DRIFT_S,
          awsCallsPerObjectHour: aws * scaleTo,
          kubeWritesPerObjectHour: crWrites * scaleTo,
          eventsPerObjectHour: events * scaleTo,
        },
      },
    };
    return { result, fleet: { namespace: ns, apis, objects: n } };
  } finally {
    await op.stop();
    await tracker.stop();
    await proxy.close();
  }
}

export interface MemoryRow {
  objects: number;
  how: string;
  startupS: number;
  startupCpuS: number;
  /** The process's resident high-water mark (VmHWM) at the end of the idle window: start-up included. */
  peakRssMiB: number;
  rssMiB: number;
  rssAfterGcMiB: number;
  heapAfterGcMiB: number;
  idleCpuPct: number;
  fds: number;
}

/** Idle figures of a running operator over `windowS`, then heap and RSS after a forced GC. */
async function idleFigures(
  op: BenchOperator,
  inspectorPort: number,
  windowS: number,
): Promise<Omit<MemoryRow, 'objects' | 'how' | 'startupS' | 'startupCpuS'>> {
  const cpu0 = cpuSeconds(op.pid);
  await sleep(windowS * 1000);
  const idleCpuPct = (100 * (cpuSeconds(op.pid) - cpu0)) / windowS;
  // Read before the inspector attaches: its session and the forced collection cost memory too.
  const peak = peakRssBytes(op.pid);
  const rss = rssBytes(op.pid);
  const fds = openFds(op.pid);
  const session = await inspect(inspectorPort);
  try {
    const m = await memoryAfterGc(session);
    return {
      peakRssMiB: peak / MiB,
      rssMiB: rss / MiB,
      rssAfterGcMiB: m.rss / MiB,
      heapAfterGcMiB: m.heapUsed / MiB,
      idleCpuPct,
      fds,
    };
  } finally {
    session.close();
  }
}

/** Update latency over sequential spec changes, then the 1,000-object memory figures of the same process. */
export async function updateLatency(
  ctx: BenchContext,
  fleet: Fleet,
): Promise<{ result: SectionResult; memory: MemoryRow }> {
  const changes = ctx.quick ? 50 : 200;
  const proxy = await FaultProxy.start({ upstream: ctx.bed.awsEndpoint, region: ctx.bed.region, quota: AWS_QUOTA });
  const tracker = new ReadyTracker(ctx.kube, fleet.namespace);
  await tracker.start();
  const port = await freePort();
  const op = startOperator(ctx.bed, proxy.url, ['--watch-namespaces', fleet.namespace], {
    NODE_OPTIONS: `--inspect=127.0.0.1:${port}`,
  });
  try {
    await quiet(proxy, 3000, 5 * 60_000);
    const startupS = (performance.now() - op.spawnedAt - 3000) / 1000;
    const startupCpuS = cpuSeconds(op.pid);
    const measure = async (first: number, pauseMs: number): Promise<number[]> => {
      const out: number[] = [];
      for (let k = first; k < first + changes; k++) {
        const name = `obj-${(k * 37) % fleet.objects}`;
        const t0 = performance.now();
        const patched = await mergePatch(ctx.kube, crPath(fleet.namespace, name), {
          spec: { timeoutInMillis: 1000 + k },
        });
        const gen = patched.metadata.generation;
        await tracker.waitFor(
          `${name} Ready for generation ${gen}`,
          () => tracker.readyAt(name, gen) !== undefined,
          120_000,
        );
        out.push(tracker.readyAt(name, gen)! - t0);
        if (pauseMs > 0) await sleep(pauseMs);
      }
      return out;
    };
    ctx.log(`latency: ${changes} spec changes, one every ${PACE_MS} ms`);
    const paced = await measure(0, PACE_MS);
    ctx.log(`latency: ${changes} spec changes back to back`);
    const backToBack = await measure(changes, 0);
    const row = (label: string, xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const pct = (p: number) => round(percentile(sorted, p), 0);
      return [
        label,
        xs.length,
        pct(50),
        pct(90),
        pct(99),
        round(sorted.at(-1)!, 0),
        round(xs.reduce((a, b) => a + b, 0) / xs.length, 0),
      ];
    };
    const idle = await idleFigures(op, port, ctx.quick ? 20 : 60);
    const result: SectionResult = {
      name: 'updateLatency',
      title: `Update latency over ${changes} spec changes, one object at a time (${fleet.objects} Ready objects, operator defaults, proxy at the real quota)`,
      table: {
        headers: ['changes', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'mean ms'],
        rows: [row(`paced, one every ${PACE_MS} ms`, paced), row('back to back', backToBack)],
      },
      notes: [
        'From sending the merge patch to seeing Ready for the new generation through a watch: watch delivery, reconcile (GetIntegration, UpdateIntegration), status write and its watch event.',
        'Back to back, each change needs two AWS calls, so once the burst is spent the default budget of 8 calls/s paces changes at about four per second.',
      ],
      data: { changes, pacedMs: paced, backToBackMs: backToBack, paceMs: PACE_MS },
    };
    const memory: MemoryRow = {
      objects: fleet.objects,
      how: 'created through the operator (earlier phase); this process started with them Ready',
      startupS,
      startupCpuS,
      ...idle,
    };
    return { result, memory };
  } finally {
    await op.stop();
    await tracker.stop();
    await proxy.close();
  }
}

/** Objects of the memory benchmark: 10,000 (the scale the README promises), 3,000 in a quick run, or --scale N. */
export const scaleObjects = (ctx: BenchContext) => ctx.scale ?? (ctx.quick ? 3000 : 10_000);

/**
 * Memory and CPU with many Ready objects whose integrations were made directly in the emulator and
 * whose ids are recorded on the objects: the start-up of an operator that finds them all done.
 */
export async function memoryAtScale(ctx: BenchContext, rows: MemoryRow[]): Promise<SectionResult> {
  const n = scaleObjects(ctx);
  // Real HTTP APIs hold at most 300 integrations each.
  const apis = await createApis(ctx, Math.ceil(n / 250), 'bench-scale');
  const ns = await newNamespace(ctx, 'bench-scale');
  ctx.log(`scale: preparing ${n} objects and integrations directly`);
  const objs = await pool(
    Array.from({ length: n }, (_, i) => i),
    16,
    (i) => createObject(ctx.kube, ns, `obj-${i}`, lambdaSpec(apis[i % apis.length]!), { finalizers: [FINALIZER] }),
  );
  const ids = await pool(
    objs,
    8,
    async (o, i) =>
      (
        await ctx.aws.send(
          new CreateIntegrationCommand({
            ApiId: apis[i % apis.length],
            IntegrationType: 'AWS_PROXY',
            IntegrationUri: LAMBDA,
            PayloadFormatVersion: '2.0',
            Description: markedDescription(undefined, o.metadata.uid),
          }),
        )
      ).IntegrationId!,
  );
  await pool(objs, 16, (o, i) =>
    mergePatch(ctx.kube, crPath(ns, o.metadata.name), {
      metadata: {
        annotations: recordAnnotations(ids[i]!, { region: ctx.bed.region, apiId: apis[i % apis.length]! }, Date.now()),
      },
    }),
  );
  const proxy = await FaultProxy.start({ upstream: ctx.bed.awsEndpoint, region: ctx.bed.region, quota: AWS_QUOTA });
  const tracker = new ReadyTracker(ctx.kube, ns);
  await tracker.start();
  const port = await freePort();
  const writes0 = await writeCounts(ctx.kube);
  ctx.log(`scale: starting the operator on ${n} recorded objects`);
  const machine0 = cpuByCommand();
  const op = startOperator(ctx.bed, proxy.url, ['--watch-namespaces', ns], {
    NODE_OPTIONS: `--inspect=127.0.0.1:${port}`,
  });
  try {
    await tracker.waitFor(`${n} Ready`, () => tracker.readyCount() >= n, 30 * 60_000);
    const startupS = (tracker.lastReadyAt() - op.spawnedAt) / 1000;
    const startupCpuS = cpuSeconds(op.pid);
    const startupMachineCpu = cpuDelta(machine0, cpuByCommand());
    const startupPeakRssMiB = peakRssBytes(op.pid) / MiB;
    // The operator's writes; the API server's own (its identity Leases) are left out.
    const writes = Object.fromEntries(
      Object.entries(writeDelta(writes0, await writeCounts(ctx.kube))).filter(
        ([k]) => k.startsWith('apiintegrations') || k.startsWith('events'),
      ),
    );
    const crWrites = Object.entries(writes)
      .filter(([k]) => k.startsWith('apiintegrations'))
      .reduce((a, [, v]) => a + v, 0);
    await quiet(proxy, 2000, 60_000);
    const idle = await idleFigures(op, port, ctx.quick ? 20 : 60);
    rows.push({
      objects: n,
      how: 'integrations created directly in the emulator and recorded on the objects; this process reconciled them to Ready (its own status writes, no creates)',
      startupS,
      startupCpuS,
      ...idle,
    });
    const awsCalls = proxy.records().length;
    await op.stop();
    // What the API server allows: the same number of status writes from a plain client at the
    // operator's concurrency (its 4 workers): each object's status as the operator wrote it, with
    // its conditions' times moved on so that every patch is a real write of the same size.
    const written = (await ctx.kube.request<{ items: ApiIntegration[] }>('GET', crPath(ns))).items;
    const later = new Date(Date.now() + 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    ctx.log(`scale: ${n} status writes from a plain client at concurrency ${WORKERS}`);
    const t0 = performance.now();
    const cpu1 = cpuByCommand();
    await pool(written, WORKERS, (o) =>
      mergePatch(ctx.kube, crPath(ns, o.metadata.name, 'status'), {
        status: {
          ...o.status,
          conditions: (o.status?.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: later })),
        },
      }),
    );
    const plainS = (performance.now() - t0) / 1000;
    const plainMachineCpu = cpuDelta(cpu1, cpuByCommand());
    return {
      name: 'memory',
      title: 'Resident memory and CPU of the operator process (node dist/src/main.js) with Ready objects',
      table: {
        headers: [
          'Ready objects',
          'start-up until all Ready s',
          'start-up CPU s',
          'peak RSS MiB',
          'idle RSS MiB',
          'RSS after GC MiB',
          'heap after GC MiB',
          'idle CPU %',
          'open fds',
        ],
        rows: rows.map((r) => [
          r.objects,
          round(r.startupS),
          round(r.startupCpuS),
          round(r.peakRssMiB),
          round(r.rssMiB),
          round(r.rssAfterGcMiB),
          round(r.heapAfterGcMiB),
          round(r.idleCpuPct, 2),
          r.fds,
        ]),
      },
      notes: [
        ...rows.map((r) => `${r.objects}: ${r.how}.`),
        `${n}-object start-up: from spawning the process to the last object seen Ready, ${round(startupS)} s; peak RSS when all were Ready ${round(startupPeakRssMiB)} MiB; ${round(crWrites / n, 2)} ApiIntegration writes per object (${JSON.stringify(writes)}); ${awsCalls} AWS calls, ${proxy.count({ outcome: 'throttled' })} × 429.`,
        `The same ${n} status writes from a plain client at concurrency ${WORKERS} (each object's status as the operator wrote it, condition times moved on), right after, in the same run: ${round(plainS)} s. The operator's start-up took ${round(startupS / plainS, 2)}× that.`,
        `CPU seconds on the whole machine by command: the operator's start-up ${cpuText(startupMachineCpu)}; the plain writes ${cpuText(plainMachineCpu)} (the operator and this process are both node).`,
        'Peak RSS is the kernel\'s high-water mark (VmHWM) of the process. Idle figures are over a quiet window with the default 5 min drift interval; "after GC" is read through the inspector right after a forced full collection.',
      ],
      data: {
        rows,
        scale: {
          objects: n,
          apis: apis.length,
          startupS,
          startupCpuS,
          startupPeakRssMiB,
          peakRssMiB: idle.peakRssMiB,
          kubeWrites: writes,
          kubeWritesPerObject: crWrites / n,
          awsCalls,
          plainStatusWritesS: plainS,
          startupVsPlainWrites: startupS / plainS,
        },
      },
    };
  } finally {
    await op.stop();
    await tracker.stop();
    await proxy.close();
  }
}
