// One fifth of all AWS calls fail, in every way API Gateway and networks fail: throttling, 409
// conflicts (random, and for real concurrent writes on one API), 5xx, dropped connections and
// responses lost after the request was applied, with extra latency on top. Objects are created
// (some deleted again at once), updated (some moved to another API) and deleted. Everything must
// converge, and the emulator must hold exactly one integration per live object and nothing else.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiIntegration } from '../../src/api/v1alpha1/types.ts';
import type { FaultProxy } from '../faultproxy/proxy.ts';
import { createApi, deleteObject, installCrd, newNamespace, patchSpec } from '../support/cluster.ts';
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
} from './support.ts';

const N = scale(40, 300);
const APIS = scale(4, 10);
const TIMEOUT = scale(240_000, 1_500_000);

let ns = '';
let apis: string[] = [];
let proxy: FaultProxy;
let op: OperatorProcess | undefined;
let creates = 0;

// 20% of every operation fails; creates lose their answer more often than the rest, and every
// tenth create loses it for certain, so the suite always sees the duplicate-prone case.
const MIX = {
  throttle: 0.04,
  conflict: 0.03,
  serverError: 0.04,
  drop: 0.03,
  lostResponse: 0.06,
  latency: { probability: 0.3, minMs: 10, maxMs: 120 },
};
const CREATE_MIX = { throttle: 0.02, conflict: 0.02, serverError: 0.03, drop: 0.03, lostResponse: 0.1 };

const context = () => `${proxy.summary()}\n--- operator log tail ---\n${logTail(op)}`;

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('rel-faults');
  apis = await Promise.all(Array.from({ length: APIS }, (_, i) => createApi('HTTP', `rel-faults-${i}`)));
  proxy = await startProxy({
    seed: 20_260_101,
    conflictOnConcurrentWrites: true,
    faults: { ...MIX, byOperation: { CreateIntegration: CREATE_MIX } },
    lose: (r, status) => r.operation === 'CreateIntegration' && status < 300 && ++creates % 10 === 1,
  });
  op = spawnThrough(proxy, [
    '--watch-namespaces',
    ns,
    '--aws-rate',
    '50',
    '--aws-burst',
    '50',
    '--drift-interval',
    '10s',
    '--workers',
    '4',
  ]);
}, 60_000);

afterAll(async () => {
  await stopOperator(op);
  await proxy?.close();
});

describe(`with 20% of AWS calls failing (${N} objects on ${APIS} APIs)`, () => {
  it(
    'creates, updates, moves and deletes everything exactly once: no duplicates, no leaks',
    async () => {
      const names = Array.from({ length: N }, (_, i) => `obj-${i}`);
      const apiOf = (i: number) => apis[i % APIS]!;

      // Create; every eighth object is deleted straight away, racing its own create.
      const early = new Set(names.filter((_, i) => i % 8 === 5));
      const created = await createMany(
        ns,
        names.map((name, i) => ({ name, spec: lambda(apiOf(i), { description: `object ${i}` }) })),
      );
      await pool([...early], 4, (name) => deleteObject(ns, name));
      const live = names.filter((n) => !early.has(n));
      const liveObjs = created.filter((o) => !early.has(o.metadata.name));
      await waitAllGone(ns, [...early], TIMEOUT, context);
      await waitAllReady(ns, live, TIMEOUT, context);
      const afterCreate = await auditApis(apis, expectedOf(liveObjs));
      expect(describeAudit(afterCreate)).toBe(
        describeAudit({ missing: [], duplicates: [], leaks: [], total: live.length }),
      );

      // Update every live object; every seventh moves to the next API.
      const target = new Map<string, { apiId: string; timeout: number }>();
      await pool(live, 8, async (name) => {
        const i = Number(name.slice(4));
        const apiId = i % 7 === 3 ? apis[(i + 1) % APIS]! : apiOf(i);
        const timeout = 10_000 + (i % 20) * 100;
        target.set(name, { apiId, timeout });
        await patchSpec(ns, name, { apiId, timeoutInMillis: timeout, description: `object ${i}, second version` });
      });
      const updated = await waitAllReady(ns, live, TIMEOUT, context);
      const byUid = new Map(updated.map((o: ApiIntegration) => [o.metadata.uid, o.metadata.name]));
      const afterUpdate = await auditApis(
        apis,
        expectedOf(liveObjs, (o) => target.get(o.metadata.name)!.apiId),
      );
      expect(describeAudit(afterUpdate)).toBe(
        describeAudit({ missing: [], duplicates: [], leaks: [], total: live.length }),
      );
      const inventory = await proxy.inventory(apis);
      const stale = [...inventory.values()]
        .flat()
        .filter((item) => target.get(byUid.get(item.owner!)!)?.timeout !== item.timeoutInMillis);
      expect(stale).toEqual([]);

      // Delete everything: nothing may be left behind.
      await pool(live, 8, (name) => deleteObject(ns, name));
      await waitAllGone(ns, live, TIMEOUT, context);
      const afterDelete = await auditApis(apis, new Map());
      expect(describeAudit(afterDelete)).toBe(describeAudit({ missing: [], duplicates: [], leaks: [], total: 0 }));

      // The faults really happened, in the proportions asked for.
      const total = proxy.records().length;
      const failed = proxy.count({
        outcome: [
          'injected_throttle',
          'injected_conflict',
          'injected_5xx',
          'dropped',
          'lost_response',
          'concurrent_conflict',
        ],
      });
      const lostCreates = proxy.count({ operation: 'CreateIntegration', outcome: 'lost_response' });
      process.stderr.write(
        `[reliability] faults: ${failed}/${total} calls failed (${((100 * failed) / total).toFixed(1)}%), ${lostCreates} create responses lost\n${proxy.summary()}\n`,
      );
      expect(failed / total).toBeGreaterThan(0.15);
      expect(lostCreates).toBeGreaterThanOrEqual(Math.floor(N / 10));
    },
    TIMEOUT * 4,
  );
});
