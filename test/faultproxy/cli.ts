// The fidelity proxy as a process of its own, so the test bed can put it in front of moto for every
// client (operator processes, the chart test, the demo, benchmarks), not only in-process tests.
// Runs on Node's type stripping: `node --no-warnings test/faultproxy/cli.ts --upstream URL ...`; the
// other flags (cli-options.ts) change a quota, the page size, or turn a fault on.
import { parseArgs } from 'node:util';
import { FaultProxy } from './proxy.ts';
import { proxyOptionsOf, settingsOf, SETTINGS_FLAGS, SETTINGS_USAGE } from './cli-options.ts';

const { values } = parseArgs({
  options: {
    upstream: { type: 'string' },
    port: { type: 'string', default: '0' },
    region: { type: 'string', default: 'us-east-1' },
    ...SETTINGS_FLAGS,
  },
});

if (!values.upstream) {
  console.error(`usage: cli.ts --upstream http://127.0.0.1:PORT [--port N] [--region R] ${SETTINGS_USAGE}`);
  process.exit(2);
}

const proxy = await FaultProxy.start({
  upstream: values.upstream,
  port: Number(values.port),
  region: values.region,
  label: 'fidelity',
  ...proxyOptionsOf(settingsOf(values)),
  // Only the rules' and faults' own answers are logged: they are what a puzzled test author looks for.
  onRecord: (r) => {
    if (/^(fidelity_|late_create|not_visible|injected_|concurrent_conflict)/.test(r.outcome))
      console.log(`${new Date().toISOString()} ${r.operation} ${r.path} -> ${r.outcome} ${r.status ?? ''}`);
  },
});
console.log(`fidelity proxy on ${proxy.url} in front of ${values.upstream}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void proxy.close().finally(() => process.exit(0));
  });
}
