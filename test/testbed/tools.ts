// Locates the real binaries the test bed runs. They are built by hack/build-tools.sh into a cache
// outside the checkout; a missing one is a hard failure that says how to get it.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Tools {
  kubeApiserver: string;
  etcd: string;
  /** helm v3 (HELM_VERSION in hack/versions.env). */
  helm: string;
  /** helm v4 (HELM4_VERSION): its --wait is the kstatus watcher, the library Flux waits with. */
  helm4: string;
  /** gopher-lua's interpreter: the Lua VM Argo CD runs health checks in. */
  glua: string;
  motoPython: string;
  kubectl: string;
}

export const FIX_HINT = 'run `npm run tools` (bash hack/build-tools.sh), or `make test` which does it for you';

export function toolsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.APIGW_TOOLS_CACHE) return env.APIGW_TOOLS_CACHE;
  const cache = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cache, 'apigw-operator', 'tools');
}

export class MissingToolError extends Error {
  readonly tool: string;
  constructor(tool: string, detail: string) {
    super(`test bed tool '${tool}' is not available: ${detail}. To fix: ${FIX_HINT}.`);
    this.name = 'MissingToolError';
    this.tool = tool;
  }
}

function readToolsEnv(dir: string): Record<string, string> {
  const file = join(dir, 'tools.env');
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function executable(tool: string, path: string | undefined): string {
  if (!path) throw new MissingToolError(tool, 'not listed in the tools cache');
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new MissingToolError(tool, `${path} is missing or not executable`);
  }
  return path;
}

function onPath(tool: string, env: NodeJS.ProcessEnv): string {
  for (const dir of (env.PATH ?? '').split(':')) {
    const candidate = join(dir, tool);
    if (existsSync(candidate)) return candidate;
  }
  throw new MissingToolError(
    tool,
    'not found on PATH (install kubectl from your distribution or the Kubernetes release)',
  );
}

export function findTools(env: NodeJS.ProcessEnv = process.env): Tools {
  const listed = readToolsEnv(toolsCacheDir(env));
  return {
    kubeApiserver: executable('kube-apiserver', env.TESTBED_KUBE_APISERVER ?? listed.KUBE_APISERVER),
    etcd: executable('etcd', env.TESTBED_ETCD ?? listed.ETCD),
    helm: executable('helm', env.TESTBED_HELM ?? listed.HELM),
    helm4: executable('helm v4', env.TESTBED_HELM4 ?? listed.HELM4),
    glua: executable('glua', env.TESTBED_GLUA ?? listed.GLUA),
    motoPython: executable('moto (python with moto[server])', env.TESTBED_MOTO_PYTHON ?? listed.MOTO_PYTHON),
    kubectl: env.TESTBED_KUBECTL ?? onPath('kubectl', env),
  };
}

/** The release checks' tools, built by hack/build-tools.sh next to the test bed's. */
export interface ReleaseTools {
  /** The CNCF distribution registry (an OCI registry). */
  registry: string;
  actionlint: string;
  validateKrewManifest: string;
  /** krew itself; the manifest validator runs it as `kubectl krew install`. */
  krew: string;
}

export function findReleaseTools(env: NodeJS.ProcessEnv = process.env): ReleaseTools {
  const listed = readToolsEnv(toolsCacheDir(env));
  return {
    registry: executable('registry (CNCF distribution)', listed.REGISTRY),
    actionlint: executable('actionlint', listed.ACTIONLINT),
    validateKrewManifest: executable('validate-krew-manifest', listed.VALIDATE_KREW_MANIFEST),
    krew: executable('krew', listed.KREW),
  };
}
