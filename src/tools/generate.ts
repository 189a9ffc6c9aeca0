// `npm run generate`: writes the CRD YAML derived from each kind's schema into crds/ and the Helm
// chart's copy. With `--check` it writes nothing and exits 1 when a committed file is stale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, buildCrdYaml } from '../api/v1alpha1/crd.ts';
import { ROUTE_CRD_CHART_FILE, ROUTE_CRD_FILE, buildRouteCrdYaml } from '../api/v1alpha1/route-crd.ts';
import { STAGE_CRD_CHART_FILE, STAGE_CRD_FILE, buildStageCrdYaml } from '../api/v1alpha1/stage-crd.ts';
import { buildReasonsModule } from '../cli/reasons-table.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REASONS_MODULE = 'src/cli/reasons.generated.ts';

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

// Each generated file, its content, and the schema it comes from.
const TARGETS: [file: string, build: () => string, source: string][] = [
  [CRD_FILE, buildCrdYaml, 'src/api/v1alpha1/schema.ts'],
  ['charts/apigw-operator/files/apiintegrations.apigw.dev.yaml', buildCrdYaml, 'src/api/v1alpha1/schema.ts'],
  [ROUTE_CRD_FILE, buildRouteCrdYaml, 'src/api/v1alpha1/route-schema.ts'],
  [ROUTE_CRD_CHART_FILE, buildRouteCrdYaml, 'src/api/v1alpha1/route-schema.ts'],
  [STAGE_CRD_FILE, buildStageCrdYaml, 'src/api/v1alpha1/stage-schema.ts'],
  [STAGE_CRD_CHART_FILE, buildStageCrdYaml, 'src/api/v1alpha1/stage-schema.ts'],
  // What `kubectl apigw why` prints comes from the reasons tables of the documentation.
  [REASONS_MODULE, () => buildReasonsModule(readFileSync(join(repoRoot, 'docs/aws.md'), 'utf8')), 'docs/aws.md'],
];

function main(argv: readonly string[]): number {
  if (argv.includes('--check')) {
    const stale = TARGETS.filter(([t, build]) => readOrEmpty(join(repoRoot, t)) !== build());
    for (const [t, , source] of stale)
      console.error(`${t} is out of date with ${source}; run \`npm run generate\` and commit the result`);
    return stale.length === 0 ? 0 : 1;
  }
  for (const [t, build] of TARGETS) {
    const target = join(repoRoot, t);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, build());
    console.log(`wrote ${t}`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
