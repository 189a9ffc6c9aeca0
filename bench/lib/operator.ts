// The operator as the benchmarks run it: a real process from source on the pinned Node, against
// the benchmark's test bed, with its AWS calls going wherever the benchmark points them.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestbedInfo } from '../../test/testbed/testbed.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');

export interface BenchOperator {
  child: ChildProcess;
  pid: number;
  logFile: string;
  spawnedAt: number;
  exited: Promise<void>;
  stop(): Promise<void>;
}

/** `root`: a checkout to run the operator from (another version, for side-by-side figures). */
export function startOperator(bed: TestbedInfo, awsEndpoint: string, flags: string[], env: Record<string, string> = {}, root = ROOT): BenchOperator {
  const logFile = join(mkdtempSync(join(tmpdir(), 'apigw-bench-op-')), 'operator.log');
  const fd = openSync(logFile, 'a');
  const spawnedAt = performance.now();
  const child = spawn(NODE, [join(root, 'src', 'main.ts'), '--region', bed.region, '--aws-endpoint', awsEndpoint, ...flags], {
    stdio: ['ignore', fd, fd],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      KUBECONFIG: bed.kubeconfig,
      // A deployed operator serves its probes; the listener also keeps an idle process alive.
      APIGW_METRICS_BIND_ADDRESS: '0',
      APIGW_HEALTH_PROBE_BIND_ADDRESS: '127.0.0.1:0',
      ...env,
      // Extra Node options for the process under test (e.g. a profiler), from the benchmark's caller.
      NODE_OPTIONS: [env.NODE_OPTIONS, process.env.BENCH_OPERATOR_NODE_OPTIONS].filter(Boolean).join(' '),
    },
  });
  closeSync(fd);
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    child,
    pid: child.pid!,
    logFile,
    spawnedAt,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
