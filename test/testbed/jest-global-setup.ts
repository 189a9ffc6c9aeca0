// Jest global set-up for the integration project: one test bed for the whole run. Missing tools
// fail the run with the command that fixes it; nothing is skipped.
import { testbedEnvJson } from './env.ts';
import { startTestbed, type TestbedInfo } from './testbed.ts';

declare global {
  var __APIGW_TESTBED__: TestbedInfo | undefined;
}

export default async function setup(): Promise<void> {
  const info = await startTestbed({ log: (m) => process.stderr.write(`[testbed] ${m}\n`) });
  globalThis.__APIGW_TESTBED__ = info;
  // Workers are forked after global set-up and inherit this environment.
  process.env.APIGW_TESTBED = testbedEnvJson(info);
}
