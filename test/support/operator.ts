// Starts the real operator in-process against the test bed, configured like the binary would be.
import { pino } from 'pino';
import { parseConfig, type Config } from '../../src/config.ts';
import { Operator } from '../../src/operator.ts';
import { adminKubeConfig, tb } from './cluster.ts';

export function testConfig(over: Partial<Config> = {}): Config {
  const base = parseConfig(
    [
      '--region',
      tb.region,
      '--aws-endpoint',
      tb.awsEndpoint,
      // STS straight to moto: the proxy in front of it is API Gateway's, and the operator's identity
      // check and AssumeRole are no API Gateway calls.
      '--sts-endpoint',
      tb.motoEndpoint,
      '--metrics-bind-address',
      '127.0.0.1:0',
      '--health-probe-bind-address',
      '127.0.0.1:0',
      '--leader-election-namespace',
      'default',
    ],
    {},
  );
  return { ...base, driftIntervalMs: 2000, ...over };
}

export async function startOperator(over: Partial<Config> = {}, identity?: string): Promise<Operator> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const op = new Operator({ cfg: testConfig(over), kc: adminKubeConfig(), logger, identity });
  await op.start();
  return op;
}
