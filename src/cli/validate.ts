// `apigw-operator validate`: checks ApiIntegration manifests offline with the same rules and
// messages the controller puts in conditions, so pipelines can refuse them before a sync.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { API_VERSION, KIND } from '../api/v1alpha1/schema.ts';
import type { Protocol } from '../api/v1alpha1/types.ts';
import { formatProblems, validateSpec } from '../api/v1alpha1/validation.ts';

export interface ValidateOptions {
  files: string[];
  protocol?: Protocol;
  /** Looks the protocol up per apiId when `protocol` is not given (e.g. through AWS). */
  lookupProtocol?: (apiId: string, region?: string) => Promise<Protocol | undefined>;
  out: (line: string) => void;
}

function manifestFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (/\.ya?ml$/.test(f)) out.push(join(p, f));
    } else {
      out.push(p);
    }
  }
  return out;
}

interface Doc {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: { apiId?: string; region?: string };
}

/** Returns the number of invalid objects (0 = all good). */
export async function validateManifests(opts: ValidateOptions): Promise<number> {
  let invalid = 0;
  let seen = 0;
  for (const file of manifestFiles(opts.files)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length > 0) {
        invalid++;
        opts.out(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
        continue;
      }
      const obj = doc.toJS() as Doc | null;
      if (!obj || obj.kind !== KIND || obj.apiVersion !== API_VERSION) continue;
      seen++;
      const name = `${file}: ${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? '(unnamed)'}`;
      const protocol =
        opts.protocol ??
        (obj.spec?.apiId && opts.lookupProtocol
          ? await opts.lookupProtocol(obj.spec.apiId, obj.spec.region)
          : undefined);
      const result = validateSpec(obj.spec ?? {}, protocol);
      if (result.ok) {
        opts.out(
          `${name}: valid${protocol ? ` for a ${protocol} API` : ' (protocol-specific rules not checked: pass --protocol)'}`,
        );
      } else {
        invalid++;
        opts.out(`${name}: invalid\n${formatProblems(result.problems).replace(/^/gm, '  ')}`);
      }
    }
  }
  if (seen === 0 && invalid === 0) opts.out('no ApiIntegration objects found');
  return invalid;
}
