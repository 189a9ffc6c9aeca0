// Operator configuration from flags and environment. Flag names follow what kubebuilder users
// know; every flag has an environment variable (flags win). `--help` is generated from this table.
import { readFileSync } from 'node:fs';

export interface Config {
  kubeconfig?: string;
  region: string;
  awsEndpoint?: string;
  stsEndpoint?: string;
  /** Lambda endpoint override; --aws-endpoint when unset, so one emulator flag covers both. */
  lambdaEndpoint?: string;
  watchNamespaces: string[];
  labelSelector?: string;
  workers: number;
  driftIntervalMs: number;
  notFoundGraceMs: number;
  deployQuietMs: number;
  deployMaxWaitMs: number;
  logLevel: string;
  logFormat: 'json' | 'text';
  leaderElect: boolean;
  leaderElectionId: string;
  leaderElectionNamespace: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  awsRate: number;
  awsBurst: number;
  awsMaxWaitMs: number;
  awsRequestTimeoutMs: number;
  shutdownTimeoutMs: number;
  namespaceRoles: boolean;
  requireAllowedApiIds: boolean;
  /** Whether lambdaPermission Managed may add and remove function policy statements. */
  manageLambdaPermissions: boolean;
}

type Kind = 'string' | 'list' | 'int' | 'number' | 'duration' | 'bool';
interface Option {
  flag: string;
  env: string[];
  kind: Kind;
  key: keyof Config;
  default?: string;
  help: string;
}

const OPTIONS: Option[] = [
  {
    flag: 'kubeconfig',
    env: ['KUBECONFIG'],
    kind: 'string',
    key: 'kubeconfig',
    help: 'kubeconfig file; in-cluster configuration when unset',
  },
  {
    flag: 'region',
    env: ['APIGW_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION'],
    kind: 'string',
    key: 'region',
    help: 'default AWS region for objects without spec.region (required)',
  },
  {
    flag: 'aws-endpoint',
    env: ['AWS_ENDPOINT_URL_APIGATEWAYV2', 'AWS_ENDPOINT_URL'],
    kind: 'string',
    key: 'awsEndpoint',
    help: 'API Gateway v2 endpoint override (e.g. an emulator)',
  },
  {
    flag: 'lambda-endpoint',
    env: ['AWS_ENDPOINT_URL_LAMBDA'],
    kind: 'string',
    key: 'lambdaEndpoint',
    help: "Lambda endpoint override, for spec.lambdaPermission's function policy calls (default: --aws-endpoint)",
  },
  {
    flag: 'manage-lambda-permissions',
    env: ['APIGW_MANAGE_LAMBDA_PERMISSIONS'],
    kind: 'bool',
    key: 'manageLambdaPermissions',
    default: 'false',
    help: 'let spec.lambdaPermission Managed add and remove function policy statements (lambda:AddPermission and lambda:RemovePermission, docs/iam-policy-lambda-permissions.json); without it Managed acts as Check',
  },
  {
    flag: 'sts-endpoint',
    env: ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'],
    kind: 'string',
    key: 'stsEndpoint',
    help: 'STS endpoint override, for the start-up identity check and to assume namespace roles',
  },
  {
    flag: 'watch-namespaces',
    env: ['APIGW_WATCH_NAMESPACES'],
    kind: 'list',
    key: 'watchNamespaces',
    default: '',
    help: 'comma-separated namespaces to watch; all namespaces when empty',
  },
  {
    flag: 'label-selector',
    env: ['APIGW_LABEL_SELECTOR'],
    kind: 'string',
    key: 'labelSelector',
    help: 'only reconcile ApiIntegrations and ApiRoutes matching this label selector (to split objects between deployments; a route and the ApiIntegration it names need the same label)',
  },
  { flag: 'workers', env: ['APIGW_WORKERS'], kind: 'int', key: 'workers', default: '4', help: 'concurrent reconciles' },
  {
    flag: 'drift-interval',
    env: ['APIGW_DRIFT_INTERVAL'],
    kind: 'duration',
    key: 'driftIntervalMs',
    default: '5m',
    help: 'how often a Ready object is compared with AWS (jittered ±20%)',
  },
  {
    flag: 'not-found-grace',
    env: ['APIGW_NOT_FOUND_GRACE'],
    kind: 'duration',
    key: 'notFoundGraceMs',
    default: '2m',
    help: 'how long a missing API, or a missing ApiIntegration a route names, is waited for before the object is Stalled',
  },
  {
    flag: 'deploy-quiet-period',
    env: ['APIGW_DEPLOY_QUIET_PERIOD'],
    kind: 'duration',
    key: 'deployQuietMs',
    default: '2s',
    help: 'how long the objects on an API must go unchanged before its ApiStages deploy it, so a burst of changes makes one deployment',
  },
  {
    flag: 'deploy-max-wait',
    env: ['APIGW_DEPLOY_MAX_WAIT'],
    kind: 'duration',
    key: 'deployMaxWaitMs',
    default: '1m',
    help: 'longest a due deployment waits for the objects on its API to settle before the API is deployed as it is',
  },
  {
    flag: 'log-level',
    env: ['APIGW_LOG_LEVEL'],
    kind: 'string',
    key: 'logLevel',
    default: 'info',
    help: 'trace, debug, info, warn, error',
  },
  {
    flag: 'log-format',
    env: ['APIGW_LOG_FORMAT'],
    kind: 'string',
    key: 'logFormat',
    default: 'json',
    help: "'json' (one object per line, for log pipelines) or 'text' (for people, e.g. make demo)",
  },
  {
    flag: 'leader-elect',
    env: ['APIGW_LEADER_ELECT'],
    kind: 'bool',
    key: 'leaderElect',
    default: 'false',
    help: 'use a Lease so only one replica reconciles',
  },
  {
    flag: 'leader-election-id',
    env: ['APIGW_LEADER_ELECTION_ID'],
    kind: 'string',
    key: 'leaderElectionId',
    default: 'apigw-operator-leader',
    help: 'name of the Lease',
  },
  {
    flag: 'leader-election-namespace',
    env: ['APIGW_LEADER_ELECTION_NAMESPACE', 'POD_NAMESPACE'],
    kind: 'string',
    key: 'leaderElectionNamespace',
    help: "namespace of the Lease; the pod's namespace when unset",
  },
  {
    flag: 'lease-duration',
    env: ['APIGW_LEASE_DURATION'],
    kind: 'duration',
    key: 'leaseDurationMs',
    default: '15s',
    help: 'leader lease duration',
  },
  {
    flag: 'renew-deadline',
    env: ['APIGW_RENEW_DEADLINE'],
    kind: 'duration',
    key: 'renewDeadlineMs',
    default: '10s',
    help: 'a leader that cannot renew within this stops at once',
  },
  {
    flag: 'retry-period',
    env: ['APIGW_RETRY_PERIOD'],
    kind: 'duration',
    key: 'retryPeriodMs',
    default: '2s',
    help: 'interval between lease attempts',
  },
  {
    flag: 'metrics-bind-address',
    env: ['APIGW_METRICS_BIND_ADDRESS'],
    kind: 'string',
    key: 'metricsBindAddress',
    default: ':8080',
    help: "Prometheus /metrics address; '0' disables",
  },
  {
    flag: 'health-probe-bind-address',
    env: ['APIGW_HEALTH_PROBE_BIND_ADDRESS'],
    kind: 'string',
    key: 'healthProbeBindAddress',
    default: ':8081',
    help: "/healthz and /readyz address; '0' disables",
  },
  {
    flag: 'aws-rate',
    env: ['APIGW_AWS_RATE'],
    kind: 'number',
    key: 'awsRate',
    default: '8',
    help: 'AWS API Gateway management calls per second per account and region (AWS allows 10, shared)',
  },
  {
    flag: 'aws-burst',
    env: ['APIGW_AWS_BURST'],
    kind: 'int',
    key: 'awsBurst',
    default: '30',
    help: 'burst of AWS calls (AWS allows 40, shared)',
  },
  {
    flag: 'aws-max-wait',
    env: ['APIGW_AWS_MAX_WAIT'],
    kind: 'duration',
    key: 'awsMaxWaitMs',
    default: '2s',
    help: 'longest a worker waits for an AWS call token before requeueing the key and moving on',
  },
  {
    flag: 'aws-request-timeout',
    env: ['APIGW_AWS_REQUEST_TIMEOUT'],
    kind: 'duration',
    key: 'awsRequestTimeoutMs',
    default: '15s',
    help: 'timeout of one AWS request; a create that timed out is looked for, not repeated, for twice this long',
  },
  {
    flag: 'shutdown-timeout',
    env: ['APIGW_SHUTDOWN_TIMEOUT'],
    kind: 'duration',
    key: 'shutdownTimeoutMs',
    default: '10s',
    help: 'on SIGTERM, in-flight reconciles get this long before their AWS calls are aborted',
  },
  {
    flag: 'namespace-roles',
    env: ['APIGW_NAMESPACE_ROLES'],
    kind: 'bool',
    key: 'namespaceRoles',
    default: 'true',
    help: 'read the apigw.dev/role-arn annotation of Namespaces to choose the AWS role',
  },
  {
    flag: 'require-allowed-api-ids',
    env: ['APIGW_REQUIRE_ALLOWED_API_IDS'],
    kind: 'bool',
    key: 'requireAllowedApiIds',
    default: 'false',
    help: 'a Namespace without the apigw.dev/allowed-api-ids annotation may touch no API (without this flag: any)',
  },
];

export class ConfigError extends Error {}

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s.trim());
  if (!m) throw new ConfigError(`invalid duration '${s}' (use e.g. 500ms, 30s, 5m, 1h)`);
  const n = Number(m[1]);
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']);
}

function parseBool(o: Option, raw: string): boolean {
  if (!['true', 'false', '1', '0', ''].includes(raw))
    throw new ConfigError(`--${o.flag}: expected true or false, got '${raw}'`);
  return raw === 'true' || raw === '1' || raw === '';
}

function parsePositive(o: Option, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (o.kind === 'int' && !Number.isInteger(n)))
    throw new ConfigError(`--${o.flag}: expected a positive ${o.kind === 'int' ? 'integer' : 'number'}, got '${raw}'`);
  return n;
}

const CONVERT: Record<Kind, (o: Option, raw: string) => unknown> = {
  string: (_o, raw) => raw,
  list: (_o, raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  bool: parseBool,
  duration: (_o, raw) => parseDuration(raw),
  int: parsePositive,
  number: parsePositive,
};

function podNamespace(): string {
  try {
    return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
  } catch {
    return 'default';
  }
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const flags = readFlags(argv);
  const out: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const raw = flags.get(o.flag) ?? o.env.map((e) => env[e]).find((v) => v !== undefined && v !== '') ?? o.default;
    if (raw !== undefined) out[o.key] = CONVERT[o.kind](o, raw);
  }
  const cfg = out as unknown as Config;
  check(cfg);
  cfg.leaderElectionNamespace ??= podNamespace();
  return cfg;
}

/** `--name=value`, `--name value`, or a bare `--name` for a boolean not followed by a value. */
function readFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new ConfigError(`unexpected argument '${a}'`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const opt = OPTIONS.find((o) => o.flag === name);
    if (!opt) throw new ConfigError(`unknown flag --${name} (see --help)`);
    const next = argv[i + 1];
    if (inline !== undefined) flags.set(name, inline);
    else if (opt.kind === 'bool' && (next === undefined || next.startsWith('--'))) flags.set(name, 'true');
    else flags.set(name, argv[++i] ?? '');
  }
  return flags;
}

/**
 * The AWS settings `validate --protocol auto`, `import` and `kubectl apigw` share with the operator, read from the same
 * environment variables in the same order (its own flags are parsed apart, and win).
 */
export function awsDefaultsFromEnv(env: NodeJS.ProcessEnv): {
  region?: string;
  awsEndpoint?: string;
  stsEndpoint?: string;
} {
  const fromEnv = (key: keyof Config) =>
    OPTIONS.find((o) => o.key === key)!
      .env.map((e) => env[e])
      .find((v) => v !== undefined && v !== '');
  const region = fromEnv('region');
  const awsEndpoint = fromEnv('awsEndpoint');
  const stsEndpoint = fromEnv('stsEndpoint');
  return {
    ...(region ? { region } : {}),
    ...(awsEndpoint ? { awsEndpoint } : {}),
    ...(stsEndpoint ? { stsEndpoint } : {}),
  };
}

function check(cfg: Config): void {
  if (!cfg.region) throw new ConfigError('no default AWS region: set --region or AWS_REGION');
  if (cfg.logFormat !== 'json' && cfg.logFormat !== 'text')
    throw new ConfigError(`--log-format: expected json or text, got '${String(cfg.logFormat)}'`);
  if (!(cfg.leaseDurationMs > cfg.renewDeadlineMs && cfg.renewDeadlineMs > 1.2 * cfg.retryPeriodMs)) {
    throw new ConfigError('leader election needs lease-duration > renew-deadline > 1.2 × retry-period');
  }
}

export function helpText(): string {
  const rows = OPTIONS.map(
    (o) =>
      `  --${o.flag.padEnd(28)} ${o.help}${o.default !== undefined && o.default !== '' ? ` (default ${o.default})` : ''}\n  ${''.padEnd(30)} env: ${o.env.join(', ')}`,
  );
  return [
    'apigw-operator: manages API Gateway v2 integrations, routes and stages from ApiIntegration, ApiRoute and ApiStage resources',
    '',
    'usage:',
    '  apigw-operator [run] [flags]                 run the controller',
    '  apigw-operator validate -f FILE|DIR [-f ...] [--protocol http|websocket|auto] [--region REGION]',
    '                                               check ApiIntegration and ApiRoute manifests offline, as the',
    '                                               controller would; a directory is searched with its subdirectories.',
    '                                               --protocol auto looks each API up in AWS (GetApi), in spec.region,',
    '                                               else --region, else the environment as for --region below',
    '  apigw-operator import --api-id ID [--region R] [--namespace NS] [--mode adopt|observe] [-o DIR]',
    '                 [--deletion-policy Retain|Delete] [--name-prefix P] [--role-arn ARN] [--aws-endpoint URL]',
    '                 [--namespace-role] [--check-cluster] [--kubeconfig PATH] [--context NAME]',
    '                                               write ApiIntegration, ApiRoute and ApiStage manifests that adopt',
    '                                               an existing API (docs/import.md); with a cluster, objects that',
    '                                               already manage its parts are named instead of written again',
    '',
    'flags (each also read from the environment variables listed):',
    ...rows,
    '',
    'AWS credentials come from the standard AWS SDK chain (environment, IRSA web identity, EKS Pod Identity, instance role).',
  ].join('\n');
}
