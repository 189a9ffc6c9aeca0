// A 400 that passes on its own: AWS sometimes cannot read a private integration's load balancer
// listener (terraform-provider-aws#22590) while other integrations on it succeed. The fault proxy
// answers that to the first creates of a VPC_LINK integration; the object must retry with backoff
// and end Ready with one integration, never Stalled as AwsRejected.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Operator } from '../../src/operator.ts';
import { FaultProxy } from '../faultproxy/proxy.ts';
import {
  condition,
  createApi,
  createObject,
  eventsFor,
  getObject,
  installCrd,
  integrationsOf,
  newNamespace,
  tb,
  waitReady,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';

const FAILURES = 3;
let ns = '';
let proxy: FaultProxy;
let operator: Operator;

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('transient');
  proxy = await FaultProxy.start({
    upstream: tb.motoEndpoint,
    region: tb.region,
    fidelity: true,
    label: 'transient',
    transientElbFailures: FAILURES,
  });
  operator = await startOperator({ watchNamespaces: [ns], awsEndpoint: proxy.url });
});

afterAll(async () => {
  await operator?.stop();
  await proxy?.close();
});

describe('a load balancer listener AWS could not read this time', () => {
  it('is retried until the create succeeds: Ready, one integration, no AwsRejected', async () => {
    const api = await createApi('HTTP');
    const stalls: string[] = [];
    let watching = true;
    // The object must never read Stalled on the way, which a single final read would not show.
    const watch = (async () => {
      while (watching) {
        const o = await getObject(ns, 'private').catch(() => undefined);
        const stalled = o && condition(o, 'Stalled');
        if (stalled?.status === 'True') stalls.push(stalled.reason ?? '');
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await createObject(ns, 'private', {
      apiId: api,
      integrationType: 'HTTP_PROXY',
      integrationMethod: 'ANY',
      integrationUri:
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/inventory/50dc6c495c0c9188/0467ef3c8400ae65',
      connectionType: 'VPC_LINK',
      connectionId: 'vl0abc1',
      payloadFormatVersion: '1.0',
    });
    const ready = await waitReady(ns, 'private', 60_000);
    watching = false;
    await watch;
    expect(stalls).toEqual([]);
    expect(proxy.count({ operation: 'CreateIntegration', outcome: 'injected_elb_failure' })).toBe(FAILURES);
    expect((await integrationsOf(api)).map((i) => i.IntegrationId)).toEqual([ready.status?.integrationId]);
    // Refused, so nothing was in doubt: no wait for a create that might still land.
    expect(ready.metadata.annotations?.['apigw.dev/create-pending']).toBeUndefined();
    expect((await eventsFor(ns, 'private')).map((e) => e.reason)).not.toContain('AwsRejected');
  });
});
