// The API server goes away mid-run and comes back, and the operator's watch can no longer resume:
// while it was down, etcd moved on and was compacted, so the watch gets 410 Gone and the
// informer must list again. Changes made right after the restart, before the operator's watch is
// back, must all be acted on: new objects created, spec changes applied, deletions carried out.
// This scenario owns a private control plane (etcd + kube-apiserver) so it can restart it; AWS is
// the shared emulator, behind a proxy.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { buildCrdYaml } from '../../src/api/v1alpha1/crd.ts';
import { PLURAL } from '../../src/api/v1alpha1/schema.ts';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import type { FaultProxy } from '../faultproxy/proxy.ts';
import { restartApiserver, startTestbed, stopTestbed, type TestbedInfo } from '../testbed/testbed.ts';
import { createApi, sleep } from '../support/cluster.ts';
import type { OperatorProcess } from '../support/process.ts';
import {
  auditApis,
  createMany,
  describeAudit,
  expectedOf,
  lambda,
  logTail,
  pool,
  scale,
  spawnThrough,
  startProxy,
  stopOperator,
  waitAllGone,
  waitAllReady,
  waitFor,
} from './support.ts';

const BEFORE = scale(12, 100);
const AFTER = scale(8, 50);
const APIS = 2;
const TIMEOUT = scale(120_000, 600_000);
const NS = 'rel-restart';

let bed: TestbedInfo | undefined;
let custom: k8s.CustomObjectsApi;
let proxy: FaultProxy;
let op: OperatorProcess | undefined;
let apis: string[] = [];

const context = () => `${proxy.summary()}\n--- operator log tail ---\n${logTail(op, 25)}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function etcd(path: string, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${bed!.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Moves etcd's revision on with writes the API server never sees, then compacts up to it. */
async function advanceAndCompact(): Promise<number> {
  let revision = 0;
  for (let i = 0; i < 5; i++) {
    const out = await etcd('/v3/kv/put', { key: b64(`/reliability/filler/${i}`), value: b64(String(Date.now())) });
    revision = Number((out.header as { revision: string }).revision);
  }
  await etcd('/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}

async function patchSpec(name: string, spec: Record<string, unknown>): Promise<void> {
  await custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, plural: PLURAL, namespace: NS, name, body: { spec } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

beforeAll(async () => {
  bed = await startTestbed({ components: { kubernetes: true, aws: false } });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(bed.kubeconfig);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  await ext.createCustomResourceDefinition({ body: k8s.loadYaml<k8s.V1CustomResourceDefinition>(buildCrdYaml()) });
  await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: NS });
      break;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(200);
    }
  }
  apis = await Promise.all(Array.from({ length: APIS }, (_, i) => createApi('HTTP', `rel-restart-${i}`)));
  proxy = await startProxy();
  // A deployed operator serves its probes; the open listener also keeps the process alive while
  // the API server is away (see the second test for what happens without one).
  op = spawnThrough(
    proxy,
    [
      '--watch-namespaces',
      NS,
      '--aws-rate',
      '50',
      '--aws-burst',
      '50',
      '--drift-interval',
      '30s',
      '--health-probe-bind-address',
      '127.0.0.1:0',
    ],
    { KUBECONFIG: bed.kubeconfig },
  );
}, 180_000);

afterAll(async () => {
  await stopOperator(op);
  await proxy?.close();
  if (bed) await stopTestbed(bed);
});

describe('API server restarted, watch expired (410 Gone)', () => {
  it(
    'misses no change made while the operator was reconnecting',
    async () => {
      const before = Array.from({ length: BEFORE }, (_, i) => `before-${i}`);
      const first = await createMany(
        NS,
        before.map((name, i) => ({ name, spec: lambda(apis[i % APIS]!) })),
        8,
        custom,
      );
      await waitAllReady(NS, before, TIMEOUT, context, custom);
      const listedBefore = op!.logs().filter((l) => l.msg === 'listed').length;

      let compactedAt = 0;
      await restartApiserver(bed!, {
        kill: true,
        whileDown: async () => void (compactedAt = await advanceAndCompact()),
      });

      // Straight away, before the operator's watch is back: create, change and delete.
      const after = Array.from({ length: AFTER }, (_, i) => `after-${i}`);
      const changed = before.filter((_, i) => i % 3 === 0);
      const deleted = before.filter((_, i) => i % 3 === 1);
      const second = await createMany(
        NS,
        after.map((name, i) => ({ name, spec: lambda(apis[i % APIS]!) })),
        8,
        custom,
      );
      await pool(changed, 4, (name) => patchSpec(name, { timeoutInMillis: 12_345 }));
      await pool(deleted, 4, (name) =>
        custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: NS, name }),
      );

      const live = [...before.filter((n) => !deleted.includes(n)), ...after];
      await waitAllGone(NS, deleted, TIMEOUT, context, custom);
      const objs = await waitAllReady(NS, live, TIMEOUT, context, custom);

      const liveUids = new Set(objs.map((o) => o.metadata.uid));
      const expected = expectedOf([...first, ...second].filter((o) => liveUids.has(o.metadata.uid)));
      expect(describeAudit(await auditApis(apis, expected))).toBe(
        describeAudit({ missing: [], duplicates: [], leaks: [], total: live.length }),
      );
      const timeouts = new Map(
        [...(await proxy.inventory(apis)).values()].flat().map((i) => [i.owner, i.timeoutInMillis]),
      );
      const uidOf = new Map(objs.map((o) => [o.metadata.name, o.metadata.uid]));
      expect(changed.filter((n) => timeouts.get(uidOf.get(n)) !== 12_345)).toEqual([]);

      // The informer lost its place and listed again, as the scenario intends: in a running process
      // the informer lists only at start and after a 410 (an ERROR event or a 410 status).
      const relists = op!.logs().filter((l) => l.msg === 'listed');
      expect(relists.length).toBeGreaterThan(listedBefore);
      expect(Number(relists.at(-1)!.resourceVersion)).toBeGreaterThanOrEqual(compactedAt);

      await pool(live, 8, (name) =>
        custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: NS, name }),
      );
      await waitFor('all gone', NS, (o) => (o.length === 0 ? true : `${o.length} left`), TIMEOUT, context, custom);
      expect(describeAudit(await auditApis(apis, new Map()))).toBe(
        describeAudit({ missing: [], duplicates: [], leaks: [], total: 0 }),
      );
    },
    TIMEOUT * 4,
  );

  it(
    'keeps running through the outage when its metrics and probe endpoints are disabled',
    async () => {
      await stopOperator(op);
      // spawnOperator's defaults: --metrics-bind-address 0 and --health-probe-bind-address 0.
      op = spawnThrough(proxy, ['--watch-namespaces', NS, '--drift-interval', '30s'], { KUBECONFIG: bed!.kubeconfig });
      await createMany(NS, [{ name: 'quiet-0', spec: lambda(apis[0]!) }], 1, custom);
      await waitAllReady(NS, ['quiet-0'], TIMEOUT, context, custom);
      await restartApiserver(bed!, { kill: true, whileDown: async () => void (await sleep(3000)) });
      await sleep(2000);
      // Nothing but the lost watch connection kept the event loop alive.
      expect({ exitCode: op!.child.exitCode, signal: op!.child.signalCode }).toEqual({ exitCode: null, signal: null });
      await createMany(NS, [{ name: 'quiet-1', spec: lambda(apis[0]!) }], 1, custom);
      await waitAllReady(NS, ['quiet-0', 'quiet-1'], TIMEOUT, context, custom);
    },
    TIMEOUT * 2,
  );
});
