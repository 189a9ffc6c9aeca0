// Many objects on one API under API Gateway's per-API write serialization: the proxy answers a
// write with 409 "concurrent modification" while another write on the same API is in flight, as
// AWS does (terraform-provider-aws #18018, #37897). How many 409s does converging N objects on one
// API provoke, and how long does it take? With BENCH_BASELINE_REF=<git ref> the same run also
// measures that version of the operator, side by side, from a temporary worktree.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FaultProxy } from '../test/faultproxy/proxy.ts';
import {
  createApis,
  lambdaSpec,
  newNamespace,
  pool,
  round,
  type BenchContext,
  type SectionResult,
} from './lib/context.ts';
import { createObject } from './lib/kube.ts';
import { startOperator } from './lib/operator.ts';
import { ReadyTracker } from './lib/ready.ts';

const ROOT = resolve(import.meta.dirname, '..');

interface Row {
  label: string;
  convergeS: number;
  conflicts: number;
  writes: number;
  awsCalls: number;
}

async function run(ctx: BenchContext, n: number, label: string, root: string): Promise<Row> {
  const proxy = await FaultProxy.start({
    upstream: ctx.bed.motoEndpoint,
    region: ctx.bed.region,
    fidelity: true,
    conflictOnConcurrentWrites: true,
    label,
  });
  const ns = await newNamespace(ctx, 'bench-conflicts');
  const [api] = await createApis(ctx, 1, ns);
  await pool(
    Array.from({ length: n }, (_, i) => i),
    16,
    (i) => createObject(ctx.kube, ns, `obj-${i}`, lambdaSpec(api!)),
  );
  const tracker = new ReadyTracker(ctx.kube, ns);
  await tracker.start();
  const t0 = performance.now();
  const op = startOperator(ctx.bed, proxy.url, ['--watch-namespaces', ns, '--workers', '4'], {}, root);
  try {
    await tracker.waitFor(`${n} objects Ready`, () => tracker.readyCount() >= n, 15 * 60_000);
    return {
      label,
      convergeS: (tracker.lastReadyAt() - t0) / 1000,
      conflicts: proxy.count({ outcome: 'concurrent_conflict' }),
      writes: proxy.count({ write: true }),
      awsCalls: proxy.records().length,
    };
  } finally {
    await op.stop();
    await tracker.stop();
    await proxy.close();
  }
}

/** A worktree of `ref` sharing this checkout's node_modules; removed by the returned function. */
function baselineCheckout(ref: string): { root: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'apigw-baseline-'));
  execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', dir, ref], { stdio: 'ignore' });
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return {
    root: dir,
    remove: () => {
      execFileSync('git', ['-C', ROOT, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function convergeOnOneApi(ctx: BenchContext): Promise<SectionResult> {
  const n = 50;
  const rows: Row[] = [];
  const ref = process.env.BENCH_BASELINE_REF;
  if (ref) {
    const base = baselineCheckout(ref);
    try {
      rows.push(await run(ctx, n, `baseline ${ref}`, base.root));
    } finally {
      base.remove();
    }
  }
  rows.push(await run(ctx, n, 'this checkout', ROOT));
  const base = rows.length > 1 ? rows[0] : undefined;
  return {
    name: 'convergeOnOneApi',
    title: `Converge ${n} objects on one API with API Gateway's 409 on concurrent writes (4 workers)`,
    table: {
      headers: ['operator', 'converge s', '409s', 'writes sent', 'AWS calls', ...(base ? ['409s vs baseline'] : [])],
      rows: rows.map((r) => [
        r.label,
        round(r.convergeS),
        r.conflicts,
        r.writes,
        r.awsCalls,
        ...(base ? [base.conflicts ? round(r.conflicts / base.conflicts, 2) : '-'] : []),
      ]),
    },
    notes: [
      "Time runs from the operator's start to the last object seen Ready (start-up included, the same for both).",
      'The operator serializes its own writes per API, so the 409s left come from its own retries only when another client writes too.',
    ],
    data: { objects: n, rows },
  };
}
