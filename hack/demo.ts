// `make demo`: the operator's main job on an embedded default. Starts a local control plane and
// the API Gateway emulator, installs the CRDs, runs the built operator, applies the examples (the
// integrations, the routes that target them, then the stages that deploy them), shows them become
// Ready, and shows what each stage serves, read from the emulator's deployment snapshot rather than
// from what the API holds. Then tears everything down (`--keep` leaves it running).
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
} from '@aws-sdk/client-apigatewayv2';
import { parseAllDocuments, stringify } from 'yaml';
import { startTestbed, stopTestbed } from '../test/testbed/testbed.ts';
import { everyPage } from '../test/faultproxy/inventory.ts';
import { servedStage } from '../test/support/served.ts';

const ROOT = resolve(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');
const say = (m: string) => console.log(`\n== ${m}`);

const tb = await startTestbed({ log: (m) => console.log(`   ${m}`) });
const env = { ...process.env, ...tb.env };
const kubectl = (args: string[], input?: string) =>
  execFileSync(tb.tools.kubectl, args, { env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'] });
let operator: ReturnType<typeof spawn> | undefined;
let failed = false;
try {
  say('installing the CRDs (ApiIntegration, ApiRoute, ApiStage)');
  process.stdout.write(kubectl(['apply', '--server-side', '-f', join(ROOT, 'crds')]));
  kubectl([
    'wait',
    '--for=condition=Established',
    'crd/apiintegrations.apigw.dev',
    'crd/apiroutes.apigw.dev',
    'crd/apistages.apigw.dev',
    '--timeout=60s',
  ]);

  say('creating an HTTP API and a WebSocket API in the emulator');
  const aws = new ApiGatewayV2Client({
    region: tb.region,
    endpoint: tb.awsEndpoint,
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  });
  const http = (await aws.send(new CreateApiCommand({ Name: 'demo-http', ProtocolType: 'HTTP' }))).ApiId!;
  const ws = (
    await aws.send(
      new CreateApiCommand({
        Name: 'demo-ws',
        ProtocolType: 'WEBSOCKET',
        RouteSelectionExpression: '$request.body.action',
      }),
    )
  ).ApiId!;
  console.log(`   HTTP API ${http}, WebSocket API ${ws}`);

  say('starting the operator (dist/src/main.js)');
  operator = spawn(
    join(ROOT, 'node_modules', '.bin', 'node'),
    [
      join(ROOT, 'dist', 'src', 'main.js'),
      '--metrics-bind-address',
      '0',
      '--health-probe-bind-address',
      '0',
      '--drift-interval',
      '1m',
      '--log-format',
      'text',
    ],
    {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );

  say('applying examples/ (apiId set to the emulator APIs)');
  process.stdout.write(kubectl(['apply', '-f', '-'], examples(join(ROOT, 'examples'), http, ws)));
  say('waiting for every ApiIntegration to become Ready');
  process.stdout.write(
    kubectl(['wait', '--for=condition=Ready', 'apiintegrations', '--all', '-n', 'default', '--timeout=90s']),
  );
  say('kubectl get apiint -o wide');
  process.stdout.write(kubectl(['get', 'apiint', '-n', 'default', '-o', 'wide']));

  say('applying examples/routes/: ApiRoutes that target those ApiIntegrations by name');
  process.stdout.write(kubectl(['apply', '-f', '-'], examples(join(ROOT, 'examples', 'routes'), http, ws)));
  say('waiting for every ApiRoute to become Ready');
  process.stdout.write(
    kubectl(['wait', '--for=condition=Ready', 'apiroutes', '--all', '-n', 'default', '--timeout=90s']),
  );
  say('kubectl get apiroute -o wide');
  process.stdout.write(kubectl(['get', 'apiroute', '-n', 'default', '-o', 'wide']));

  say('integrations in the emulator');
  for (const api of [http, ws]) {
    for (const i of await everyPage((NextToken) => aws.send(new GetIntegrationsCommand({ ApiId: api, NextToken })))) {
      console.log(`   ${api}  ${i.IntegrationId}  ${i.IntegrationType?.padEnd(10)}  ${i.Description}`);
    }
  }
  say('routes in the emulator');
  for (const api of [http, ws]) {
    for (const r of await everyPage((NextToken) => aws.send(new GetRoutesCommand({ ApiId: api, NextToken })))) {
      console.log(`   ${api}  ${r.RouteId}  ${r.RouteKey?.padEnd(22)}  -> ${r.Target}`);
    }
  }
  await showStages(kubectl, { http, ws });

  if (keep) {
    console.log(
      `\nleft running; use:\n  export KUBECONFIG=${tb.kubeconfig} AWS_ENDPOINT_URL_APIGATEWAYV2=${tb.awsEndpoint} AWS_ENDPOINT_URL_STS=${tb.motoEndpoint}\nCtrl-C to stop.`,
    );
    await new Promise((r) => process.once('SIGINT', r));
  }
} catch (err) {
  failed = true;
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  if (operator && operator.exitCode === null) {
    operator.kill('SIGTERM');
    await new Promise((r) => operator!.once('exit', r));
  }
  await stopTestbed(tb);
}
say(failed ? 'demo FAILED' : 'demo done: every example became Ready, and the stages serve the routes');
process.exit(failed ? 1 : 0);

/** The manifests of `dir`, with apiId set to the emulator's WebSocket API for websocket files, else the HTTP one. */
function examples(dir: string, http: string, ws: string): string {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => {
        const o = d.toJS() as { spec: { apiId: string } };
        o.spec.apiId = /websocket/.test(f) ? ws : http;
        return stringify(o);
      }),
    )
    .join('---\n');
}

/**
 * Applies examples/stages/ on the same APIs, waits for the OnChange stages to read Served (one
 * deployment each, made once the integrations and routes above were Ready), asks the Manual stage
 * for a deployment, and prints what every stage serves, route key by route key.
 */
async function showStages(kubectl: (args: string[], input?: string) => string, api: { http: string; ws: string }) {
  say('applying examples/stages/: ApiStages on the same APIs, which deploy them once their objects are Ready');
  process.stdout.write(kubectl(['apply', '-f', '-'], examples(join(ROOT, 'examples', 'stages'), api.http, api.ws)));
  const stages = JSON.parse(kubectl(['get', 'apistages', '-n', 'default', '-o', 'json'])) as {
    items: { metadata: { name: string }; spec: { apiId: string; stageName: string; deploymentPolicy?: string } }[];
  };
  const onChange = stages.items.filter((s) => s.spec.deploymentPolicy !== 'Manual').map((s) => s.metadata.name);
  const manual = stages.items.filter((s) => s.spec.deploymentPolicy === 'Manual').map((s) => s.metadata.name);
  say(`waiting for ${onChange.join(', ')} to read Served (deploymentPolicy OnChange)`);
  process.stdout.write(
    kubectl([
      'wait',
      `--for=jsonpath={.status.conditions[?(@.type=="Ready")].reason}=Served`,
      ...onChange.map((n) => `apistage/${n}`),
      '-n',
      'default',
      '--timeout=90s',
    ]),
  );
  for (const name of manual) {
    say(`${name} is deploymentPolicy Manual: it serves nothing until asked, so ask`);
    const at = new Date().toISOString();
    const cmd = ['annotate', `apistage/${name}`, '-n', 'default', `apigw.dev/deploy-requested-at=${at}`, '--overwrite'];
    console.log(`   kubectl ${cmd.join(' ')}`);
    process.stdout.write(kubectl(cmd));
    process.stdout.write(
      kubectl(['wait', `--for=jsonpath={.status.lastHandledDeployAt}=${at}`, `apistage/${name}`, '-n', 'default']),
    );
  }
  say('kubectl get apistage -o wide');
  process.stdout.write(kubectl(['get', 'apistage', '-n', 'default', '-o', 'wide']));

  say("what each stage serves (the emulator's GET /__emulator/served/{apiId}/{stage}: its deployment's snapshot)");
  for (const s of stages.items) {
    const served = await servedStage(tb.awsEndpoint, s.spec.apiId, s.spec.stageName);
    if (!served) throw new Error(`stage ${s.spec.stageName} of API ${s.spec.apiId} serves no deployment`);
    console.log(`   ${s.spec.apiId} stage ${s.spec.stageName}, deployment ${served.deploymentId}:`);
    for (const r of served.routes) {
      const target = String(r.target ?? '');
      const i = served.integrations.find((x) => `integrations/${String(x.integrationId)}` === target);
      const to = i ? `${String(i.integrationType)} ${String(i.integrationUri ?? '')}`.trim() : '(no integration)';
      console.log(`     ${String(r.routeKey).padEnd(22)}  -> ${target}  ${to}`);
    }
  }

  say('Live: served by every stage, and nothing else in the way (kubectl get apiroute -o wide)');
  await new Promise((r) => setTimeout(r, 1000));
  process.stdout.write(kubectl(['get', 'apiroute', '-n', 'default', '-o', 'wide']));
  console.log(
    '   The routes to Lambda functions read Live False, LambdaFunctionNotFound: the examples name functions the\n' +
      '   emulator does not hold, and API Gateway would answer their callers 500 (lambdaPermission: Check).',
  );
}
