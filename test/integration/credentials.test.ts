// The most common install mistake, a forgotten IRSA or Pod Identity set-up: the operator runs with
// no AWS credentials at all. Objects of both kinds must say so on their first pass (Stalled,
// AwsCredentials, what to check), so GitOps waits fail fast instead of timing out on a
// network-looking AwsUnavailable, and must become Ready once the operator runs with credentials.
// The pod itself says so too: its start-up identity check (STS GetCallerIdentity) keeps /readyz
// failing, with the reason, while /healthz stays ok (a restart would not help), so a rollout stops.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateIntegrationCommand } from '@aws-sdk/client-apigatewayv2';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { ROUTE_PLURAL } from '../../src/api/v1alpha1/route-schema.ts';
import type { ApiRoute } from '../../src/api/v1alpha1/route-types.ts';
import {
  aws,
  condition,
  createApi,
  createObject,
  custom,
  eventually,
  installCrd,
  integrationsOf,
  newNamespace,
  waitCondition,
  waitReady,
} from '../support/cluster.ts';
import { spawnOperator, type OperatorProcess } from '../support/process.ts';
import { freePort } from '../testbed/processes.ts';

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:hello';
const routes = { group: GROUP, version: VERSION, plural: ROUTE_PLURAL };

/** No keys, no shared files the SDK could find, no instance metadata: nothing in the chain works. */
function noCredentials(): Record<string, string | undefined> {
  const empty = join(mkdtempSync(join(tmpdir(), 'apigw-no-creds-')), 'empty');
  writeFileSync(empty, '');
  return {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SHARED_CREDENTIALS_FILE: empty,
    AWS_CONFIG_FILE: empty,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

async function routeCondition(namespace: string, name: string, type: string) {
  const o = (await custom.getNamespacedCustomObject({ ...routes, namespace, name })) as ApiRoute;
  const c = o.status?.conditions?.find((x) => x.type === type);
  return c?.observedGeneration === o.metadata.generation ? c : undefined;
}

/** A probe of the operator's health port: status and body. */
async function probe(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

let ns = '';
let api = '';
const procs: OperatorProcess[] = [];

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('creds');
  api = await createApi('HTTP');
});

afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
});

describe('an operator without AWS credentials', () => {
  it('stalls both kinds at once as AwsCredentials, saying what to check, and they become Ready once it has credentials', async () => {
    // A route with a raw target, so that it reaches AWS without waiting for the ApiIntegration.
    const target = await aws.send(
      new CreateIntegrationCommand({
        ApiId: api,
        IntegrationType: 'HTTP_PROXY',
        IntegrationUri: 'https://example.com',
        IntegrationMethod: 'GET',
        PayloadFormatVersion: '1.0',
      }),
    );
    await createObject(ns, 'no-creds', {
      apiId: api,
      integrationType: 'AWS_PROXY',
      integrationUri: LAMBDA,
      payloadFormatVersion: '2.0',
    });
    await custom.createNamespacedCustomObject({
      ...routes,
      namespace: ns,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'ApiRoute',
        metadata: { name: 'no-creds' },
        spec: { apiId: api, routeKey: 'GET /creds', target: `integrations/${target.IntegrationId}` },
      },
    });

    const bareHealth = await freePort();
    const bare = spawnOperator(
      ['--watch-namespaces', ns, '--health-probe-bind-address', `127.0.0.1:${bareHealth}`],
      noCredentials(),
    );
    procs.push(bare);
    // Promptly: within the first passes, not after minutes of AwsUnavailable.
    const o = await waitCondition(ns, 'no-creds', 'Stalled', 'AwsCredentials', 20_000);
    expect(condition(o, 'Ready')).toMatchObject({ status: 'False', reason: 'AwsCredentials' });
    expect(condition(o, 'Reconciling')).toMatchObject({ status: 'False' });
    expect(condition(o, 'Stalled')?.message).toMatch(
      /^the operator's AWS credentials do not work: .*eks\.amazonaws\.com\/role-arn annotation for IRSA, or its EKS Pod Identity association/,
    );
    const routeStalled = await eventually(
      'the ApiRoute Stalled with AwsCredentials',
      async () => {
        const c = await routeCondition(ns, 'no-creds', 'Stalled');
        return c?.status === 'True' && c.reason === 'AwsCredentials' ? c : undefined;
      },
      20_000,
    );
    expect(routeStalled.message).toMatch(/Pod Identity association/);
    expect(await integrationsOf(api)).toHaveLength(1);
    // The operator's log says why, once per object, as a warning with the reason.
    const warned = bare.logs().filter((l) => l.reason === 'AwsCredentials' && l.msg === 'AWS credentials not usable');
    expect(warned.length).toBeGreaterThan(0);
    expect(warned[0]).toMatchObject({ level: 40 });

    // Reconciling went on (above); the pod is not ready, for that reason only, and says why.
    const notReady = await probe(bareHealth, '/readyz');
    expect(notReady.status).toBe(500);
    expect(notReady.body).toContain('[+]informers-synced ok');
    expect(notReady.body).toMatch(
      /\[-\]aws-identity failed: AwsCredentials: the operator's AWS credentials do not work: .*Pod Identity association/,
    );
    // Alive all the same: a restart would not bring credentials.
    expect(await probe(bareHealth, '/healthz')).toEqual({ status: 200, body: 'ok' });
    const identityWarnings = bare.logs().filter((l) => l.check === 'aws-identity');
    expect(identityWarnings.length).toBeGreaterThan(0);
    expect(identityWarnings[0]).toMatchObject({
      level: 40,
      reason: 'AwsCredentials',
      msg: expect.stringContaining('GetCallerIdentity'),
      err: expect.stringMatching(/eks\.amazonaws\.com\/role-arn annotation for IRSA/),
      attempt: 1,
    });
    await bare.stop();

    // The fix (an IRSA annotation, a Pod Identity association) takes a pod restart to be seen.
    const fixedHealth = await freePort();
    const secret = `never-logged-${Date.now()}`;
    const fixed = spawnOperator(['--watch-namespaces', ns, '--health-probe-bind-address', `127.0.0.1:${fixedHealth}`], {
      AWS_SECRET_ACCESS_KEY: secret,
    });
    procs.push(fixed);
    await eventually('/readyz ok', async () => (await probe(fixedHealth, '/readyz')).status === 200, 30_000);
    // moto's answer for any key: its default account.
    const confirmed = fixed.logs().filter((l) => l.msg === 'AWS identity confirmed');
    expect(confirmed).toEqual([
      expect.objectContaining({ level: 30, arn: 'arn:aws:sts::123456789012:user/moto', account: '123456789012' }),
    ]);
    const ready = await waitReady(ns, 'no-creds', 30_000);
    expect(condition(ready, 'Stalled')).toMatchObject({ status: 'False' });
    await eventually(
      'the ApiRoute Ready',
      async () => (await routeCondition(ns, 'no-creds', 'Ready'))?.status === 'True',
      30_000,
    );
    expect(await integrationsOf(api)).toHaveLength(2);
    expect(readFileSync(fixed.logFile, 'utf8')).not.toContain(secret);
  });
});
