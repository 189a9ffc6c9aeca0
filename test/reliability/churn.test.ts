// Objects are created, changed and deleted in a loop while the operator's resident memory, heap,
// open file descriptors and active handles are sampled. The heap is read through the inspector
// right after a forced full garbage collection, so what is measured is what is still reachable,
// not how lazily V8 collects. After a warm-up none of it may keep growing: a leak per reconcile,
// per watch event or per AWS connection would show as a steady climb. Reduced: about two minutes;
// full (RELIABILITY_FULL=1): 30 minutes of churn.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FaultProxy } from '../faultproxy/proxy.ts';
import { seededRng } from '../faultproxy/rng.ts';
import { freePort } from '../testbed/processes.ts';
import {
  createApi,
  createObject,
  deleteObject,
  eventually,
  installCrd,
  newNamespace,
  patchSpec,
  sleep,
} from '../support/cluster.ts';
import type { OperatorProcess } from '../support/process.ts';
import {
  auditApis,
  describeAudit,
  inspect,
  lambda,
  listObjects,
  logTail,
  median,
  memoryAfterGc,
  procStats,
  scale,
  spawnThrough,
  startProxy,
  stopOperator,
  waitFor,
  type InspectorSession,
} from './support.ts';

// RELIABILITY_CHURN_SECONDS overrides the duration (warm-up stays a third of it, at most 5 min).
const DURATION = Number(process.env.RELIABILITY_CHURN_SECONDS ?? 0) * 1000 || scale(95_000, 30 * 60_000);
const WARMUP = Math.min(Math.round(DURATION / 3), 5 * 60_000);
const SAMPLE_EVERY = scale(2_500, 15_000);
const LIVE = scale(20, 40);
const MiB = 1024 * 1024;

let ns = '';
let apis: string[] = [];
let proxy: FaultProxy;
let op: OperatorProcess | undefined;
let inspectorPort = 0;
let session: InspectorSession | undefined;

interface Sample {
  at: number;
  rss: number;
  heap: number;
  fds: number;
  handles: number;
}

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('rel-churn');
  apis = await Promise.all([createApi('HTTP', 'rel-churn-0'), createApi('HTTP', 'rel-churn-1')]);
  // Some failures on the way, so error paths are part of what is measured.
  proxy = await startProxy({ seed: 3, faults: { serverError: 0.02, drop: 0.01, lostResponse: 0.02, conflict: 0.01 } });
  inspectorPort = await freePort();
  op = spawnThrough(
    proxy,
    ['--watch-namespaces', ns, '--drift-interval', '5s', '--aws-rate', '50', '--aws-burst', '50'],
    { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}` },
  );
  session = await eventually('the operator inspector', () => inspect(inspectorPort), 30_000, 200);
}, 60_000);

afterAll(async () => {
  session?.close();
  await stopOperator(op);
  await proxy?.close();
});

async function sample(pid: number, t0: number): Promise<Sample> {
  const m = await memoryAfterGc(session!);
  const { rssKiB, fds } = procStats(pid);
  return { at: Date.now() - t0, rss: rssKiB * 1024, heap: m.heapUsed, fds, handles: m.handles };
}

describe(`object churn for ${Math.round(DURATION / 1000)} s`, () => {
  it(
    'keeps memory, file descriptors and handles flat, and leaves nothing behind',
    async () => {
      const rng = seededRng(11);
      const live = new Map<string, number>();
      let seq = 0;
      let ops = 0;
      const t0 = Date.now();
      const samples: Sample[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          try {
            samples.push(await sample(op!.pid, t0));
          } catch {
            /* a scrape can fail under load; the next one counts */
          }
          await sleep(SAMPLE_EVERY);
        }
      })();

      while (Date.now() - t0 < DURATION) {
        const r = rng();
        const names = [...live.keys()];
        if (names.length < LIVE && (r < 0.4 || names.length === 0)) {
          const name = `churn-${seq++}`;
          await createObject(ns, name, lambda(apis[seq % 2]!, { description: `churn ${seq}` }));
          live.set(name, 0);
        } else if (r < 0.7) {
          const name = names[Math.floor(rng() * names.length)]!;
          const v = live.get(name)! + 1;
          await patchSpec(ns, name, { timeoutInMillis: 1000 + v * 10, description: `churn ${name} v${v}` }).catch(
            () => undefined,
          );
          live.set(name, v);
        } else {
          const name = names[Math.floor(rng() * names.length)]!;
          await deleteObject(ns, name).catch(() => undefined);
          live.delete(name);
        }
        ops++;
        await sleep(100);
      }
      sampling = false;
      await sampler;

      // Growth after warm-up: the median of the first samples against the median of the last ones.
      const steady = samples.filter((s) => s.at >= WARMUP);
      const k = Math.max(3, Math.floor(steady.length / 5));
      const head = steady.slice(0, k);
      const tail = steady.slice(-k);
      const growth = (f: (s: Sample) => number) => median(tail.map(f)) - median(head.map(f));
      const report = {
        ops,
        samples: steady.length,
        rssMiB: +(median(tail.map((s) => s.rss)) / MiB).toFixed(1),
        rssGrowthMiB: +(growth((s) => s.rss) / MiB).toFixed(1),
        heapMiB: +(median(tail.map((s) => s.heap)) / MiB).toFixed(1),
        heapGrowthMiB: +(growth((s) => s.heap) / MiB).toFixed(1),
        fds: median(tail.map((s) => s.fds)),
        fdGrowth: growth((s) => s.fds),
        handleGrowth: growth((s) => s.handles),
      };
      const series = samples.map(
        (s) =>
          `${Math.round(s.at / 1000)}s rss=${(s.rss / MiB).toFixed(0)} heap=${(s.heap / MiB).toFixed(1)} fds=${s.fds}`,
      );
      process.stderr.write(`[reliability] churn: ${JSON.stringify(report)}\n  ${series.join('\n  ')}\n`);
      expect(steady.length).toBeGreaterThanOrEqual(6);
      expect(report.heapGrowthMiB).toBeLessThan(scale(8, 16));
      expect(report.rssGrowthMiB).toBeLessThan(scale(48, 64));
      // Sockets come and go with the request rate (the Kubernetes client opens a connection per
      // request), so these wander by tens; a leak would climb by hundreds over the run.
      expect(report.fdGrowth).toBeLessThanOrEqual(40);
      expect(report.handleGrowth).toBeLessThanOrEqual(40);

      // And nothing is left behind once the churn stops.
      for (const name of live.keys()) await deleteObject(ns, name).catch(() => undefined);
      await waitFor(
        'churned objects gone',
        ns,
        (objs) => (objs.length === 0 ? true : `${objs.length} left`),
        120_000,
        () => `${proxy.summary()}\n${logTail(op)}`,
      );
      expect((await listObjects(ns)).length).toBe(0);
      expect(describeAudit(await auditApis(apis, new Map()))).toBe(
        describeAudit({ missing: [], duplicates: [], leaks: [], total: 0 }),
      );
    },
    DURATION + 300_000,
  );
});
