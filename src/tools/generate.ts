// `npm run generate`: writes the CRD YAML derived from the schema into crds/. With `--check` it
// writes nothing and exits 1 when the committed file is stale, so CI can catch a forgotten run.
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

function main(argv: readonly string[]): number {
  const target = join(repoRoot, CRD_FILE);
  const wanted = buildCrdYaml();
  if (argv.includes('--check')) {
    if (readOrEmpty(target) === wanted) return 0;
    console.error(`${CRD_FILE} is out of date with src/api/v1alpha1/schema.ts; run \`npm run generate\` and commit the result`);
    return 1;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, wanted);
  console.log(`wrote ${CRD_FILE}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
