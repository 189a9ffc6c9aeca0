// How `import` lays its manifests out: one file per kind, apiintegrations.yaml, apiroutes.yaml and
// apistages.yaml (in that order `kubectl apply -f DIR` reads them), each object a YAML document in
// name order under a comment saying where it came from, and the objects of that kind left out
// listed in the file's header. The same API gives the same bytes on every run.
import { stringify } from 'yaml';
import { ROUTE_KIND } from '../api/v1alpha1/route-schema.ts';
import { KIND } from '../api/v1alpha1/schema.ts';
import { STAGE_KIND } from '../api/v1alpha1/stage-schema.ts';
import type { ApiSnapshot, ImportKind, ImportPlan } from './import-plan.ts';

export const FILE_OF: Record<ImportKind, string> = {
  [KIND]: 'apiintegrations.yaml',
  [ROUTE_KIND]: 'apiroutes.yaml',
  [STAGE_KIND]: 'apistages.yaml',
};

const WHAT: Record<ImportKind, string> = { [KIND]: 'integration', [ROUTE_KIND]: 'route', [STAGE_KIND]: 'stage' };

const comment = (lines: string[]) => lines.map((l) => `# ${l}`.trimEnd()).join('\n');

// YAML 1.1 output: kubectl reads 1.1, where a bare OFF or yes is a boolean, so such strings must be
// quoted (loggingLevel "OFF"); the yaml package quotes them in 1.1 mode.
const toYaml = (o: unknown) => stringify(o, { version: '1.1', lineWidth: 0 });

/** The files to write, by name, for `plan`; a kind with nothing to write or leave out has no file. */
export function renderImport(api: ApiSnapshot, plan: ImportPlan): Map<string, string> {
  const files = new Map<string, string>();
  for (const kind of [KIND, ROUTE_KIND, STAGE_KIND] as ImportKind[]) {
    const manifests = plan.manifests.filter((m) => m.kind === kind);
    const leftOut = plan.leftOut.filter((l) => l.kind === kind);
    if (manifests.length === 0 && leftOut.length === 0) continue;
    const header = [
      `${kind} objects for API ${api.apiId} (${api.protocol}) in ${api.region}, written by apigw-operator import.`,
      ...(leftOut.length > 0 ? ['', `Left out:`, ...leftOut.map((l) => `- ${WHAT[kind]} ${l.awsId}: ${l.why}`)] : []),
    ];
    const docs = manifests.map((m) => `${comment(m.comments)}\n${toYaml(m.object)}`);
    files.set(FILE_OF[kind], `${comment(header)}\n${docs.length > 0 ? `---\n${docs.join('---\n')}` : ''}`);
  }
  return files;
}
