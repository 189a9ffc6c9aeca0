// `apigw-operator validate`: checks ApiIntegration, ApiRoute and ApiStage manifests offline with the same
// rules and messages the controller puts in conditions, so pipelines can refuse them before a sync.
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROUTE_KIND } from '../api/v1alpha1/route-schema.ts';
import { validateRouteSpec } from '../api/v1alpha1/route-validation.ts';
import { KIND } from '../api/v1alpha1/schema.ts';
import { STAGE_KIND } from '../api/v1alpha1/stage-schema.ts';
import { validateStageSpec } from '../api/v1alpha1/stage-validation.ts';
import { API_VERSION, type Protocol } from '../api/v1alpha1/group.ts';
import { formatProblems, validateSpec, type Problem } from '../api/v1alpha1/validation.ts';

/** Each kind the operator serves, with its own validation (the same the controller runs). */
const VALIDATORS: Record<
  string,
  (spec: unknown, protocol?: Protocol) => { ok: true } | { ok: false; problems: Problem[] }
> = {
  [KIND]: validateSpec,
  [ROUTE_KIND]: validateRouteSpec,
  [STAGE_KIND]: validateStageSpec,
};

export interface ValidateOptions {
  files: string[];
  protocol?: Protocol;
  /**
   * Looks the protocol up per apiId when `protocol` is not given (e.g. through AWS); undefined when
   * the API does not exist in that region.
   */
  lookupProtocol?: (apiId: string, region: string) => Promise<Protocol | undefined>;
  /** The region for objects without spec.region, as the operator's default. */
  region?: string;
  out: (line: string) => void;
}

function manifestFiles(paths: string[]): string[] {
  return paths.flatMap((p) => (statSync(p).isDirectory() ? yamlFilesUnder(p) : [p]));
}

/**
 * Every YAML file under `dir`, subdirectories included (GitOps repositories nest), depth first with
 * each directory's entries in name order, so the report reads the same on every machine. Hidden
 * directories (`.git`, `.github`) are skipped, and symbolic links to directories are not followed,
 * so a link cannot make the walk loop.
 */
function yamlFilesUnder(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name.startsWith('.') ? [] : yamlFilesUnder(path);
    return /\.ya?ml$/.test(e.name) && isFile(e, path) ? [path] : [];
  });
}

const isFile = (e: Dirent, path: string) => e.isFile() || (e.isSymbolicLink() && statSync(path).isFile());

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
  if (seen === 0 && invalid === 0) opts.out('no ApiIntegration, ApiRoute or ApiStage objects found');
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
  const { protocol, missing } = await protocolOf(obj, opts);
  const result = validate(obj.spec ?? {}, protocol);
  const problems = [...(missing ? [missing] : []), ...(result.ok ? [] : result.problems)];
  if (problems.length > 0) {
    opts.out(`${name}: invalid\n${formatProblems(problems).replace(/^/gm, '  ')}`);
    return 'invalid';
  }
  const scope = protocol ? ` for a ${protocol} API` : ' (protocol-specific rules not checked: pass --protocol)';
  opts.out(`${name}: valid${scope}`);
  return 'valid';
}

const nameOf = (file: string, obj: Doc) =>
  `${file}: ${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? '(unnamed)'}`;

/**
 * The API's protocol: given, or looked up. An API the lookup does not find is a problem of its own:
 * the operator would wait for it (ApiNotFound) and never become Ready, and a mistyped apiId or a
 * wrong region is the usual cause.
 */
async function protocolOf(obj: Doc, opts: ValidateOptions): Promise<{ protocol?: Protocol; missing?: Problem }> {
  if (opts.protocol) return { protocol: opts.protocol };
  const apiId = obj.spec?.apiId;
  const region = obj.spec?.region ?? opts.region;
  if (!apiId || !opts.lookupProtocol || !region) return {};
  const protocol = await opts.lookupProtocol(apiId, region);
  if (protocol) return { protocol };
  return {
    missing: {
      field: 'spec.apiId',
      message: `API ${apiId} not found in ${region}; fix apiId, or the region (spec.region, else --region)`,
    },
  };
}
