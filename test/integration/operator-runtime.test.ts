// The operator as users run it in production: leader election between real processes, probes,
// Prometheus metrics, and a graceful SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import type { Operator } from '../../src/operator.ts';
import {
  adminKubeConfig,
  createApi,
  createObject,
  eventually,
  getObject,
  installCrd,
  integrationsOf,
  newNamespace,
  sleep,
  waitReady,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';
import { spawnOperator, type OperatorProcess } from '../support/process.ts';

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:hello';
const lambda = (apiId: string) => ({
  apiId,
  integrationType: 'AWS_PROXY',
  integrationUri: LAMBDA,
  payloadFormatVersion: '2.0',
});
const coordination = adminKubeConfig().makeApiClient(k8s.CoordinationV1Api);
const FAST_LEASE = ['--leader-elect', '--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '1s'];

async function lease(name: string) {
  try {
    return await coordination.readNamespacedLease({ namespace: 'default', name });
  } catch {
    return undefined;
  }
}

const wrote = (p: OperatorProcess) => p.logs().filter((l) => l.action === 'Created').length;

beforeAll(async () => {
  await installCrd();
});

describe('leader election between two processes', () => {
  const procs: OperatorProcess[] = [];
  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
  });

  it('lets exactly one replica reconcile, and a standby take over within the lease after kill -9', async () => {
    const ns = await newNamespace('leader');
    const api = await createApi('HTTP');
    const id = `lease-${Date.now()}`;
    const flags = [...FAST_LEASE, '--leader-election-id', id, '--watch-namespaces', ns];
    const a = spawnOperator(flags);
    procs.push(a);
    await eventually('first replica leads', async () => (await lease(id))?.spec?.holderIdentity);
    const b = spawnOperator(flags);
    procs.push(b);
    for (let i = 0; i < 5; i++) await createObject(ns, `one-${i}`, lambda(api));
    for (let i = 0; i < 5; i++) await waitReady(ns, `one-${i}`);
    const leaderFirst = wrote(a) > 0 ? a : b;
    const standby = leaderFirst === a ? b : a;
    expect(wrote(leaderFirst)).toBe(5);
    expect(wrote(standby)).toBe(0);

    const killedHolder = (await lease(id))?.spec?.holderIdentity;
    const killedAt = Date.now();
    leaderFirst.kill('SIGKILL');
    for (let i = 0; i < 5; i++) await createObject(ns, `two-${i}`, lambda(api));
    // The takeover is timed on the lease itself: how long the reconciles after it take on a loaded
    // machine is not the lease's doing.
    await eventually('the standby holds the lease', async () => {
      const holder = (await lease(id))?.spec?.holderIdentity;
      return holder && holder !== killedHolder;
    });
    const tookOverAfter = Date.now() - killedAt;
    for (let i = 0; i < 5; i++) await waitReady(ns, `two-${i}`, 30_000);
    expect(wrote(standby)).toBe(5);
    // Lease 4 s + retry 1 s with jitter: well inside 15 s.
    expect(tookOverAfter).toBeLessThan(15_000);
    expect((await integrationsOf(api)).length).toBe(10);
  });
});

describe('losing the lease', () => {
  it('stops and exits non-zero as soon as another holder owns the lease', async () => {
    const id = `lost-${Date.now()}`;
    const p = spawnOperator([...FAST_LEASE, '--leader-election-id', id]);
    try {
      const held = await eventually('leading', async () => {
        const l = await lease(id);
        return l?.spec?.holderIdentity ? l : undefined;
      });
      // Another replica (or an administrator) takes the lease over.
      await coordination.replaceNamespacedLease({
        namespace: 'default',
        name: id,
        body: {
          ...held,
          spec: {
            ...held.spec,
            holderIdentity: 'intruder',
            leaseDurationSeconds: 3600,
            renewTime: new k8s.V1MicroTime(),
          },
        },
      });
      const t0 = Date.now();
      expect(await p.exited).toBe(1);
      expect(Date.now() - t0).toBeLessThan(6000);
      expect(p.logs().some((l) => String(l.msg).includes('leader election lost'))).toBe(true);
    } finally {
      p.kill('SIGKILL');
    }
  });
});

describe('probes and metrics', () => {
  let op: Operator;
  let ns = '';
  beforeAll(async () => {
    ns = await newNamespace('metrics');
    op = await startOperator({ watchNamespaces: [ns] });
  });
  afterAll(async () => {
    await op?.stop();
  });

  it('reports ready after the cache syncs and exposes controller-runtime and AWS metrics', async () => {
    const base = `http://127.0.0.1:${op.ports.health}`;
    await eventually('readyz 200', async () => (await fetch(`${base}/readyz`)).status === 200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const api = await createApi('HTTP');
    await createObject(ns, 'm1', lambda(api));
    await waitReady(ns, 'm1');
    const text = await (await fetch(`http://127.0.0.1:${op.ports.metrics}/metrics`)).text();
    for (const name of [
      'controller_runtime_reconcile_total',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_reconcile_time_seconds',
      'controller_runtime_max_concurrent_reconciles',
      'controller_runtime_active_workers',
      'workqueue_depth',
      'workqueue_adds_total',
      'workqueue_retries_total',
      'workqueue_queue_duration_seconds',
      'workqueue_work_duration_seconds',
      'apigw_aws_requests_total',
      'apigw_aws_request_duration_seconds',
      'apigw_apiintegrations',
      'process_open_fds',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(
      /controller_runtime_reconcile_total\{controller="apiintegration",result="requeue_after"\} [1-9]/,
    );
    expect(text).toMatch(/apigw_aws_requests_total\{operation="CreateIntegration",outcome="ok"\} 1/);
    expect(text).toMatch(/controller_runtime_max_concurrent_reconciles\{controller="apiintegration"\} 4/);
    expect(text).toMatch(/apigw_apiintegrations\{ready="True",reason="Synced"\} 1/);
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM during a burst: exits 0 within the deadline, releases the lease, leaves consistent objects', async () => {
    const ns = await newNamespace('sigterm');
    const api = await createApi('HTTP');
    const id = `term-${Date.now()}`;
    const p = spawnOperator([
      ...FAST_LEASE,
      '--leader-election-id',
      id,
      '--watch-namespaces',
      ns,
      '--shutdown-timeout',
      '5s',
      '--workers',
      '2',
    ]);
    await eventually('leading', async () => (await lease(id))?.spec?.holderIdentity);
    await Promise.all(Array.from({ length: 30 }, (_, i) => createObject(ns, `burst-${i}`, lambda(api))));
    await eventually('work under way', async () => p.logs().some((l) => l.action === 'Created'), 20_000, 20);
    const t0 = Date.now();
    p.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await lease(id))?.spec?.holderIdentity ?? '').toBe('');
    // Every object is either untouched or fully recorded; AWS holds exactly what was recorded.
    const inAws = new Set((await integrationsOf(api)).map((i) => i.IntegrationId));
    let recorded = 0;
    for (let i = 0; i < 30; i++) {
      const o = await getObject(ns, `burst-${i}`);
      const annotated = o.metadata.annotations?.['apigw.dev/integration-id'];
      if (o.status?.integrationId) {
        expect(annotated).toBe(o.status.integrationId);
        expect(inAws.has(o.status.integrationId)).toBe(true);
      }
      if (annotated) recorded++;
    }
    expect(recorded).toBeGreaterThan(0);
    expect(inAws.size).toBeGreaterThanOrEqual(recorded);
    // A new replica finishes the job without duplicates.
    const q = spawnOperator(['--watch-namespaces', ns]);
    try {
      for (let i = 0; i < 30; i++) await waitReady(ns, `burst-${i}`, 60_000);
      expect((await integrationsOf(api)).length).toBe(30);
    } finally {
      q.kill('SIGTERM');
      await q.exited;
    }
    await sleep(10);
  });
});

describe('command line', () => {
  it('--help lists the kubebuilder-style flags with their environment variables', async () => {
    const p = spawnOperator(['--help']);
    expect(await p.exited).toBe(0);
    const { readFileSync } = await import('node:fs');
    const help = readFileSync(p.logFile, 'utf8');
    for (const flag of [
      '--leader-elect',
      '--leader-election-id',
      '--leader-election-namespace',
      '--metrics-bind-address',
      '--health-probe-bind-address',
      '--watch-namespaces',
      '--label-selector',
      '--drift-interval',
      '--aws-rate',
    ]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain('APIGW_LEADER_ELECT');
    expect(help).toMatch(/--metrics-bind-address.*default :8080/);
  });

  it('logs one JSON object per line with a single controller key, or readable text with --log-format text', async () => {
    const ns = await newNamespace('logs');
    const api = await createApi('HTTP');
    const { readFileSync } = await import('node:fs');
    const json = spawnOperator(['--watch-namespaces', ns]);
    // Another namespace, so the two operators never reconcile the same object.
    const text = spawnOperator(['--watch-namespaces', await newNamespace('logs-text'), '--log-format', 'text']);
    try {
      await createObject(ns, 'logged', lambda(api));
      await waitReady(ns, 'logged');
      await eventually('the create logged', async () => json.logs().some((l) => l.action === 'Created'), 20_000);
      const raw = readFileSync(json.logFile, 'utf8').trim().split('\n');
      expect(raw.length).toBeGreaterThan(0);
      for (const line of raw) {
        expect(() => JSON.parse(line) as unknown).not.toThrow();
        expect(line.split('"controller":').length).toBeLessThanOrEqual(2);
      }
      await eventually('text lines', async () => readFileSync(text.logFile, 'utf8').includes('INFO'), 20_000);
      const human = readFileSync(text.logFile, 'utf8').trim().split('\n');
      expect(human.some((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO/.test(l))).toBe(true);
      expect(human.every((l) => !l.startsWith('{'))).toBe(true);
    } finally {
      json.kill('SIGTERM');
      text.kill('SIGTERM');
      await Promise.all([json.exited, text.exited]);
    }
  });

  it('refuses a bad flag with a clear message and exit code 2', async () => {
    const p = spawnOperator(['--workers', 'many']);
    expect(await p.exited).toBe(2);
  });
});

describe('scale-out by label selector', () => {
  it('splits objects between two deployments by label, each caching only its own', async () => {
    const ns = await newNamespace('shards');
    const api = await createApi('HTTP');
    const a = await startOperator({ watchNamespaces: [ns], labelSelector: 'shard=a' });
    const b = await startOperator({ watchNamespaces: [ns], labelSelector: 'shard=b' });
    try {
      for (let i = 0; i < 4; i++)
        await createObject(ns, `s-${i}`, lambda(api), { labels: { shard: i % 2 === 0 ? 'a' : 'b' } });
      for (let i = 0; i < 4; i++) await waitReady(ns, `s-${i}`);
      for (let i = 0; i < 4; i++) {
        const mine = i % 2 === 0 ? a : b;
        const other = i % 2 === 0 ? b : a;
        expect(mine.get(`${ns}/s-${i}`)).toBeDefined();
        expect(other.get(`${ns}/s-${i}`)).toBeUndefined();
      }
      expect((await integrationsOf(api)).length).toBe(4);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
