// The operator as the benchmarks run it: a real process on the pinned Node, started the way the
// image and the chart start it (`node dist/src/main.js`, NODE_ENV=production, the chart's
// NODE_OPTIONS) from a build made at the start of the run, against the benchmark's test bed, with
// its AWS calls going wherever the benchmark points them. BENCH_OPERATOR_FROM=source runs
// src/main.ts instead (Node strips the types).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, spawnOperatorProcess, type OperatorProcess } from '../../test/support/operator-process.ts';
import type { TestbedInfo } from '../../test/testbed/testbed.ts';

const NODE = join(ROOT, 'node_modules', '.bin', 'node');

/** The benchmarks' handle on the operator process: the tests' own. */
export type BenchOperator = OperatorProcess;

const CHART = join(ROOT, 'charts', 'apigw-operator');

/** A Kubernetes memory quantity (`256Mi`, `1Gi`, `300M`, bytes) in MiB. */
export function quantityMiB(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(q.trim());
  if (!m) throw new Error(`cannot read the memory quantity '${q}'`);
  const unit: Record<string, number> = {
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    K: 1e3 / 1024 ** 2,
    M: 1e6 / 1024 ** 2,
    G: 1e9 / 1024 ** 2,
    '': 1 / 1024 ** 2,
  };
  return Number(m[1]) * unit[m[2] ?? '']!;
}

/**
 * The NODE_OPTIONS the chart gives the operator, with the container's memory limit made explicit:
 * a process here has no cgroup limit, so a `--max-old-space-size-percentage` would be a share of
 * the whole machine's memory. The limit is the chart's default `resources.limits.memory`.
 */
export function chartNodeOptions(): { nodeOptions: string; memoryLimitMiB: number } {
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as {
    resources?: { limits?: { memory?: string } };
  };
  const limit = values.resources?.limits?.memory;
  if (!limit) throw new Error('the chart sets no default memory limit');
  const memoryLimitMiB = quantityMiB(limit);
  const tpl = readFileSync(join(CHART, 'templates', 'deployment.yaml'), 'utf8');
  const options = /- name: NODE_OPTIONS\s+value: "([^"]*)"/.exec(tpl)?.[1] ?? '';
  const nodeOptions = options.replace(
    /--max-old-space-size-percentage=(\d+(?:\.\d+)?)/,
    (_, p: string) => `--max-old-space-size=${Math.floor((memoryLimitMiB * Number(p)) / 100)}`,
  );
  return { nodeOptions, memoryLimitMiB };
}

export const OPERATOR_FROM: 'dist' | 'source' = process.env.BENCH_OPERATOR_FROM === 'source' ? 'source' : 'dist';

const built = new Set<string>();

/**
 * Compiles `root`'s src/ to `root`/dist with its own tsconfig.build.json (what the Dockerfile's
 * build stage runs), once per checkout and benchmark process, so the figures are of the code in
 * the tree now, not of a stale dist/. A tree that does not compile is not measured.
 */
export function buildOperator(root = ROOT, log: (m: string) => void = () => undefined): void {
  if (OPERATOR_FROM === 'source' || built.has(root)) return;
  log(`building ${root === ROOT ? 'the operator' : root} (tsc -p tsconfig.build.json)`);
  try {
    execFileSync(
      NODE,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (err) {
    const out = String((err as { stdout?: Buffer }).stdout ?? '') + String((err as { stderr?: Buffer }).stderr ?? '');
    throw new Error(`the operator in ${root} does not build:\n${out.slice(0, 4000)}`);
  }
  if (!existsSync(join(root, 'dist', 'src', 'main.js')))
    throw new Error(`no dist/src/main.js in ${root} after the build`);
  built.add(root);
}

/** `root`: a checkout to run the operator from (another version, for side-by-side figures). */
export function startOperator(
  bed: TestbedInfo,
  awsEndpoint: string,
  flags: string[],
  env: Record<string, string> = {},
  root = ROOT,
): BenchOperator {
  buildOperator(root);
  const main = OPERATOR_FROM === 'source' ? join(root, 'src', 'main.ts') : join(root, 'dist', 'src', 'main.js');
  return spawnOperatorProcess({
    main,
    flags: ['--region', bed.region, '--aws-endpoint', awsEndpoint, ...flags],
    logPrefix: 'apigw-bench-op-',
    env: {
      KUBECONFIG: bed.kubeconfig,
      // The start-up identity check: STS straight to the emulator, outside any proxy the benchmark
      // counts or throttles API Gateway calls with.
      AWS_ENDPOINT_URL_STS: bed.motoEndpoint,
      // As the image sets it.
      NODE_ENV: 'production',
      // A deployed operator serves its probes; the listener also keeps an idle process alive.
      APIGW_HEALTH_PROBE_BIND_ADDRESS: '127.0.0.1:0',
      ...env,
      // The chart's options, then the benchmark's (an inspector port), then extra ones from the
      // caller (e.g. a profiler); a later option wins.
      NODE_OPTIONS: [chartNodeOptions().nodeOptions, env.NODE_OPTIONS, process.env.BENCH_OPERATOR_NODE_OPTIONS]
        .filter(Boolean)
        .join(' '),
    },
  });
}

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * CPU seconds used so far by every process on the machine, summed by command name (kube-apiserver,
 * etcd, python3 for the emulator, node for the operator and this process). The difference of two
 * readings says where a phase's CPU went on a machine whose cores all of them share.
 */
export function cpuByCommand(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[comm] = (out[comm] ?? 0) + (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return out;
}

/** `after − before` per command, the busiest first, leaving out commands that used under 0.1 s. */
export function cpuDelta(before: Record<string, number>, after: Record<string, number>): [string, number][] {
  return Object.entries(after)
    .map(([k, v]): [string, number] => [k, Math.round((v - (before[k] ?? 0)) * 10) / 10])
    .filter(([, v]) => v >= 0.1)
    .sort((a, b) => b[1] - a[1]);
}

/** A cpuDelta for a note: `kube-apiserver 16.2, node 10, …`. */
export const cpuText = (xs: [string, number][]) => xs.map(([k, v]) => `${k} ${v}`).join(', ');

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** The highest resident set the process has had so far (the kernel's high-water mark). */
export function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
