// `apigw-operator validate`: checks ApiIntegration and ApiRoute manifests offline with the same rules and
// messages the controller puts in conditions, so pipelines can refuse them before a sync.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROUTE_KIND } from '../api/v1alpha1/route-schema.ts';
import { validateRouteSpec } from '../api/v1alpha1/route-validation.ts';
import { API_VERSION, KIND } from '../api/v1alpha1/schema.ts';
import type { Protocol } from '../api/v1alpha1/types.ts';
import { formatProblems, validateSpec, type Problem } from '../api/v1alpha1/validation.ts';

/** Each kind the operator serves, with its own validation (the same the controller runs). */
const VALIDATORS: Record<
  string,
  (spec: unknown, protocol?: Protocol) => { ok: true } | { ok: false; problems: Problem[] }
> = {
  [KIND]: validateSpec,
  [ROUTE_KIND]: validateRouteSpec,
};

export interface ValidateOptions {
  files: string[];
  protocol?: Protocol;
  /** Looks the protocol up per apiId when `protocol` is not given (e.g. through AWS). */
  lookupProtocol?: (apiId: string, region?: string) => Promise<Protocol | undefined>;
  out: (line: string) => void;
}

function manifestFiles(paths: string[]): string[] {
  return paths.flatMap((p) => (statSync(p).isDirectory() ? yamlFilesIn(p) : [p]));
}

function yamlFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f));
}

interface Doc {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: { apiId?: string; region?: string };
}

type Verdict = 'valid' | 'invalid' | 'other';
type YamlDocument = ReturnType<typeof parseAllDocuments>[number];

/** Returns the number of invalid objects (0 = all good). */
export async function validateManifests(opts: ValidateOptions): Promise<number> {
  let invalid = 0;
  let seen = 0;
  for (const file of manifestFiles(opts.files)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const verdict = await checkDocument(file, doc, opts);
      if (verdict === 'invalid') invalid++;
      if (verdict !== 'other') seen++;
    }
  }
  if (seen === 0 && invalid === 0) opts.out('no ApiIntegration or ApiRoute objects found');
  return invalid;
}

/** Reports on one YAML document; documents of other kinds are skipped in silence. */
async function checkDocument(file: string, doc: YamlDocument, opts: ValidateOptions): Promise<Verdict> {
  if (doc.errors.length > 0) {
    opts.out(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
    return 'invalid';
  }
  const obj = doc.toJS() as Doc | null;
  const validate = obj?.apiVersion === API_VERSION ? VALIDATORS[obj.kind ?? ''] : undefined;
  if (!obj || !validate) return 'other';
  const name = nameOf(file, obj);
  const protocol = await protocolOf(obj, opts);
  const result = validate(obj.spec ?? {}, protocol);
  if (!result.ok) {
    opts.out(`${name}: invalid\n${formatProblems(result.problems).replace(/^/gm, '  ')}`);
    return 'invalid';
  }
  const scope = protocol ? ` for a ${protocol} API` : ' (protocol-specific rules not checked: pass --protocol)';
  opts.out(`${name}: valid${scope}`);
  return 'valid';
}

const nameOf = (file: string, obj: Doc) =>
  `${file}: ${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? '(unnamed)'}`;

async function protocolOf(obj: Doc, opts: ValidateOptions): Promise<Protocol | undefined> {
  if (opts.protocol) return opts.protocol;
  const apiId = obj.spec?.apiId;
  return apiId && opts.lookupProtocol ? opts.lookupProtocol(apiId, obj.spec?.region) : undefined;
}
