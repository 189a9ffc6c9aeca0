// `apigw-operator import` (and `kubectl apigw import`): reads one API once, learns from the cluster
// (when one is given) which of its integrations, routes and stages objects already manage, and
// writes adopting manifests for the rest, which it then checks with `validate`'s own rules for the
// API's protocol. Reading AWS and the cluster is handed in by the composition root (commands.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NOTHING_MANAGED,
  planImport,
  type ApiSnapshot,
  type ImportOptions,
  type ImportPlan,
  type ManagedIds,
} from './import-plan.ts';
import { FILE_OF, renderImport } from './import-yaml.ts';
import { validateManifests } from './validate.ts';

export interface ImportCommand {
  options: ImportOptions;
  /** Where the files go; absent: the manifests are printed. */
  outDir?: string;
  /** The API as AWS holds it; undefined when it does not exist. */
  read: () => Promise<ApiSnapshot | undefined>;
  /** What the cluster already manages of this API; absent: no cluster was consulted. */
  managed?: (api: ApiSnapshot) => Promise<ManagedIds>;
  /** Where the manifests go without outDir. */
  out: (text: string) => void;
  /** Where a person reads what happened. */
  log: (line: string) => void;
}

/** Writes `files` under `dir`, removing the file of a kind that has nothing now, so a rerun leaves no stale one. */
function writeFiles(dir: string, files: Map<string, string>): string[] {
  mkdirSync(dir, { recursive: true });
  for (const name of Object.values(FILE_OF)) if (!files.has(name)) rmSync(join(dir, name), { force: true });
  return [...files].map(([name, text]) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  });
}

/** Problems `validate` finds in the files (an empty list when they all pass). */
async function problemsIn(dir: string, api: ApiSnapshot): Promise<string[]> {
  const lines: string[] = [];
  const invalid = await validateManifests({
    files: [dir],
    protocol: api.protocol,
    region: api.region,
    out: (l) => lines.push(l),
  });
  return invalid === 0 ? [] : lines.filter((l) => !/: valid/.test(l));
}

/** The manifests (without a directory), the files written, and what was left out. */
function report(cmd: ImportCommand, files: Map<string, string>, written: string[], plan: ImportPlan): void {
  if (!cmd.outDir) cmd.out([...files.values()].join('---\n'));
  else for (const f of written) cmd.log(`wrote ${f}`);
  for (const l of plan.leftOut) cmd.log(`left out ${l.kind} ${l.awsId}: ${l.why}`);
  if (!cmd.managed)
    cmd.log(
      'no cluster consulted (--check-cluster, --kubeconfig or --context): no check for objects that already manage these ids or hold these names',
    );
}

/** Exit code: 0 when the manifests were written and pass validate, 1 otherwise. */
export async function runImport(cmd: ImportCommand): Promise<number> {
  const api = await cmd.read();
  if (!api) {
    cmd.log('import: the API was not found in that region; check --api-id and --region');
    return 1;
  }
  const managed = cmd.managed ? await cmd.managed(api) : NOTHING_MANAGED;
  const plan = planImport(api, cmd.options, managed);
  const files = renderImport(api, plan);
  const dir = cmd.outDir ?? mkdtempSync(join(tmpdir(), 'apigw-import-'));
  try {
    report(cmd, files, writeFiles(dir, files), plan);
    const problems = await problemsIn(dir, api);
    for (const p of problems) cmd.log(p);
    cmd.log(
      problems.length === 0
        ? `${plan.manifests.length} object(s) for API ${api.apiId}; all pass validate for a ${api.protocol} API`
        : `import: the manifests above do not pass validate`,
    );
    return problems.length === 0 ? 0 : 1;
  } finally {
    if (!cmd.outDir) rmSync(dir, { recursive: true, force: true });
  }
}
