// Tenancy as the chart installs it: the operator runs as the release's ServiceAccount with
// tenancy.requireAllowedApiIds on, and its AWS calls go through an in-process fidelity proxy that
// counts them per API. A namespace may touch only the API ids its Namespace's
// apigw.dev/allowed-api-ids annotation lists: an object naming another is Stalled (ApiNotAllowed)
// and no AWS call is made for it; an administrator's change is seen within the policy TTL; an
// object whose API stops being allowed gets no more writes, and deleting it leaves its integration.
// Likewise apigw.dev/allowed-credentials-arns: an integration naming a role no pattern matches is
// Stalled (CredentialsNotAllowed) with no AWS call, and one the glob matches is created with it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { NAMESPACE_POLICY_TTL_MS } from '../../src/adapters/kubernetes/namespace-policy.ts';
import { ALLOWED_API_IDS_ANNOTATION, ALLOWED_CREDENTIALS_ARNS_ANNOTATION } from '../../src/api/v1alpha1/tenancy.ts';
import type { ApiIntegration } from '../../src/api/v1alpha1/types.ts';
import { FaultProxy } from '../faultproxy/proxy.ts';
import {
  allowed,
  helm,
  installRelease,
  logTail,
  startLikeTheDeployment,
  type Started,
} from '../support/chart-release.ts';
import {
  condition,
  core,
  createApi,
  createObject,
  deleteObject,
  eventsFor,
  eventually,
  gone,
  integrationsOf,
  newNamespace,
  patchSpec,
  tb,
  waitCondition,
  waitReady,
} from '../support/cluster.ts';

const run = Date.now().toString(36);
const release = `tenancy-${run}`;
const system = `tenancy-sys-${run}`;
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:tenancy';
const spec = (apiId: string, description?: string) => ({
  apiId,
  integrationType: 'AWS_PROXY',
  integrationUri: LAMBDA,
  payloadFormatVersion: '2.0',
  ...(description ? { description } : {}),
});

let proxy: FaultProxy;
let started: Started;
/**
 * APIs: `listed` is in the allowed namespace's list, `other` in no list, `bare` named from a namespace
 * without one; `roleOk` and `roleRefused` are both listed in the `roles` namespace, which allows only
 * the team-a roles.
 */
let api: { listed: string; other: string; bare: string; later: string; roleOk: string; roleRefused: string };
let ns: { allowing: string; denying: string; bare: string; later: string; roles: string };
const ROLE_PATTERN = 'arn:aws:iam::123456789012:role/tenancy-team-a-*';
const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

/** Every AWS call the operator made about `apiId` (writes only, when asked). */
const callsOn = (apiId: string, writes = false) =>
  proxy.records().filter((r) => r.apiId === apiId && (!writes || r.write)).length;

async function annotate(namespace: string, value: string): Promise<void> {
  await core.patchNamespace(
    { name: namespace, body: { metadata: { annotations: { [ALLOWED_API_IDS_ANNOTATION]: value } } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

/** Waits for the condition; on timeout the error carries the operator's last log lines. */
async function waitFor(wait: () => Promise<ApiIntegration>): Promise<ApiIntegration> {
  try {
    return await wait();
  } catch (e) {
    throw new Error(`${String(e)}\noperator log:\n${logTail(started.op)}`);
  }
}

/** Events go out after the status write that led to them, so one may land a moment after the condition. */
const warned = (namespace: string, name: string, reason: string) =>
  eventually(`Warning ${reason} on ${name}`, async () =>
    (await eventsFor(namespace, name)).some((e) => e.type === 'Warning' && e.reason === reason),
  );

const notAllowed = (namespace: string, name: string, timeoutMs = 30_000) =>
  waitFor(() => waitCondition(namespace, name, 'Stalled', 'ApiNotAllowed', timeoutMs));

beforeAll(async () => {
  proxy = await FaultProxy.start({ upstream: tb.motoEndpoint, region: tb.region, fidelity: true, label: 'tenancy' });
  api = {
    listed: await createApi('HTTP'),
    other: await createApi('HTTP'),
    bare: await createApi('HTTP'),
    later: await createApi('HTTP'),
    roleOk: await createApi('HTTP'),
    roleRefused: await createApi('HTTP'),
  };
  ns = {
    allowing: await newNamespace('tenancy-allow', { [ALLOWED_API_IDS_ANNOTATION]: `${api.listed}, ${api.later}` }),
    denying: await newNamespace('tenancy-deny', { [ALLOWED_API_IDS_ANNOTATION]: api.listed }),
    bare: await newNamespace('tenancy-bare'),
    later: await newNamespace('tenancy-later', { [ALLOWED_API_IDS_ANNOTATION]: api.listed }),
    roles: await newNamespace('tenancy-roles', {
      [ALLOWED_API_IDS_ANNOTATION]: `${api.roleOk} ${api.roleRefused}`,
      [ALLOWED_CREDENTIALS_ARNS_ANNOTATION]: `${role('tenancy-shared')}, ${ROLE_PATTERN}`,
    }),
  };
  // Only these namespaces: the release's Roles are there, and no other test's objects are reconciled.
  await installRelease(release, system, [
    '--set',
    `region=${tb.region}`,
    '--set',
    `awsEndpoint=${proxy.url}`,
    '--set',
    `watchNamespaces={${Object.values(ns).join(',')}}`,
    '--set',
    'tenancy.requireAllowedApiIds=true',
  ]);
  started = await startLikeTheDeployment(release, system);
}, 120_000);

afterAll(async () => {
  if (started) await started.op.stop();
  await proxy?.close();
  try {
    helm('uninstall', release, '--namespace', system);
  } catch {
    /* not installed */
  }
});

describe('tenancy: allowed API ids, operator as the chart ServiceAccount', () => {
  it('runs with the flag from the chart value, and may get the watched Namespaces but not list or watch them', async () => {
    expect(started.args).toContain('--require-allowed-api-ids=true');
    const namespaces = (verb: string, name?: string) => allowed(started.sa, { resource: 'namespaces', verb, name });
    expect(await namespaces('get', ns.denying)).toBe(true);
    expect(await namespaces('list')).toBe(false);
    expect(await namespaces('watch')).toBe(false);
  });

  it('stalls an object naming an API its namespace does not list, making no AWS call for that API', async () => {
    await createObject(ns.denying, 'elsewhere', spec(api.other));
    const o = await notAllowed(ns.denying, 'elsewhere');
    expect(condition(o, 'Ready')).toMatchObject({ status: 'False', reason: 'ApiNotAllowed' });
    expect(condition(o, 'Ready')?.message).toContain(`allows only ${api.listed}`);
    await warned(ns.denying, 'elsewhere', 'ApiNotAllowed');
    expect(callsOn(api.other)).toBe(0);
    expect(await integrationsOf(api.other)).toEqual([]);
    expect(o.metadata.finalizers ?? []).toEqual([]);
  });

  it('makes an object on a listed API Ready', async () => {
    await createObject(ns.allowing, 'listed', spec(api.listed, 'v1'));
    const o = await waitFor(() => waitReady(ns.allowing, 'listed'));
    expect((await integrationsOf(api.listed)).map((i) => i.IntegrationId)).toEqual([o.status?.integrationId]);
    expect(callsOn(api.listed, true)).toBeGreaterThan(0);
  });

  it('refuses every API to a Namespace without the annotation when the operator requires it', async () => {
    await createObject(ns.bare, 'unlisted', spec(api.bare));
    const o = await notAllowed(ns.bare, 'unlisted');
    expect(condition(o, 'Stalled')?.message).toContain(
      'the operator requires the apigw.dev/allowed-api-ids annotation',
    );
    expect(callsOn(api.bare)).toBe(0);
    expect(await integrationsOf(api.bare)).toEqual([]);
  });

  it('becomes Ready within the policy TTL once an administrator lists the API', async () => {
    await createObject(ns.later, 'late', spec(api.later));
    await notAllowed(ns.later, 'late');
    expect(callsOn(api.later)).toBe(0);
    const since = Date.now();
    await annotate(ns.later, `${api.listed} ${api.later}`);
    // The cache entry expires within the TTL; the refused object looks again on the wait interval (the same 30 s).
    await waitFor(() => waitReady(ns.later, 'late', 2 * NAMESPACE_POLICY_TTL_MS + 15_000));
    expect(Date.now() - since).toBeLessThan(2 * NAMESPACE_POLICY_TTL_MS + 15_000);
    expect(await integrationsOf(api.later)).toHaveLength(1);
  }, 120_000);

  it('stops writing to a Ready object’s API once it is no longer listed; deleting the object leaves its integration', async () => {
    const before = await integrationsOf(api.listed);
    expect(before).toHaveLength(1);
    await annotate(ns.allowing, api.later);
    // No Namespace watch: the operator's cached copy of the list is trusted for the TTL.
    await sleep(NAMESPACE_POLICY_TTL_MS + 1000);
    const writes = callsOn(api.listed, true);
    await patchSpec(ns.allowing, 'listed', { description: 'v2' });
    const o = await notAllowed(ns.allowing, 'listed');
    expect(condition(o, 'Stalled')?.message).toContain(`API ${api.listed} is not allowed`);
    expect(callsOn(api.listed, true)).toBe(writes);
    expect(await integrationsOf(api.listed)).toEqual(before);

    await deleteObject(ns.allowing, 'listed');
    await eventually('object gone', () => gone(ns.allowing, 'listed'), 30_000);
    expect(callsOn(api.listed, true)).toBe(writes);
    expect(await integrationsOf(api.listed)).toEqual(before);
    const left = (await eventsFor(ns.allowing, 'listed')).filter((e) => e.reason === 'ApiNotAllowed');
    expect(left.map((e) => e.message)).toContainEqual(
      expect.stringContaining(`left integration ${before[0]!.IntegrationId} in place`),
    );
  }, 120_000);

  it('stalls an integration naming a role its namespace does not allow, making no AWS call for it', async () => {
    await createObject(ns.roles, 'other-role', {
      ...spec(api.roleRefused),
      credentialsArn: role('tenancy-team-b-sqs'),
    });
    const o = await waitFor(() => waitCondition(ns.roles, 'other-role', 'Stalled', 'CredentialsNotAllowed', 30_000));
    expect(condition(o, 'Ready')).toMatchObject({ status: 'False', reason: 'CredentialsNotAllowed' });
    expect(condition(o, 'Ready')?.message).toContain(`credentialsArn ${role('tenancy-team-b-sqs')} is not allowed`);
    await warned(ns.roles, 'other-role', 'CredentialsNotAllowed');
    expect(callsOn(api.roleRefused)).toBe(0);
    expect(await integrationsOf(api.roleRefused)).toEqual([]);
  });

  it('creates an integration with a role the namespace’s pattern matches', async () => {
    await createObject(ns.roles, 'team-role', { ...spec(api.roleOk), credentialsArn: role('tenancy-team-a-sqs') });
    const o = await waitFor(() => waitReady(ns.roles, 'team-role'));
    const made = await integrationsOf(api.roleOk);
    expect(made.map((i) => [i.IntegrationId, i.CredentialsArn])).toEqual([
      [o.status?.integrationId, role('tenancy-team-a-sqs')],
    ]);
  });
});
