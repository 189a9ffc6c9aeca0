#!/usr/bin/env node
// Entry point: `apigw-operator [run]` runs the controller, `apigw-operator validate` checks
// manifests offline, `apigw-operator import` writes adopting manifests for an existing API. Reads configuration, builds the logger and the Kubernetes client, and maps
// signals to a graceful stop. The operator and client-node are imported only after
// loadKubernetesClientLean() (adapters/kubernetes/lean-load.ts): a static import would load
// client-node's whole generated index before the redirection is in place.
import type { KubeConfig } from '@kubernetes/client-node';
import { pino, type DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';
import { ConfigError, helpText, parseConfig } from './config.ts';
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

/**
 * The offline and one-shot commands (commands.ts), loaded only when asked for: their graph reaches
 * client-node, which must not load before loadKubernetesClientLean() has run.
 */
async function command(name: string, argv: string[]): Promise<number | undefined> {
  const { runCommand } = await import('./commands.ts');
  return runCommand(name, argv, {
    env: process.env,
    out: (text) => console.log(text),
    log: (line) => console.error(line),
  });
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText());
    return 0;
  }
  const [cmd, ...rest] = argv;
  if (cmd === 'validate' || cmd === 'import') return (await command(cmd, rest))!;
  if (cmd === 'run') return run(rest);
  return run(argv);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const usage = err instanceof ConfigError || (err as Error)?.name === 'UsageError';
    console.error(usage ? `apigw-operator: ${(err as Error).message}` : err);
    process.exit(2);
  },
);
