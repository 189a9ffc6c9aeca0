// Runs the operator as a real process (from source, on the pinned Node), for tests that need
// signals, SIGKILL, several replicas or a separate identity. Logs are pino JSON lines in a file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tb } from './cluster.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');

export interface OperatorProcess {
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>;
  logs(): Record<string, unknown>[];
  kill(signal?: NodeJS.Signals): void;
}

export function spawnOperator(flags: string[], env: Record<string, string> = {}): OperatorProcess {
  const dir = mkdtempSync(join(tmpdir(), 'apigw-op-'));
  const logFile = join(dir, 'operator.log');
  writeFileSync(logFile, '');
  const fd = openSync(logFile, 'a');
  const child = spawn(NODE, [join(ROOT, 'src', 'main.ts'), ...flags], {
    stdio: ['ignore', fd, fd],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: tb.region,
      AWS_ENDPOINT_URL_APIGATEWAYV2: tb.awsEndpoint,
      KUBECONFIG: tb.kubeconfig,
      APIGW_METRICS_BIND_ADDRESS: '0',
      APIGW_HEALTH_PROBE_BIND_ADDRESS: '0',
      APIGW_LEADER_ELECTION_NAMESPACE: 'default',
      ...env,
    },
  });
  closeSync(fd);
  const exited = new Promise<number | string>((r) => child.on('exit', (code, signal) => r(code ?? signal ?? -1)));
  return {
    child,
    pid: child.pid!,
    logFile,
    exited,
    logs: () =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
