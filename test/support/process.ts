// Runs the operator as a real process (from source, on the pinned Node), for tests that need
// signals, SIGKILL, several replicas or a separate identity. Logs are pino JSON lines in a file.
import { join } from 'node:path';
import { testbedEnv } from '../testbed/env.ts';
import { ROOT, spawnOperatorProcess, type OperatorProcess } from './operator-process.ts';

export type { OperatorProcess };

export function spawnOperator(flags: string[], env: Record<string, string | undefined> = {}): OperatorProcess {
  const tb = testbedEnv();
  return spawnOperatorProcess({
    main: join(ROOT, 'src', 'main.ts'),
    flags,
    env: {
      AWS_REGION: tb.region,
      AWS_ENDPOINT_URL_APIGATEWAYV2: tb.awsEndpoint,
      // The start-up identity check (and AssumeRole) go straight to moto, as in test/support/operator.ts.
      AWS_ENDPOINT_URL_STS: tb.motoEndpoint,
      KUBECONFIG: tb.kubeconfig,
      APIGW_HEALTH_PROBE_BIND_ADDRESS: '0',
      APIGW_LEADER_ELECTION_NAMESPACE: 'default',
      ...env,
    },
  });
}
