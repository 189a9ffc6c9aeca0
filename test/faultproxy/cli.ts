// The fidelity proxy as a process of its own, so the test bed can put it in front of moto for every
// client (operator processes, the chart test, the demo, benchmarks), not only in-process tests.
// Runs on Node's type stripping: `node --no-warnings test/faultproxy/cli.ts --upstream URL ...`.
import { parseArgs } from 'node:util';
import { FaultProxy } from './proxy.ts';

const { values } = parseArgs({
  options: {
    upstream: { type: 'string' },
    port: { type: 'string', default: '0' },
    region: { type: 'string', default: 'us-east-1' },
    'integrations-per-api': { type: 'string' },
  },
});

if (!values.upstream) {
  console.error('usage: cli.ts --upstream http://127.0.0.1:PORT [--port N] [--region R] [--integrations-per-api N]');
  process.exit(2);
}

const perApi = values['integrations-per-api'];
const proxy = await FaultProxy.start({
  upstream: values.upstream,
  port: Number(values.port),
  region: values.region,
  label: 'fidelity',
  fidelity: perApi === undefined ? true : { integrationsPerApi: Number(perApi) },
  // Only the rules' own answers are logged: they are what a puzzled test author looks for.
  onRecord: (r) => {
    if (r.outcome.startsWith('fidelity_') || r.outcome === 'late_create')
      console.log(`${new Date().toISOString()} ${r.operation} ${r.path} -> ${r.outcome} ${r.status ?? ''}`);
  },
});
console.log(`fidelity proxy on ${proxy.url} in front of ${values.upstream}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void proxy.close().finally(() => process.exit(0));
  });
}
