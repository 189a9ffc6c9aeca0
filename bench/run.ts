// `npm run bench [-- --quick] [-- --only converge,quota,routes,conflicts,steady,memory,deploy] [-- --scale N]`:
// builds the operator (dist/, as the image runs it), starts a private test bed (etcd +
// kube-apiserver + moto), runs the benchmarks one after another, prints each one's figures as a
// table, then the summary figures, and writes them all to bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { buildCrdYaml } from '../src/api/v1alpha1/crd.ts';
import { buildRouteCrdYaml } from '../src/api/v1alpha1/route-crd.ts';
import { emulatorClient } from '../test/faultproxy/inventory.ts';
import { startTestbed, stopTestbed } from '../test/testbed/testbed.ts';
import { convergeOnOneApi } from './conflicts.ts';
import { convergeAtQuota, convergeWithoutQuota } from './converge.ts';
import { deployAtScale } from './deploy.ts';
import { formatTable, machine, type BenchContext, type SectionResult } from './lib/context.ts';
import { crPath, Kube } from './lib/kube.ts';
import { buildOperator, chartNodeOptions, OPERATOR_FROM } from './lib/operator.ts';
import { summarize, summaryTable } from './lib/summary.ts';
import { routePath, routesAtQuota } from './routes.ts';
import { memoryAtScale, steadyState, updateLatency, type MemoryRow } from './steady.ts';

const GROUPS = ['converge', 'quota', 'routes', 'conflicts', 'steady', 'memory', 'deploy'] as const;
type Group = (typeof GROUPS)[number];

function parseArgs(argv: string[]): { quick: boolean; only: Set<Group>; scale?: number } {
  const quick = argv.includes('--quick');
  const value = (flag: string) => (argv.includes(flag) ? (argv[argv.indexOf(flag) + 1] ?? '') : undefined);
  const onlyArg = value('--only');
  const only = new Set<Group>(
    onlyArg !== undefined
      ? onlyArg.split(',').filter((g): g is Group => (GROUPS as readonly string[]).includes(g))
      : GROUPS,
  );
  const scaleArg = value('--scale');
  const scale = scaleArg === undefined ? undefined : Number(scaleArg);
  const unknown = argv.filter(
    (a, j) =>
      a.startsWith('--') &&
      !['--quick', '--only', '--scale'].includes(a) &&
      !['--only', '--scale'].includes(argv[j - 1] ?? ''),
  );
  if (unknown.length > 0 || only.size === 0 || (scale !== undefined && !(Number.isInteger(scale) && scale > 0))) {
    console.error(`usage: npm run bench [-- --quick] [-- --only ${GROUPS.join(',')}] [-- --scale OBJECTS]`);
    process.exit(2);
  }
  return { quick, only, ...(scale !== undefined ? { scale } : {}) };
}

/** Both CRDs: the operator runs its ApiRoute controller only when the ApiRoute CRD is served. */
async function installCrd(kube: Kube): Promise<void> {
  const path = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  await kube.request('POST', path, parse(buildCrdYaml()));
  await kube.request('POST', path, parse(buildRouteCrdYaml()));
  for (let i = 0; i < 300; i++) {
    try {
      await kube.request('GET', crPath('default'));
      await kube.request('GET', routePath('default'));
      return;
    } catch {
      await sleep(200);
    }
  }
  throw new Error('the ApiIntegration and ApiRoute CRDs were not served within 60 s');
}

function print(s: SectionResult): void {
  console.log(`\n## ${s.title}\n`);
  console.log(formatTable(s.table));
  for (const n of s.notes) console.log(`- ${n}`);
}

async function main(): Promise<void> {
  const { quick, only, scale } = parseArgs(process.argv.slice(2));
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  const started = Date.now();
  // Before the test bed: a tree that does not build fails at once.
  buildOperator(undefined, log);
  log(`starting a test bed (${quick ? 'quick' : 'full'} run)`);
  // Listings in one page, as in the figures BENCHMARKS.md records: AWS documents no page size, and
  // the suites, not the benchmarks, are where paging is exercised.
  const bed = await startTestbed({ log: (m) => log(m), proxy: { pageSize: 0 } });
  const kube = new Kube({ server: bed.apiserverUrl, token: bed.adminToken, caFile: bed.caFile });
  const aws = emulatorClient(bed.awsEndpoint, bed.region);
  const ctx: BenchContext = { quick, bed, kube, aws, log, ...(scale !== undefined ? { scale } : {}) };
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
    const chart = chartNodeOptions();
    const env = {
      ...machine(bed),
      operator: OPERATOR_FROM === 'dist' ? 'node dist/src/main.js (built at the start of the run)' : 'node src/main.ts',
      operatorNodeOptions: `${chart.nodeOptions} (the chart's, for its default ${chart.memoryLimitMiB} MiB limit)`,
    };
    console.log(`# apigw-operator benchmarks (${quick ? '--quick' : 'full'})\n`);
    console.log(
      Object.entries(env)
        .map(([k, v]) => `- ${k}: ${v}`)
        .join('\n'),
    );
    const emit = (s: SectionResult) => {
      sections.push(s);
      print(s);
    };
    await run('converge', async () => emit(await convergeWithoutQuota(ctx)));
    await run('quota', async () => emit(await convergeAtQuota(ctx)));
    await run('routes', async () => emit(await routesAtQuota(ctx)));
    await run('conflicts', async () => emit(await convergeOnOneApi(ctx)));
    // The memory table has a row per process measured: the 1,000 Ready objects of the steady
    // group (when it runs) and the large start-up of the memory group.
    const rows: MemoryRow[] = [];
    await run('steady', async () => {
      const { result, fleet } = await steadyState(ctx);
      emit(result);
      const latency = await updateLatency(ctx, fleet);
      emit(latency.result);
      rows.push(latency.memory);
    });
    await run('memory', async () => emit(await memoryAtScale(ctx, rows)));
    // Last: it installs the ApiStage CRD, and an operator started after that runs its stage controller too.
    await run('deploy', async () => emit(await deployAtScale(ctx)));
    const summary = summarize(sections);
    console.log('\n## Summary\n');
    console.log(formatTable(summaryTable(summary)));
    const out = {
      generatedAt: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      durationS: Math.round((Date.now() - started) / 1000),
      machine: env,
      summary,
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
