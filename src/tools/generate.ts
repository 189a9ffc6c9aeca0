// `npm run generate`: writes the CRD YAML derived from the schema into crds/ and the Helm chart's
// copy. With `--check` it writes nothing and exits 1 when a committed file is stale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, buildCrdYaml } from '../api/v1alpha1/crd.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const TARGETS = [CRD_FILE, 'charts/apigw-operator/files/apiintegrations.apigw.dev.yaml'];

function main(argv: readonly string[]): number {
  const wanted = buildCrdYaml();
  if (argv.includes('--check')) {
    const stale = TARGETS.filter((t) => readOrEmpty(join(repoRoot, t)) !== wanted);
    for (const t of stale)
      console.error(
        `${t} is out of date with src/api/v1alpha1/schema.ts; run \`npm run generate\` and commit the result`,
      );
    return stale.length === 0 ? 0 : 1;
  }
  for (const t of TARGETS) {
    const target = join(repoRoot, t);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, wanted);
    console.log(`wrote ${t}`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
