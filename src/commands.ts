// The command-line tools, wired: `validate`, `import`, `tree` and `why`, shared by `apigw-operator`
// (main.ts) and `kubectl-apigw` (cli/kubectl-apigw.ts). Parses each command's flags, builds what
// talks to AWS (the operator's own gateways and client factory) and to the cluster (the Kubernetes
// adapter), and hands them to the offline logic in src/cli. The entry points pass the environment
// and where to print.
import type { KubeConfig } from '@kubernetes/client-node';
import { readApi } from './adapters/aws/api-reader.ts';
import type { GatewayOptions } from './adapters/aws/calls.ts';
import { SdkClientFactory } from './adapters/aws/clients.ts';
import { assumeRole } from './adapters/aws/credentials.ts';
import { ApiGatewayV2Gateway } from './adapters/aws/gateway.ts';
import { KubeObjectReader } from './adapters/kubernetes/object-reader.ts';
import type { Protocol } from './api/v1alpha1/group.ts';
import { ROUTE_PLURAL } from './api/v1alpha1/route-schema.ts';
import { PLURAL } from './api/v1alpha1/schema.ts';
import { STAGE_PLURAL } from './api/v1alpha1/stage-schema.ts';
import { oneOf, parseArgs, UsageError, type ParsedArgs } from './cli/args.ts';
import { kindNamed, managedIdsOf, type ClusterObjects } from './cli/cluster-objects.ts';
import { runImport } from './cli/import.ts';
import type { ApiSnapshot, ImportOptions } from './cli/import-plan.ts';
import { apisOf, renderTree, type AwsIds } from './cli/tree.ts';
import { validateManifests } from './cli/validate.ts';
import { explain } from './cli/why.ts';
import { awsDefaultsFromEnv, ConfigError } from './config.ts';

export interface CommandContext {
  env: NodeJS.ProcessEnv;
  /** Standard output: what a command produces. */
  out: (text: string) => void;
  /** Standard error: what a person reads about it. */
  log: (line: string) => void;
}

interface AwsFlags {
  region?: string;
  endpoint?: string;
  stsEndpoint?: string;
  roleArn?: string;
}

function awsOf(args: ParsedArgs, env: NodeJS.ProcessEnv): AwsFlags {
  const defaults = awsDefaultsFromEnv(env);
  const f = args.flags;
  return {
    region: f.get('region') || defaults.region,
    endpoint: f.get('aws-endpoint') || defaults.awsEndpoint,
    stsEndpoint: f.get('sts-endpoint') || defaults.stsEndpoint,
    roleArn: f.get('role-arn'),
  };
}

function gatewayOptions(aws: AwsFlags): GatewayOptions {
  return {
    clients: new SdkClientFactory({
      ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
      credentialsForRole: assumeRole({ stsEndpoint: aws.stsEndpoint, sessionName: 'apigw-operator-cli' }),
    }),
  };
}

const AWS_FLAGS = {
  region: 'string',
  'aws-endpoint': 'string',
  'sts-endpoint': 'string',
  'role-arn': 'string',
} as const;
const KUBE_FLAGS = { kubeconfig: 'string', context: 'string' } as const;

/** The kubeconfig kubectl would use: --kubeconfig, else $KUBECONFIG or ~/.kube/config; --context picks the context. */
async function kubeConfigOf(args: ParsedArgs): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const kc = new KubeConfig();
  const path = args.flags.get('kubeconfig');
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  const context = args.flags.get('context');
  if (context) kc.setCurrentContext(context);
  return kc;
}

const contextNamespace = (kc: KubeConfig) => kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';

async function clusterObjects(reader: KubeObjectReader, namespace?: string): Promise<ClusterObjects> {
  const [integrations, routes, stages] = await Promise.all([
    reader.list(PLURAL, namespace),
    reader.list(ROUTE_PLURAL, namespace),
    reader.list(STAGE_PLURAL, namespace),
  ]);
  return { integrations, routes, stages };
}

// ---- validate ------------------------------------------------------------------------------------

function parseProtocol(raw: string): Protocol | 'auto' {
  const p = raw.toLowerCase();
  if (!['http', 'websocket', 'auto'].includes(p))
    throw new ConfigError(`--protocol must be http, websocket or auto, not '${p}'`);
  return p === 'auto' ? 'auto' : (p.toUpperCase() as Protocol);
}

async function validateCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs(
    'validate',
    argv,
    { filename: 'string', protocol: 'string', ...AWS_FLAGS },
    { '-f': 'filename' },
  );
  // Every -f counts: parseArgs keeps the last of a repeated flag, so they are collected here.
  const files = argv.flatMap((a, i) => (a === '-f' || a === '--filename' ? [argv[i + 1] ?? ''] : []));
  if (args.positionals.length > 0) throw new ConfigError(`validate: unexpected argument '${args.positionals[0]}'`);
  if (files.length === 0) throw new ConfigError('validate: give at least one -f FILE|DIR');
  const protocol = args.flags.has('protocol') ? parseProtocol(args.flags.get('protocol')!) : undefined;
  const aws = awsOf(args, ctx.env);
  // As the operator, which exits without one: the lookup needs a region, and guessing one would
  // report an API as missing that merely lives elsewhere.
  if (protocol === 'auto' && !aws.region)
    throw new ConfigError('validate --protocol auto: no default AWS region: set --region or AWS_REGION');
  const gateway = protocol === 'auto' ? new ApiGatewayV2Gateway(gatewayOptions(aws)) : undefined;
  const invalid = await validateManifests({
    files,
    protocol: protocol === 'auto' ? undefined : protocol,
    lookupProtocol: gateway
      ? (apiId, r) => gateway.getApiProtocol({ apiId, region: r, ...(aws.roleArn ? { roleArn: aws.roleArn } : {}) })
      : undefined,
    ...(aws.region ? { region: aws.region } : {}),
    out: ctx.out,
  });
  return invalid === 0 ? 0 : 1;
}

// ---- import --------------------------------------------------------------------------------------

const IMPORT_FLAGS = {
  'api-id': 'string',
  namespace: 'string',
  mode: 'string',
  'output-dir': 'string',
  'deletion-policy': 'string',
  'name-prefix': 'string',
  'check-cluster': 'bool',
  'namespace-role': 'bool',
  ...AWS_FLAGS,
  ...KUBE_FLAGS,
} as const;

function importOptionsOf(f: Map<string, string>, aws: AwsFlags): ImportOptions {
  if (f.has('namespace-role') && !aws.roleArn) throw new UsageError('import: --namespace-role goes with --role-arn');
  return {
    namespace: f.get('namespace') || 'default',
    mode: oneOf('import --mode', f.get('mode'), ['adopt', 'observe'] as const, 'adopt'),
    deletionPolicy: oneOf(
      'import --deletion-policy',
      f.get('deletion-policy'),
      ['Retain', 'Delete'] as const,
      'Retain',
    ),
    ...(f.get('name-prefix') ? { namePrefix: f.get('name-prefix') } : {}),
    // The operator has to reach the API through the same role, unless the Namespace's
    // apigw.dev/role-arn gives it that role (--namespace-role): then the spec names none.
    ...(aws.roleArn && !f.has('namespace-role') ? { roleArn: aws.roleArn } : {}),
  };
}

async function importCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs('import', argv, IMPORT_FLAGS, { '-o': 'output-dir', '-n': 'namespace' });
  const f = args.flags;
  const apiId = f.get('api-id');
  if (!apiId || args.positionals.length > 0) throw new UsageError('import: give --api-id ID (and no other arguments)');
  const aws = awsOf(args, ctx.env);
  if (!aws.region) throw new UsageError('import: no AWS region: set --region or AWS_REGION');
  const region = aws.region;
  const loc = { apiId, region, ...(aws.roleArn ? { roleArn: aws.roleArn } : {}) };
  const withCluster = f.has('check-cluster') || f.has('kubeconfig') || f.has('context');
  const reader = withCluster ? new KubeObjectReader(await kubeConfigOf(args)) : undefined;
  const options = importOptionsOf(f, aws);
  return runImport({
    options,
    ...(f.get('output-dir') ? { outDir: f.get('output-dir') } : {}),
    read: async (): Promise<ApiSnapshot | undefined> => {
      const reading = await readApi(gatewayOptions(aws), loc);
      return reading && { apiId, region, ...reading };
    },
    ...(reader
      ? { managed: async () => managedIdsOf(await clusterObjects(reader), apiId, region, options.namespace) }
      : {}),
    out: ctx.out,
    log: ctx.log,
  });
}

// ---- tree and why --------------------------------------------------------------------------------

/** What AWS holds of each API, by `region/apiId`; undefined for an API it does not have. */
async function awsIdsOf(keys: string[], aws: AwsFlags): Promise<Map<string, AwsIds | undefined>> {
  const opts = gatewayOptions(aws);
  const out = new Map<string, AwsIds | undefined>();
  for (const key of keys) {
    const [region, apiId] = key.split('/') as [string, string];
    const reading = region.startsWith('(') ? undefined : await readApi(opts, { apiId, region });
    out.set(
      key,
      reading && {
        integrations: new Set(reading.integrations.map((i) => i.integrationId)),
        routes: new Set(reading.routes.map((r) => r.routeId)),
        stages: new Set(reading.stages.map((s) => s.stageName)),
      },
    );
  }
  return out;
}

async function treeCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const spec = { namespace: 'string', 'all-namespaces': 'bool', aws: 'bool', ...AWS_FLAGS, ...KUBE_FLAGS } as const;
  const args = parseArgs('tree', argv, spec, { '-n': 'namespace', '-A': 'all-namespaces' });
  if (args.positionals.length > 0) throw new UsageError(`tree: unexpected argument '${args.positionals[0]}'`);
  const kc = await kubeConfigOf(args);
  const namespace = args.flags.has('all-namespaces') ? undefined : args.flags.get('namespace') || contextNamespace(kc);
  const objects = await clusterObjects(new KubeObjectReader(kc), namespace);
  const aws = awsOf(args, ctx.env);
  const ids = args.flags.has('aws') ? await awsIdsOf(apisOf(objects, aws.region), aws) : undefined;
  ctx.out(
    renderTree(objects, { ...(aws.region ? { defaultRegion: aws.region } : {}), ...(ids ? { aws: ids } : {}) }).join(
      '\n',
    ),
  );
  return 0;
}

async function whyCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs('why', argv, { namespace: 'string', ...KUBE_FLAGS }, { '-n': 'namespace' });
  const [target, ...extra] = args.positionals;
  const [kindArg, name] = (target ?? '').split('/', 2);
  const kind = kindNamed(kindArg ?? '');
  if (!kind || !name || extra.length > 0)
    throw new UsageError('why: give KIND/NAME, e.g. apiint/orders, apiroute/get-orders or apistage/prod');
  const kc = await kubeConfigOf(args);
  const namespace = args.flags.get('namespace') || contextNamespace(kc);
  const o = await new KubeObjectReader(kc).get(kind.plural, namespace, name);
  if (!o) {
    ctx.log(`why: ${kind.kind} ${namespace}/${name} not found`);
    return 1;
  }
  ctx.out(explain(kind.kind, o).join('\n'));
  return 0;
}

const COMMANDS: Record<string, (argv: string[], ctx: CommandContext) => Promise<number>> = {
  validate: validateCommand,
  import: importCommand,
  tree: treeCommand,
  why: whyCommand,
};

/** Runs `name`; undefined when there is no such command. */
export function runCommand(name: string, argv: string[], ctx: CommandContext): Promise<number> | undefined {
  return COMMANDS[name]?.(argv, ctx);
}

export { UsageError };
