// The fault proxy's scripted faults, each off unless asked for: creates that reads do not see yet,
// transient ELB-listener 400s on private integrations, and late creates that land between two
// pages of a listing; and the command-line settings the test bed starts the proxy with.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { FaultProxy, type FaultProxyOptions } from '../../faultproxy/proxy.ts';
import { proxyOptionsOf, settingsArgs, settingsOf, type ProxySettings } from '../../faultproxy/cli-options.ts';
import { ELB_LISTENER_MESSAGE } from '../../faultproxy/scripted-faults.ts';
import { FakeEmulator } from './fake-emulator.ts';
import { call, json, outcome } from './client.ts';
import { lateCreateSignal } from './waiting.ts';

const emulator = new FakeEmulator();
const proxies: FaultProxy[] = [];
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:f';
const lambda = { integrationType: 'AWS_PROXY', integrationUri: LAMBDA, payloadFormatVersion: '2.0' };

beforeAll(() => emulator.start());
afterAll(() => emulator.close());
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  emulator.reset();
});

async function proxy(opts: Omit<FaultProxyOptions, 'upstream'>): Promise<FaultProxy> {
  const p = await FaultProxy.start({ upstream: emulator.url, ...opts });
  proxies.push(p);
  return p;
}

async function newApi(url: string): Promise<string> {
  return String(json(await call(url, 'POST', '/v2/apis', { name: 'a', protocolType: 'HTTP' })).apiId);
}

const idsOf = (page: Record<string, unknown>) =>
  (page.items as Record<string, unknown>[]).map((i) => i.integrationId ?? i.routeId);

describe('notVisibleForMs', () => {
  it('hides a new integration and route from reads for a while, but not from other calls', async () => {
    for (const fidelity of [true, false]) {
      // The window is measured on a clock the test moves, so a slow machine cannot close it early.
      let clock = Date.now();
      const p = await proxy({ fidelity, notVisibleForMs: 400, now: () => clock });
      const api = await newApi(p.url);
      const iid = String(json(await call(p.url, 'POST', `/v2/apis/${api}/integrations`, lambda)).integrationId);
      const route = { routeKey: 'GET /a', target: `integrations/${iid}` };
      const rid = String(json(await call(p.url, 'POST', `/v2/apis/${api}/routes`, route)).routeId);
      expect(outcome(await call(p.url, 'GET', `/v2/apis/${api}/integrations/${iid}`))).toEqual({
        status: 404,
        type: 'NotFoundException',
        message: `Invalid Integration identifier specified ${iid}`,
      });
      expect(outcome(await call(p.url, 'GET', `/v2/apis/${api}/routes/${rid}`))).toEqual({
        status: 404,
        type: 'NotFoundException',
        message: `Invalid Route identifier specified ${rid}`,
      });
      expect(idsOf(json(await call(p.url, 'GET', `/v2/apis/${api}/integrations`)))).toEqual([]);
      expect(idsOf(json(await call(p.url, 'GET', `/v2/apis/${api}/routes`)))).toEqual([]);
      if (fidelity)
        expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/routes`, route))).toMatchObject({
          status: 409,
          message: 'Route with key GET /a already exists for this API',
        });
      expect(p.count({ outcome: 'not_visible' })).toBe(2);
      clock += 399;
      expect(outcome(await call(p.url, 'GET', `/v2/apis/${api}/integrations/${iid}`)).status).toBe(404);
      clock += 1;
      expect(outcome(await call(p.url, 'GET', `/v2/apis/${api}/integrations/${iid}`)).status).toBe(200);
      expect(idsOf(json(await call(p.url, 'GET', `/v2/apis/${api}/routes`)))).toEqual([rid]);
    }
  });

  it('is off by default', async () => {
    const p = await proxy({ fidelity: true });
    const api = await newApi(p.url);
    const iid = String(json(await call(p.url, 'POST', `/v2/apis/${api}/integrations`, lambda)).integrationId);
    expect(outcome(await call(p.url, 'GET', `/v2/apis/${api}/integrations/${iid}`)).status).toBe(200);
  });
});

describe('transientElbFailures', () => {
  const vpcLink = {
    integrationType: 'HTTP_PROXY',
    integrationMethod: 'ANY',
    integrationUri: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/1/2',
    connectionType: 'VPC_LINK',
    connectionId: 'abc123',
    payloadFormatVersion: '1.0',
  };

  it('refuses the first N private-integration creates with the ELB-listener 400, unapplied, and nothing else', async () => {
    const p = await proxy({ fidelity: true, transientElbFailures: 2 });
    const api = await newApi(p.url);
    const refused = { status: 400, type: 'BadRequestException', message: ELB_LISTENER_MESSAGE };
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/integrations`, vpcLink))).toEqual(refused);
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/integrations`, lambda)).status).toBe(201);
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/integrations`, vpcLink))).toEqual(refused);
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/integrations`, vpcLink)).status).toBe(201);
    expect(emulator.items(api, 'integrations').map((i) => i.connectionType)).toEqual(['INTERNET', 'VPC_LINK']);
    expect(p.count({ outcome: 'injected_elb_failure' })).toBe(2);
    expect(ELB_LISTENER_MESSAGE).toBe('Unable to retrieve listener port and load balancer DNS name from ELB listener');
  });

  it('is off by default', async () => {
    const p = await proxy({ fidelity: true });
    const api = await newApi(p.url);
    expect(outcome(await call(p.url, 'POST', `/v2/apis/${api}/integrations`, vpcLink)).status).toBe(201);
  });
});

describe('late creates and paged listings', () => {
  const setUp = async (lands?: 'between-pages') => {
    const late = lateCreateSignal((body) => body.description === 'late');
    const p = await proxy({
      fidelity: { pageSize: 2 },
      lateCreate: late.lateCreate,
      ...(lands ? { lateCreateLands: lands } : {}),
    });
    const api = await newApi(p.url);
    for (let i = 0; i < 3; i++) await call(p.url, 'POST', `/v2/apis/${api}/integrations`, lambda);
    const held = call(p.url, 'POST', `/v2/apis/${api}/integrations`, { ...lambda, description: 'late' });
    await late.held;
    return { p, api, held };
  };
  const lateIn = (api: string) => emulator.items(api, 'integrations').filter((i) => i.description === 'late');

  it('by default land after the last page of the next listing, which cannot see them', async () => {
    const { p, api, held } = await setUp();
    const page1 = json(await call(p.url, 'GET', `/v2/apis/${api}/integrations`));
    expect(lateIn(api)).toEqual([]);
    const page2 = json(await call(p.url, 'GET', `/v2/apis/${api}/integrations?nextToken=${String(page1.nextToken)}`));
    expect(page2.nextToken).toBeUndefined();
    expect([...idsOf(page1), ...idsOf(page2)]).toHaveLength(3);
    await expect(held).resolves.toEqual({ error: expect.stringMatching(/ECONNRESET|socket hang up/) });
    expect(lateIn(api)).toHaveLength(1);
  });

  it('with between-pages land before the first page is answered, so a later page shows them once', async () => {
    const { p, api, held } = await setUp('between-pages');
    const page1 = json(await call(p.url, 'GET', `/v2/apis/${api}/integrations`));
    expect(lateIn(api)).toHaveLength(1);
    const page2 = json(await call(p.url, 'GET', `/v2/apis/${api}/integrations?nextToken=${String(page1.nextToken)}`));
    const ids = [...idsOf(page1), ...idsOf(page2)];
    expect(ids).toEqual(emulator.items(api, 'integrations').map((i) => i.integrationId));
    expect(ids.filter((i) => i === lateIn(api)[0]!.integrationId)).toHaveLength(1);
    await held;
    expect(p.count({ operation: 'CreateIntegration', outcome: 'late_create' })).toBe(1);
  });
});

describe('command-line settings', () => {
  it('round-trip through the flags the test bed passes', () => {
    const all: ProxySettings = {
      integrationsPerApi: 3,
      routesPerApi: 4,
      stagesPerApi: 5,
      autoDeployDelayMs: 50,
      createDeploymentIntervalMs: 5000,
      pageSize: 0,
      conflictOnConcurrentWrites: false,
      refuseEmptyResets: false,
      notVisibleForMs: 1500,
      transientElbFailures: 2,
    };
    const args = settingsArgs(all);
    expect(args).toContain('--concurrent-writes');
    const values = Object.fromEntries(
      args.flatMap((a, i) => (a.startsWith('--') ? [[a.slice(2), args[i + 1]!] as const] : [])),
    );
    expect(settingsOf(values)).toEqual(all);
    expect(settingsArgs({})).toEqual([]);
  });

  it('map onto proxy options with fidelity on, and refuse nonsense', () => {
    expect(proxyOptionsOf({})).toEqual({ fidelity: true });
    expect(proxyOptionsOf({ pageSize: 2, conflictOnConcurrentWrites: false, notVisibleForMs: 10 })).toEqual({
      fidelity: { pageSize: 2 },
      conflictOnConcurrentWrites: false,
      notVisibleForMs: 10,
    });
    expect(() => settingsOf({ 'page-size': 'two' })).toThrow(/whole number/);
    expect(() => settingsOf({ 'concurrent-writes': 'maybe' })).toThrow(/refuse or queue/);
  });
});
