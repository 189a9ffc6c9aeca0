#!/usr/bin/env node
// Entry point: `apigw-operator [run]` runs the controller, `apigw-operator validate` checks
// manifests offline. Reads configuration, builds the logger and the Kubernetes client, and maps
// signals to a graceful stop. The operator and client-node are imported only after
// loadKubernetesClientLean() (adapters/kubernetes/lean-load.ts): a static import would load
// client-node's whole generated index before the redirection is in place.
import type { KubeConfig } from '@kubernetes/client-node';
import { pino, type DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';
import { ApiGatewayV2Gateway } from './adapters/aws/gateway.ts';
import { SdkClientFactory } from './adapters/aws/clients.ts';
import type { Protocol } from './api/v1alpha1/group.ts';
import { validateManifests } from './cli/validate.ts';
import { awsDefaultsFromEnv, ConfigError, helpText, parseConfig } from './config.ts';
import { loadKubernetesClientLean } from './adapters/kubernetes/lean-load.ts';

loadKubernetesClientLean();

async function kubeConfig(path: string | undefined): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromCluster();
  return kc;
}

async function run(argv: string[]): Promise<number> {
  const cfg = parseConfig(argv, process.env);
  // Text is for a person at a terminal (make demo); JSON, the default, is for log pipelines.
  const text: DestinationStream | undefined =
    cfg.logFormat === 'text'
      ? pinoPretty({ sync: true, ignore: 'pid,hostname,component', translateTime: 'HH:MM:ss.l' })
      : undefined;
  const options = {
    level: cfg.logLevel,
    base: { component: 'apigw-operator' },
    // Belt and braces: nothing credential-shaped is ever logged, even by accident.
    redact: {
      paths: ['*.accessKeyId', '*.secretAccessKey', '*.sessionToken', '*.token', '*.authorization', '*.credentials'],
      censor: '[redacted]',
    },
  };
  const logger = text ? pino(options, text) : pino(options);
  const { Operator } = await import('./operator.ts');
  const operator = new Operator({ cfg, kc: await kubeConfig(cfg.kubeconfig), logger });
  let stopping: Promise<number> | undefined;
  const onSignal = (sig: string) => {
    logger.info({ signal: sig }, 'signal received');
    stopping ??= operator.stop();
    // Whatever happens inside, a signalled process is gone shortly after the grace period.
    setTimeout(() => {
      logger.error({ signal: sig }, 'graceful shutdown overran; exiting');
      process.exit(1);
    }, cfg.shutdownTimeoutMs + 3000);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  await operator.start();
  // Timers are unref'd and the probe ports may be off: with the API server down nothing else
  // would keep the event loop alive, and the process would end without having been asked to.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const code = await operator.done;
  clearInterval(keepAlive);
  logger.flush();
  return code;
}

interface ValidateArgs {
  files: string[];
  protocol?: Protocol | 'auto';
  region?: string;
}

/** `--region` wins over the environment, which is read as the operator reads it. */
function parseValidateArgs(argv: string[], defaultRegion: string | undefined): ValidateArgs {
  const args: ValidateArgs = { files: [], ...(defaultRegion ? { region: defaultRegion } : {}) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-f' || a === '--filename') args.files.push(argv[++i] ?? '');
    else if (a === '--protocol') args.protocol = parseProtocol(argv[++i] ?? '');
    else if (a === '--region') args.region = argv[++i] || args.region;
    else throw new ConfigError(`validate: unexpected argument '${a}'`);
  }
  if (args.files.length === 0) throw new ConfigError('validate: give at least one -f FILE|DIR');
  return args;
}

function parseProtocol(raw: string): Protocol | 'auto' {
  const p = raw.toLowerCase();
  if (!['http', 'websocket', 'auto'].includes(p))
    throw new ConfigError(`--protocol must be http, websocket or auto, not '${p}'`);
  return p === 'auto' ? 'auto' : (p.toUpperCase() as Protocol);
}

async function validate(argv: string[]): Promise<number> {
  const aws = awsDefaultsFromEnv(process.env);
  const { files, protocol, region } = parseValidateArgs(argv, aws.region);
  // As the operator, which exits without one: the lookup needs a region, and guessing one would
  // report an API as missing that merely lives elsewhere.
  if (protocol === 'auto' && !region)
    throw new ConfigError('validate --protocol auto: no default AWS region: set --region or AWS_REGION');
  const gateway =
    protocol === 'auto'
      ? new ApiGatewayV2Gateway({ clients: new SdkClientFactory({ endpoint: aws.awsEndpoint }) })
      : undefined;
  const invalid = await validateManifests({
    files,
    protocol: protocol === 'auto' ? undefined : protocol,
    lookupProtocol: gateway ? (apiId, r) => gateway.getApiProtocol({ apiId, region: r }) : undefined,
    ...(region ? { region } : {}),
    out: (line) => console.log(line),
  });
  return invalid === 0 ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText());
    return 0;
  }
  const [cmd, ...rest] = argv;
  if (cmd === 'validate') return validate(rest);
  if (cmd === 'run') return run(rest);
  return run(argv);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? `apigw-operator: ${err.message}` : err);
    process.exit(2);
  },
);
