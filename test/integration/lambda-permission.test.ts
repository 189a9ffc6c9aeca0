// spec.lambdaPermission on the test bed: moto's Lambda behind a fidelity proxy that keeps function
// policies the way Lambda does (a taken statement id is a 409). Check says on Live what is missing,
// with the command that grants it, and clears once it is granted out of band; Managed adds exactly
// one statement even when AddPermission's answers are lost, puts back a statement removed out of
// band at the drift check, and removes its statement on a move and on delete. A Managed object
// restored from a backup (annotations and spec, a new uid, no status) replaces the statement the
// lost cluster added with its own.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { ANNOTATION_LAMBDA_PERMISSIONS } from '../../src/api/v1alpha1/lambda-permission.ts';
import { PLURAL } from '../../src/api/v1alpha1/schema.ts';
import type { Operator } from '../../src/operator.ts';
import { FaultProxy } from '../faultproxy/proxy.ts';
import {
  condition,
  createApi,
  createObject,
  custom,
  deleteObject,
  eventsFor,
  eventually,
  getObject,
  gone,
  installCrd,
  newNamespace,
  patchSpec,
  tb,
  waitReady,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';
import { addPermission, createFunction, removePermission, statementsOf } from '../support/lambda.ts';

let ns = '';
let operator: Operator;
let proxy: FaultProxy;
/** How many AddPermission answers the proxy is still to lose (the statement is added all the same). */
let addsToLose = 0;

const executeApi = (apiId: string) => `arn:aws:execute-api:${tb.region}:123456789012:${apiId}`;
const lambda = (apiId: string, functionArn: string, over: Record<string, unknown> = {}) => ({
  apiId,
  integrationType: 'AWS_PROXY',
  integrationUri: functionArn,
  payloadFormatVersion: '2.0',
  ...over,
});

async function waitLive(name: string, accept: (reason: string, message: string) => boolean, what: string) {
  return eventually(
    `${ns}/${name} Live ${what}`,
    async () => {
      const o = await getObject(ns, name);
      const live = condition(o, 'Live');
      return live && accept(live.reason ?? '', live.message ?? '') ? o : undefined;
    },
    30_000,
  );
}

const notAboutPermission = (reason: string) => !reason.startsWith('Lambda');

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('lambda-permission');
  proxy = await FaultProxy.start({
    upstream: tb.motoEndpoint,
    region: tb.region,
    fidelity: true,
    label: 'lambda-permission',
    lose: (r, status) => r.operation === 'AddPermission' && status < 300 && addsToLose-- > 0,
  });
  operator = await startOperator({ watchNamespaces: [ns], awsEndpoint: proxy.url, manageLambdaPermissions: true });
});

afterAll(async () => {
  await operator?.stop();
  await proxy?.close();
});

describe('lambdaPermission Check (the default)', () => {
  it('says the permission is missing, with the command, and clears once it is granted out of band', async () => {
    const apiId = await createApi('HTTP');
    const fn = await createFunction('check');
    await createObject(ns, 'checked', lambda(apiId, fn));
    const missing = await waitLive('checked', (r) => r === 'LambdaPermissionMissing', 'LambdaPermissionMissing');
    expect(condition(missing, 'Live')?.status).toBe('False');
    expect(condition(missing, 'Live')?.message).toContain(
      `aws lambda add-permission --function-name ${fn} --statement-id apigw-${apiId}-${missing.metadata.uid}`,
    );
    expect(condition(missing, 'Ready')?.status).toBe('True');
    const warnings = (await eventsFor(ns, 'checked')).filter((e) => e.reason === 'LambdaPermissionMissing');
    expect(warnings.map((e) => e.type)).toEqual(['Warning']);

    await addPermission(proxy.url, fn, 'granted-by-hand', `${executeApi(apiId)}/*/*/*`);
    await waitLive('checked', notAboutPermission, 'no longer about the permission');
    // Check never writes: the statement made by hand is the only one.
    expect((await statementsOf(proxy.url, fn)).map((s) => s.Sid)).toEqual(['granted-by-hand']);
  });
});

describe("another account's function", () => {
  it('is Live Unknown, saying why, and never fails or stalls the object', async () => {
    const apiId = await createApi('HTTP');
    const foreign = 'arn:aws:lambda:us-east-1:444455556666:function:elsewhere';
    await createObject(ns, 'foreign', lambda(apiId, foreign));
    const o = await waitLive('foreign', (r) => r === 'LambdaPermissionUnknown', 'LambdaPermissionUnknown');
    expect(condition(o, 'Live')).toMatchObject({ status: 'Unknown' });
    expect(condition(o, 'Live')?.message).toContain('not authorized to perform: lambda:GetPolicy');
    expect(condition(o, 'Ready')?.status).toBe('True');
    expect(condition(o, 'Stalled')?.status).not.toBe('True');
  });
});

describe('lambdaPermission Managed', () => {
  it('adds exactly one statement though AddPermission answers are lost, puts it back, moves it and removes it', async () => {
    const [apiA, apiB] = [await createApi('HTTP'), await createApi('HTTP')];
    const fn = await createFunction('managed');
    const addsBefore = proxy.count({ operation: 'AddPermission' });
    addsToLose = 1;
    const made = await createObject(ns, 'managed', lambda(apiA, fn, { lambdaPermission: 'Managed' }));
    const sidA = `apigw-${apiA}-${made.metadata.uid}`;
    await eventually('the statement recorded', async () => {
      const o = await getObject(ns, 'managed');
      const live = condition(o, 'Live')?.reason ?? '';
      return o.status?.lambdaPermission && notAboutPermission(live) && live !== 'NotCreated' ? o : undefined;
    });
    // The lost answer's statement is found by the next read, not added again.
    expect(proxy.count({ operation: 'AddPermission', outcome: 'lost_response' })).toBe(1);
    expect(proxy.count({ operation: 'AddPermission' }) - addsBefore).toBe(1);
    const one = await statementsOf(proxy.url, fn);
    expect(one.map((s) => s.Sid)).toEqual([sidA]);
    expect(one[0]?.Condition?.ArnLike?.['AWS:SourceArn']).toBe(`${executeApi(apiA)}/*`);
    expect((await getObject(ns, 'managed')).status?.lambdaPermission).toMatchObject({ statementId: sidA });

    // Removed out of band: put back at the drift check, still one.
    await removePermission(proxy.url, fn, sidA);
    await eventually('the statement put back', async () =>
      (await statementsOf(proxy.url, fn)).length === 1 ? true : undefined,
    );
    expect((await statementsOf(proxy.url, fn)).map((s) => s.Sid)).toEqual([sidA]);

    // Moved to another API: the new API's statement, and the old one gone.
    await patchSpec(ns, 'managed', { apiId: apiB });
    const sidB = `apigw-${apiB}-${made.metadata.uid}`;
    await eventually('the statement moved', async () => {
      const sids = (await statementsOf(proxy.url, fn)).map((s) => s.Sid);
      return sids.length === 1 && sids[0] === sidB ? true : undefined;
    });
    const removedEvents = (await eventsFor(ns, 'managed')).filter((e) => e.reason === 'LambdaPermissionRemoved');
    expect(removedEvents.length).toBeGreaterThan(0);

    await deleteObject(ns, 'managed');
    await eventually('the object gone', async () => ((await gone(ns, 'managed')) ? true : undefined));
    expect(await statementsOf(proxy.url, fn)).toEqual([]);
  });
});

describe('lambdaPermission Managed, restored from a backup', () => {
  it("replaces the lost cluster's statement with its own: one statement, the same integration", async () => {
    const apiId = await createApi('HTTP');
    const fn = await createFunction('restored');
    const made = await createObject(ns, 'restored', lambda(apiId, fn, { lambdaPermission: 'Managed' }));
    const before = `apigw-${apiId}-${made.metadata.uid}`;
    const backup = await eventually('the statement in the record annotation', async () => {
      const o = await getObject(ns, 'restored');
      const recorded = o.metadata.annotations?.[ANNOTATION_LAMBDA_PERMISSIONS] ?? '';
      return recorded.includes(before) && o.status?.integrationId ? o : undefined;
    });

    // The cluster is lost with its operator: the object goes without any clean-up.
    await operator.stop();
    const at = { group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name: 'restored' };
    await custom.patchNamespacedCustomObject(
      { ...at, body: { metadata: { finalizers: null } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await deleteObject(ns, 'restored');
    await eventually('the object gone', async () => ((await gone(ns, 'restored')) ? true : undefined));
    // What a backup tool restores: name, annotations and spec; a new uid and no status.
    await custom.createNamespacedCustomObject({
      ...at,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'ApiIntegration',
        metadata: { name: 'restored', annotations: backup.metadata.annotations },
        spec: backup.spec,
      },
    });
    operator = await startOperator({ watchNamespaces: [ns], awsEndpoint: proxy.url, manageLambdaPermissions: true });

    const after = `apigw-${apiId}-${(await getObject(ns, 'restored')).metadata.uid}`;
    await eventually("only the restored object's statement", async () => {
      const sids = (await statementsOf(proxy.url, fn)).map((s) => s.Sid);
      return sids.length === 1 && sids[0] === after ? true : undefined;
    });
    const o = await waitReady(ns, 'restored');
    expect(o.status?.integrationId).toBe(backup.status?.integrationId);
    await eventually('the record naming the new statement alone', async () => {
      const recorded = (await getObject(ns, 'restored')).metadata.annotations?.[ANNOTATION_LAMBDA_PERMISSIONS];
      const records = recorded ? (JSON.parse(recorded) as { statementId: string }[]) : [];
      return records.length === 1 && records[0]!.statementId === after ? true : undefined;
    });
  });
});
