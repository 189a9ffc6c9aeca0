#!/usr/bin/env node
// `kubectl apigw`: the kubectl plugin (kubectl runs `kubectl-apigw` from PATH). Subcommands:
// `import` and `validate` as `apigw-operator` has them, `tree` (the cluster's objects per API, with
// Ready, Live and their reasons) and `why KIND/NAME` (the failing condition and what to do, from the
// reasons tables of docs/aws.md). An entry point like main.ts: it reads the environment and prints,
// and loads the commands only after client-node's lean loading is in place.
import { loadKubernetesClientLean } from '../adapters/kubernetes/lean-load.ts';
import { ConfigError } from '../config.ts';

loadKubernetesClientLean();

const USAGE = `kubectl apigw: API Gateway v2 objects of apigw-operator

usage:
  kubectl apigw import --api-id ID [--region R] [--namespace NS] [--mode adopt|observe] [-o DIR]
                       [--deletion-policy Retain|Delete] [--name-prefix P] [--role-arn ARN]
                       [--namespace-role] [--check-cluster] [--kubeconfig PATH] [--context NAME]
      write adopting manifests for an existing API (docs/import.md)
  kubectl apigw validate -f FILE|DIR [-f ...] [--protocol http|websocket|auto] [--region R]
      check manifests offline, as the operator would (docs/validate.md)
  kubectl apigw tree [--namespace NS | -A] [--aws] [--region R]
      each API's integrations, the routes that target them, and its stages, with Ready and Live
  kubectl apigw why KIND/NAME [--namespace NS]
      the condition that holds an object back, its reason, and what to do (docs/kubectl-apigw.md)

AWS: --region, else APIGW_REGION, AWS_REGION or AWS_DEFAULT_REGION; --aws-endpoint, else
AWS_ENDPOINT_URL_APIGATEWAYV2 or AWS_ENDPOINT_URL; credentials from the standard AWS SDK chain. Cluster: --kubeconfig, else KUBECONFIG or ~/.kube/config.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help' || rest.includes('--help')) {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const { runCommand } = await import('../commands.ts');
  const run = runCommand(name, rest, {
    env: process.env,
    out: (text) => console.log(text),
    log: (line) => console.error(line),
  });
  if (run) return run;
  console.error(`kubectl apigw: unknown command '${name}'\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const usage = err instanceof ConfigError || (err as Error)?.name === 'UsageError';
    console.error(usage ? `kubectl apigw: ${(err as Error).message}` : err);
    process.exit(usage ? 2 : 1);
  },
);
