// Every Kubernetes request of the operator shares one keep-alive connection pool (issue 10).
// A TCP pass-through proxy in front of the test bed's API server counts the connections that the
// operator's own adapters open. TLS passes through untouched, so the serving certificate (whose
// SANs include 127.0.0.1) is verified against the test bed's CA and the token is the admin's.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import type { ApiIntegration, ApiIntegrationStatusT } from '../../src/api/v1alpha1/types.ts';
import { closeKubeConnections, kubeConnections, pooled } from '../../src/adapters/kubernetes/connections.ts';
import { KubeEventRecorder } from '../../src/adapters/kubernetes/events.ts';
import { KubeLeaseStore } from '../../src/adapters/kubernetes/lease-store.ts';
import { CustomResourceListWatcher } from '../../src/adapters/kubernetes/listwatch.ts';
import { NamespaceAnnotationPolicy } from '../../src/adapters/kubernetes/namespace-policy.ts';
import { KubeApiIntegrationStore } from '../../src/adapters/kubernetes/store.ts';
import { PLURAL } from '../../src/api/v1alpha1/schema.ts';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { Operator } from '../../src/operator.ts';
import { systemClock } from '../../src/runtime/clock.ts';
import { Informer } from '../../src/runtime/informer.ts';
import {
  createApi,
  createObject,
  eventsFor,
  eventually,
  installCrd,
  kubeConfigVia,
  newNamespace,
  tb,
  waitReady,
} from '../support/cluster.ts';
import { testConfig } from '../support/operator.ts';

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:hello';
const spec = (apiId: string) => ({
  apiId,
  integrationType: 'AWS_PROXY',
  integrationUri: LAMBDA,
  payloadFormatVersion: '2.0',
});
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const report = (line: string) => process.stderr.write(`[kube-connections] ${line}\n`);

/** Counts the TCP connections accepted on a loopback port and pipes each to the API server. */
class CountingProxy {
  accepted = 0;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<[Socket, Socket]>();
  private readonly server: Server;

  constructor(target: URL) {
    this.server = createServer((client) => {
      this.accepted++;
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => (s === client ? upstream : client).destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.on('close', () => this.pairs.delete(pair));
    });
  }

  /** Client-side connections currently open. */
  get open(): number {
    let n = 0;
    for (const s of this.sockets) if (s.remotePort !== undefined && s.localPort === this.port) n++;
    return n;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `https://127.0.0.1:${this.port}`;
  }

  reset(): void {
    this.accepted = 0;
  }

  /**
   * The open connections go silent without closing, as when a NAT or load balancer in between
   * forgets them: nothing more is passed on in either direction. New connections work.
   */
  freeze(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

/** The operator's Kubernetes adapters, built the way operator.ts builds them, on one KubeConfig. */
function adapters(kc: k8s.KubeConfig, namespace: string) {
  return {
    store: new KubeApiIntegrationStore(kc),
    lw: new CustomResourceListWatcher<ApiIntegration>(kc, {
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace,
    }),
    events: new KubeEventRecorder(kc, logger, { clock: systemClock, windowMs: 0 }),
    policy: new NamespaceAnnotationPolicy(kc, { clock: systemClock, ttlMs: 0 }),
    // One Lease per lane, so concurrent lanes do not conflict on it.
    lease: (name: string) => new KubeLeaseStore(kc, namespace, name),
  };
}
type Adapters = ReturnType<typeof adapters>;

/**
 * One request through one adapter, by step number: patch, status write, list, lease read and
 * renew, namespace read; with `events`, every fifth step also records an event, which the
 * recorder sends in the background (a concurrent request).
 */
function stepper(a: Adapters, initial: ApiIntegration, opts: { lane: string; events: boolean }) {
  const lease = a.lease(`pool-${opts.lane}-${Date.now()}`);
  let obj = initial;
  let leaseRv: string | undefined;
  const signal = new AbortController().signal;
  return async (i: number): Promise<void> => {
    switch (i % 5) {
      case 0:
        obj = await a.store.patchMetadata(obj, { annotations: { 'apigw.dev/pool-test': String(i) } });
        if (opts.events) a.events.record(obj, 'Normal', 'PoolTest', `step ${i}`);
        return;
      case 1:
        obj = await a.store.patchStatus(obj, { observedGeneration: i } as ApiIntegrationStatusT);
        return;
      case 2:
        await a.lw.list({ limit: 50, signal });
        return;
      case 3: {
        const now = new Date().toISOString().replace('Z', '000Z');
        const record = {
          holderIdentity: 'pool-test',
          leaseDurationSeconds: 15,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: 0,
        };
        const current = leaseRv ?? (await lease.get())?.resourceVersion;
        leaseRv = current ? await lease.update(record, current) : await lease.create(record);
        return;
      }
      default:
        await a.policy.roleFor(obj.metadata.namespace);
    }
  };
}

/** Starts a watch through the list-watcher and resolves once it delivers a change we make. */
async function openWatch(
  a: Adapters,
  obj: ApiIntegration,
  signal: AbortSignal,
): Promise<{ ended: Promise<void>; seen: string[] }> {
  const seen: string[] = [];
  const { resourceVersion } = await a.lw.list({ signal });
  const ended = a.lw.watch({ resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 120, signal }, (e) =>
    seen.push(e.type),
  );
  await eventually(
    'the watch delivers a change',
    async () => {
      await a.store.patchMetadata(obj, { annotations: { 'apigw.dev/watch-probe': String(Date.now()) } });
      return seen.includes('MODIFIED');
    },
    10_000,
    200,
  );
  return { ended, seen };
}

let proxy: CountingProxy;
let server: string;
let ns: string;

beforeAll(async () => {
  await installCrd();
  proxy = new CountingProxy(new URL(tb.apiserverUrl));
  server = await proxy.listen();
  ns = await newNamespace('pool');
});

afterAll(async () => {
  await proxy.close();
});

describe('the Kubernetes adapters share one keep-alive connection pool', () => {
  it('serves 50 sequential requests of every kind, and events, over at most 2 connections', async () => {
    const kc = kubeConfigVia(server);
    const a = adapters(kc, ns);
    const step = stepper(a, await createObject(ns, 'sequential', spec('abc1234')), { lane: 'seq', events: true });
    proxy.reset();
    for (let i = 0; i < 50; i++) await step(i);
    await eventually(
      '10 events recorded',
      async () => (await eventsFor(ns, 'sequential')).filter((e) => e.reason === 'PoolTest').length >= 10,
    );
    report(
      `50 sequential requests (patch, status, list, lease, namespace) + 10 background events: ${proxy.accepted} connection(s)`,
    );
    expect(proxy.accepted).toBeLessThanOrEqual(2);
    await closeKubeConnections(pooled(kc));
  });

  it('keeps a watch open while concurrent requests share the pool, and an aborted watch gives its stream back', async () => {
    const kc = kubeConfigVia(server);
    const a = adapters(kc, ns);
    const obj = await createObject(ns, 'watched', spec('abc1234'));
    proxy.reset();
    const ac = new AbortController();
    const watch = await openWatch(a, obj, ac.signal);
    // Four lanes at once, as four workers would, while the watch streams.
    await Promise.all(
      ['a', 'b', 'c', 'd'].map(async (lane) => {
        const step = stepper(a, obj, { lane, events: true });
        for (let i = 0; i < 10; i++) await step(i);
      }),
    );
    report(`a watch + 40 requests in 4 concurrent lanes + background events: ${proxy.accepted} connection(s)`);
    expect(proxy.accepted).toBeLessThanOrEqual(3);
    expect(watch.seen).toContain('MODIFIED');
    const openWithWatch = proxy.open;
    ac.abort();
    await watch.ended;
    const step = stepper(a, obj, { lane: 'after', events: false });
    for (let i = 0; i < 5; i++) await step(i);
    expect(proxy.open).toBe(openWithWatch);
    report(`after aborting the watch: ${proxy.accepted} connection(s) in all, ${proxy.open} open`);
    expect(proxy.accepted).toBeLessThanOrEqual(3);
    await closeKubeConnections(pooled(kc));
  });

  it('over HTTP/1.1 too: a watch holds one connection, requests use others, and an aborted watch closes its own', async () => {
    // Over HTTP/1.1 a background event is a second request in flight, so it needs a connection of
    // its own; these lanes record none.
    const kc = kubeConnections(kubeConfigVia(server), { agent: { allowH2: false } });
    const a = adapters(kc, ns);
    const obj = await createObject(ns, 'http1', spec('abc1234'));
    proxy.reset();
    const seq = stepper(a, obj, { lane: 'h1', events: false });
    for (let i = 0; i < 50; i++) await seq(i);
    report(`HTTP/1.1: 50 sequential requests: ${proxy.accepted} connection(s)`);
    expect(proxy.accepted).toBeLessThanOrEqual(2);

    proxy.reset();
    const ac = new AbortController();
    const watch = await openWatch(a, obj, ac.signal);
    const lane = stepper(a, obj, { lane: 'h1w', events: false });
    for (let i = 0; i < 20; i++) await lane(i);
    report(`HTTP/1.1: a watch + 20 sequential requests: ${proxy.accepted} new connection(s), ${proxy.open} open`);
    expect(proxy.accepted).toBeLessThanOrEqual(3);
    const openWithWatch = proxy.open;
    ac.abort();
    await watch.ended;
    await eventually(
      'the aborted watch closes its connection',
      async () => proxy.open === openWithWatch - 1,
      5_000,
      50,
    );
    // undici's pool may reconnect the watch's slot for the next request (it takes the first free
    // slot), but the pool never grows past what the watch and the requests needed.
    for (let i = 0; i < 5; i++) await lane(i);
    expect(proxy.open).toBeLessThanOrEqual(openWithWatch);
    report(`HTTP/1.1: after aborting the watch and 5 more requests: ${proxy.open} open`);
    await closeKubeConnections(kc);
  });
});

describe('a connection that goes silent', () => {
  it('is dropped once an HTTP/2 PING goes unanswered, and the informer sees changes again on a new one', async () => {
    // The pool PINGs every 30 s; here every half second, so the test does not wait a minute.
    const kc = kubeConnections(kubeConfigVia(server), { agent: { h2Options: { pingInterval: 500 } } });
    const watchNs = await newNamespace('silent');
    const informer = new Informer<ApiIntegration>({
      listWatcher: new CustomResourceListWatcher<ApiIntegration>(kc, {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: watchNs,
      }),
      logger,
      backoff: { initialMs: 100 },
    });
    const seen = new Set<string>();
    informer.onAdd((o) => seen.add(o.metadata.name));
    informer.start();
    try {
      expect(await informer.waitForSync()).toBe(true);
      await createObject(watchNs, 'before', spec('abc1234'));
      await eventually('the watch delivers an object created before the silence', async () => seen.has('before'));
      const accepted = proxy.accepted;
      proxy.freeze();
      await createObject(watchNs, 'during', spec('abc1234'));
      await eventually('the informer sees an object created after the silence', async () => seen.has('during'), 15_000);
      report(`silent connection replaced: ${proxy.accepted - accepted} new connection(s)`);
      expect(proxy.accepted).toBeGreaterThan(accepted);
    } finally {
      await informer.stop();
      await closeKubeConnections(kc);
    }
  });
});

describe('the operator', () => {
  it('reconciles with leader election, informer, patches, status writes and events over at most 3 connections', async () => {
    const opNs = await newNamespace('pool-op');
    const api = await createApi('HTTP');
    proxy.reset();
    const cfg = testConfig({
      watchNamespaces: [opNs],
      leaderElect: true,
      leaderElectionId: `pool-${Date.now()}`,
      retryPeriodMs: 500,
      workers: 4,
    });
    const kc = kubeConfigVia(server);
    const op = new Operator({ cfg, kc, logger });
    await op.start();
    try {
      for (let i = 0; i < 10; i++) await createObject(opNs, `op-${i}`, spec(api));
      for (let i = 0; i < 10; i++) await waitReady(opNs, `op-${i}`);
    } finally {
      await op.stop();
      await closeKubeConnections(pooled(kc));
    }
    report(`operator, 10 objects to Ready with leader election: ${proxy.accepted} connection(s)`);
    expect(proxy.accepted).toBeLessThanOrEqual(3);
  });
});
