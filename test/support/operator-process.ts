// The operator as a real process on the pinned Node, for the tests (from source) and the benchmarks
// (from the build): one place for the environment every run shares and for the process handle.
// It imports nothing of the test bed, so the benchmarks can use it outside jest.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');

export interface OperatorProcess {
  child: ChildProcess;
  pid: number;
  /** pino JSON lines (or text with --log-format text), stdout and stderr together. */
  logFile: string;
  /** performance.now() just before the spawn. */
  spawnedAt: number;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>;
  logs(): Record<string, unknown>[];
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, SIGKILL after 15 s if it is still running, and waits for the exit. */
  stop(): Promise<void>;
}

export interface OperatorLaunch {
  /** The entry point: src/main.ts (Node strips the types) or dist/src/main.js. */
  main: string;
  flags: string[];
  /** Over the shared base: PATH, HOME, moto's fake keys and no metrics listener; undefined removes one. */
  env: Record<string, string | undefined>;
  /** Prefix of the temporary directory that holds the log. */
  logPrefix?: string;
}

export function spawnOperatorProcess(launch: OperatorLaunch): OperatorProcess {
  const logFile = join(mkdtempSync(join(tmpdir(), launch.logPrefix ?? 'apigw-op-')), 'operator.log');
  writeFileSync(logFile, '');
  const fd = openSync(logFile, 'a');
  const spawnedAt = performance.now();
  const child = spawn(NODE, [launch.main, ...launch.flags], {
    stdio: ['ignore', fd, fd],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      APIGW_METRICS_BIND_ADDRESS: '0',
      ...launch.env,
    },
  });
  closeSync(fd);
  const exited = new Promise<number | string>((r) => child.on('exit', (code, signal) => r(code ?? signal ?? -1)));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid: child.pid!,
    logFile,
    spawnedAt,
    exited,
    logs: () =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    kill: (signal = 'SIGTERM') => {
      if (running()) child.kill(signal);
    },
    stop: async () => {
      if (!running()) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}
