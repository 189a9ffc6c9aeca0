// What every benchmark gets: the test bed, a Kubernetes client, a direct emulator client, helpers
// to make APIs, namespaces and many objects, and the result shape each benchmark returns.
import { CreateApiCommand, type ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import type { TestbedInfo } from '../../test/testbed/testbed.ts';
import { createNamespace, type Kube } from './kube.ts';
import { pool } from '../../test/support/pool.ts';

export interface Table {
  headers: string[];
  rows: (string | number)[][];
}

export interface SectionResult {
  name: string;
  title: string;
  table: Table;
  notes: string[];
  data: Record<string, unknown>;
}

export interface BenchContext {
  quick: boolean;
  /** Objects of the memory benchmark when given (--scale N). */
  scale?: number;
  bed: TestbedInfo;
  kube: Kube;
  aws: ApiGatewayV2Client;
  log(msg: string): void;
}

let seq = 0;

export async function newNamespace(ctx: BenchContext, prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}-${seq++}`;
  await createNamespace(ctx.kube, name);
  return name;
}

export async function createApis(ctx: BenchContext, n: number, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    out.push((await ctx.aws.send(new CreateApiCommand({ Name: `${prefix}-${i}`, ProtocolType: 'HTTP' }))).ApiId!);
  return out;
}

export const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:bench';
export const lambdaSpec = (apiId: string, over: Record<string, unknown> = {}) => ({
  apiId,
  integrationType: 'AWS_PROXY',
  integrationUri: LAMBDA,
  payloadFormatVersion: '2.0',
  ...over,
});

export { pool };

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const round = (x: number, digits = 1) => Number(x.toFixed(digits));
export const MiB = 1024 * 1024;

export function formatTable(t: Table): string {
  const cells = [t.headers, ...t.rows.map((r) => r.map(String))];
  const widths = t.headers.map((_, c) => Math.max(...cells.map((r) => String(r[c] ?? '').length)));
  const line = (r: (string | number)[]) =>
    r
      .map((v, c) => String(v).padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(t.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')[0]!;
  } catch {
    return 'unknown';
  }
}

export function machine(bed: TestbedInfo): Record<string, string | number> {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    kernel: release(),
    node: process.version,
    kubeApiserver: version(bed.tools.kubeApiserver, ['--version']),
    etcd: version(bed.tools.etcd, ['--version']),
    moto: version(bed.tools.motoPython, ['-c', 'import moto; print("moto " + moto.__version__)']),
  };
}
