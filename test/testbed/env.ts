// What an integration test knows about the running test bed, read from the environment that jest's
// global set-up exported. Fails loudly when the test bed is absent instead of skipping.
import type { TestbedInfo } from './testbed.ts';

/** The fields of the test bed's record that test workers get; the rest (process ids) stays with its owner. */
const WORKER_FIELDS = [
  'kubeconfig',
  'apiserverUrl',
  'adminToken',
  'caFile',
  'awsEndpoint',
  'motoEndpoint',
  'region',
  'dir',
  'tools',
] as const satisfies readonly (keyof TestbedInfo)[];

export type TestbedEnv = Pick<TestbedInfo, (typeof WORKER_FIELDS)[number]>;

/** The JSON that jest's global set-up exports as APIGW_TESTBED for the workers it forks. */
export function testbedEnvJson(info: TestbedInfo): string {
  return JSON.stringify(Object.fromEntries(WORKER_FIELDS.map((k) => [k, info[k]])));
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
