// What an integration test knows about the running test bed, read from the environment that jest's
// global set-up exported. Fails loudly when the test bed is absent instead of skipping.
import type { Tools } from './tools.ts';

export interface TestbedEnv {
  kubeconfig: string;
  apiserverUrl: string;
  adminToken: string;
  caFile: string;
  /** The fidelity proxy in front of moto: what clients use. */
  awsEndpoint: string;
  /** moto directly: upstream for in-process fault proxies, and direct reads. */
  motoEndpoint: string;
  region: string;
  dir: string;
  tools: Tools;
}

export function testbedEnv(): TestbedEnv {
  const raw = process.env.APIGW_TESTBED;
  if (!raw) {
    throw new Error(
      'the test bed is not running: run integration tests through `npm test` / `make test`, whose global set-up starts it',
    );
  }
  return JSON.parse(raw) as TestbedEnv;
}
