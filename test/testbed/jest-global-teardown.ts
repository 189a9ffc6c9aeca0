// Jest global tear-down: stops what the set-up started (the guardian covers interrupted runs).
import { stopTestbed } from './testbed.ts';

export default async function teardown(): Promise<void> {
  const info = globalThis.__APIGW_TESTBED__;
  if (info) await stopTestbed(info);
  globalThis.__APIGW_TESTBED__ = undefined;
}
