// `npm run bench [-- --quick] [-- --only converge,quota,conflicts,steady]`: starts a private test bed
// (etcd + kube-apiserver + moto), runs the benchmarks one after another, prints each one's figures
// as a table and writes them all to bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { buildCrdYaml } from '../src/api/v1alpha1/crd.ts';
import { emulatorClient } from '../test/faultproxy/inventory.ts';
import { startTestbed, stopTestbed } from '../test/testbed/testbed.ts';
import { convergeOnOneApi } from './conflicts.ts';
import { convergeAtQuota, convergeWithoutQuota } from './converge.ts';
import { formatTable, machine, type BenchContext, type SectionResult } from './lib/context.ts';
import { crPath, Kube } from './lib/kube.ts';
import { memoryAtScale, steadyState, updateLatency, type MemoryRow } from './steady.ts';

const GROUPS = ['converge', 'quota', 'conflicts', 'steady'] as const;
type Group = (typeof GROUPS)[number];

function parseArgs(argv: string[]): { quick: boolean; only: Set<Group> } {
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--only');
  const only = new Set<Group>(i >= 0 ? (argv[i + 1] ?? '').split(',').filter((g): g is Group => (GROUPS as readonly string[]).includes(g)) : GROUPS);
  const unknown = argv.filter((a, j) => a.startsWith('--') && !['--quick', '--only'].includes(a) && argv[j - 1] !== '--only');
  if (unknown.length > 0 || only.size === 0) {
    console.error(`usage: npm run bench [-- --quick] [-- --only ${GROUPS.join(',')}]`);
    process.exit(2);
  }
  return { quick, only };
}

async function installCrd(kube: Kube): Promise<void> {
  await kube.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', parse(buildCrdYaml()));
  for (let i = 0; i < 300; i++) {
    try {
      await kube.request('GET', crPath('default'));
      return;
    } catch {
      await sleep(200);
    }
  }
  throw new Error('the ApiIntegration CRD was not served within 60 s');
}

function print(s: SectionResult): void {
  console.log(`\n## ${s.title}\n`);
  console.log(formatTable(s.table));
  for (const n of s.notes) console.log(`- ${n}`);
}

async function main(): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  const started = Date.now();
  log(`starting a test bed (${quick ? 'quick' : 'full'} run)`);
  const bed = await startTestbed({ log: (m) => log(m) });
  const kube = new Kube({ server: bed.apiserverUrl, token: bed.adminToken, caFile: bed.caFile });
  const aws = emulatorClient(bed.awsEndpoint, bed.region);
  const ctx: BenchContext = { quick, bed, kube, aws, log };
  const sections: SectionResult[] = [];
  const failures: { group: string; error: string }[] = [];
  const run = async (group: Group, fn: () => Promise<void>) => {
    if (!only.has(group)) return;
    try {
      await fn();
    } catch (err) {
      log(`${group} failed: ${err instanceof Error ? err.stack : String(err)}`);
      failures.push({ group, error: err instanceof Error ? err.message : String(err) });
    }
  };
  try {
    await installCrd(kube);
    const env = machine(bed);
    console.log(`# apigw-operator benchmarks (${quick ? '--quick' : 'full'})\n`);
    console.log(Object.entries(env).map(([k, v]) => `- ${k}: ${v}`).join('\n'));
    const emit = (s: SectionResult) => {
      sections.push(s);
      print(s);
    };
    await run('converge', async () => emit(await convergeWithoutQuota(ctx)));
    await run('quota', async () => emit(await convergeAtQuota(ctx)));
    await run('conflicts', async () => emit(await convergeOnOneApi(ctx)));
    await run('steady', async () => {
      const { result, fleet } = await steadyState(ctx);
      emit(result);
      const rows: MemoryRow[] = [];
      const latency = await updateLatency(ctx, fleet);
      emit(latency.result);
      rows.push(latency.memory);
      emit(await memoryAtScale(ctx, rows));
    });
    const out = {
      generatedAt: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      command: `npm run bench${quick ? ' -- --quick' : ''}`,
      durationS: Math.round((Date.now() - started) / 1000),
      machine: env,
      sections,
      failures,
    };
    const dir = resolve(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'latest.json'), JSON.stringify(out, null, 2) + '\n');
    log(`done in ${out.durationS} s; figures written to bench/results/latest.json`);
  } finally {
    aws.destroy();
    kube.close();
    await stopTestbed(bed);
  }
  if (failures.length > 0) process.exit(1);
}

await main();
