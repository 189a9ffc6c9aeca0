// Two replicas with leader election, each talking to AWS through its own proxy so every AWS write
// is attributed to the process that sent it. The leader is killed with SIGKILL in the middle of a
// rollout, at the worst moment (a create applied, its answer never delivered), and a new standby
// is started each time. The replicas' AWS writes must never overlap in time, every object must end
// Ready with exactly one integration, and no object may be created twice.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import type { FaultProxy, RequestRecord } from '../faultproxy/proxy.ts';
import { adminKubeConfig, createApi, deleteObject, eventually, installCrd, newNamespace } from '../support/cluster.ts';
import type { OperatorProcess } from '../support/process.ts';
import {
  auditApis,
  createMany,
  describeAudit,
  expectedOf,
  killOperator,
  lambda,
  logTail,
  pool,
  scale,
  spawnThrough,
  startProxy,
  stopOperator,
  waitAllGone,
  waitAllReady,
} from './support.ts';

const N = scale(30, 200);
const FAILOVERS = scale(1, 5);
const APIS = 3;
const TIMEOUT = scale(150_000, 900_000);
const FAST_LEASE = ['--leader-elect', '--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '1s'];

interface Replica {
  name: string;
  proxy: FaultProxy;
  proc: OperatorProcess;
  killedAt?: number;
}

const coordination = adminKubeConfig().makeApiClient(k8s.CoordinationV1Api);
const replicas: Replica[] = [];
let ns = '';
let apis: string[] = [];
let flags: string[] = [];
let leaseName = '';
let armed: { replica: Replica; atCreates: number; resolve: () => void } | undefined;

const creates = () =>
  replicas.flatMap((r) => r.proxy.appliedWrites()).filter((w) => w.operation === 'CreateIntegration').length;
const context = () =>
  replicas
    .map((r) => `${r.name}${r.killedAt ? ' (killed)' : ''}\n${r.proxy.summary()}\n${logTail(r.proc, 8)}`)
    .join('\n---\n');

async function addReplica(): Promise<Replica> {
  const replica = { name: `replica-${replicas.length}` } as Replica;
  replica.proxy = await startProxy({
    seed: replicas.length + 1,
    faults: { latency: { probability: 1, minMs: 10, maxMs: 50 } },
    onForwarded: async ({ record, status }) => {
      const a = armed;
      if (
        !a ||
        a.replica !== replica ||
        record.operation !== 'CreateIntegration' ||
        status >= 300 ||
        creates() < a.atCreates
      )
        return;
      armed = undefined;
      replica.killedAt = performance.timeOrigin + performance.now();
      await killOperator(replica.proc);
      a.resolve();
    },
  });
  replica.proc = spawnThrough(replica.proxy, flags);
  replicas.push(replica);
  return replica;
}

/** The live replica holding the lease (identities are in each process's "operator started" line). */
async function leader(): Promise<Replica> {
  return eventually(
    'a live leader',
    async () => {
      const lease = await coordination.readNamespacedLease({ namespace: 'default', name: leaseName });
      const holder = lease.spec?.holderIdentity;
      return replicas.find(
        (r) => !r.killedAt && r.proc.logs().some((l) => l.msg === 'operator started' && l.identity === holder),
      );
    },
    60_000,
    200,
  );
}

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('rel-leader');
  apis = await Promise.all(Array.from({ length: APIS }, (_, i) => createApi('HTTP', `rel-leader-${i}`)));
  leaseName = `rel-leader-${Date.now()}`;
  flags = [
    ...FAST_LEASE,
    '--leader-election-id',
    leaseName,
    '--watch-namespaces',
    ns,
    '--aws-rate',
    '20',
    '--aws-burst',
    '20',
    '--drift-interval',
    '30s',
  ];
  await addReplica();
  await leader();
  await addReplica();
}, 90_000);

afterAll(async () => {
  armed = undefined;
  await Promise.all(replicas.map((r) => stopOperator(r.proc)));
  await Promise.all(replicas.map((r) => r.proxy.close()));
});

/** Each replica's AWS writes as one [first start, last end] span. */
function span(writes: RequestRecord[]): [number, number] | undefined {
  if (writes.length === 0) return undefined;
  return [Math.min(...writes.map((w) => w.start)), Math.max(...writes.map((w) => w.end))];
}

describe(`leader failover during a rollout (${FAILOVERS}× over ${N} objects)`, () => {
  it(
    'hands over without overlapping writes, duplicates or leaks',
    async () => {
      const names = Array.from({ length: N }, (_, i) => `obj-${i}`);
      const created = await createMany(
        ns,
        names.map((name, i) => ({ name, spec: lambda(apis[i % APIS]!) })),
      );
      const takeovers: number[] = [];
      for (let f = 0; f < FAILOVERS; f++) {
        const current = await leader();
        const atCreates = Math.floor(((f + 1) * N) / (FAILOVERS + 1));
        await new Promise<void>((resolve, reject) => {
          armed = { replica: current, atCreates, resolve };
          setTimeout(
            () => reject(new Error(`the leader was not killed at ${atCreates} creates\n${context()}`)),
            90_000,
          ).unref();
        });
        const killedAt = current.killedAt!;
        await addReplica();
        const next = await leader();
        await eventually('the new leader writes', async () => next.proxy.records().some((r) => r.write), 60_000, 50);
        takeovers.push(
          Math.min(
            ...next.proxy
              .records()
              .filter((r) => r.write)
              .map((r) => r.start),
          ) - killedAt,
        );
      }
      await waitAllReady(ns, names, TIMEOUT, context);
      process.stderr.write(
        `[reliability] leader takeovers after SIGKILL (first AWS write): ${takeovers.map((t) => `${(t / 1000).toFixed(1)} s`).join(', ')}\n`,
      );

      const result = await auditApis(apis, expectedOf(created));
      expect(describeAudit(result)).toBe(describeAudit({ missing: [], duplicates: [], leaks: [], total: N }));
      expect(creates()).toBe(N);

      // Writes per replica, in the order the replicas led: each span ends before the next begins,
      // and a killed leader wrote nothing after its death.
      const spans = replicas
        .map((r) => ({ r, s: span(r.proxy.records().filter((w) => w.write)) }))
        .filter((x): x is { r: Replica; s: [number, number] } => x.s !== undefined)
        .sort((a, b) => a.s[0] - b.s[0]);
      expect(spans.length).toBe(FAILOVERS + 1);
      for (let i = 1; i < spans.length; i++) {
        const prev = spans[i - 1]!;
        expect(spans[i]!.s[0]).toBeGreaterThan(prev.s[1]);
        expect(spans[i]!.s[0]).toBeGreaterThan(prev.r.killedAt!);
      }
      for (const t of takeovers) expect(t).toBeLessThan(20_000);

      await pool(names, 8, (name) => deleteObject(ns, name));
      await waitAllGone(ns, names, TIMEOUT, context);
      expect(describeAudit(await auditApis(apis, new Map()))).toBe(
        describeAudit({ missing: [], duplicates: [], leaks: [], total: 0 }),
      );
    },
    TIMEOUT * 3,
  );
});
