// The operator process is killed with SIGKILL again and again during a rollout and restarted each
// time, as a crash-looping pod would be. Half of the kills land at the worst moment: a
// CreateIntegration has been applied in the emulator and its answer is held back, so the process
// dies without ever learning the new id. Every object must end Ready with exactly one integration,
// and no object may ever have been created twice.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FaultProxy } from '../faultproxy/proxy.ts';
import { seededRng } from '../faultproxy/rng.ts';
import { createApi, deleteObject, installCrd, newNamespace, sleep } from '../support/cluster.ts';
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

const KILLS = scale(4, 20);
const N = scale(30, 300);
const APIS = scale(3, 10);
const TIMEOUT = scale(180_000, 1_200_000);

let ns = '';
let apis: string[] = [];
let proxy: FaultProxy;
let op: OperatorProcess | undefined;
let flags: string[] = [];
/** Set while a kill at the next applied create is wanted. */
let armed: { resolve: () => void } | undefined;

const appliedCreates = () => proxy.appliedWrites().filter((w) => w.operation === 'CreateIntegration').length;
const context = () => `${proxy.summary()}\n--- operator log tail ---\n${logTail(op)}`;

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('rel-kill');
  apis = await Promise.all(Array.from({ length: APIS }, (_, i) => createApi('HTTP', `rel-kill-${i}`)));
  proxy = await startProxy({
    seed: 7,
    // Latency widens every window in which a kill can land.
    faults: { latency: { probability: 1, minMs: 10, maxMs: 60 } },
    onForwarded: async ({ record, status }) => {
      if (!armed || record.operation !== 'CreateIntegration' || status >= 300 || !op) return;
      const done = armed;
      armed = undefined;
      // The create is applied; the process dies before the answer leaves the proxy.
      await killOperator(op);
      done.resolve();
    },
  });
  flags = [
    '--watch-namespaces',
    ns,
    '--aws-rate',
    '20',
    '--aws-burst',
    '20',
    '--workers',
    '4',
    '--drift-interval',
    '30s',
  ];
}, 60_000);

afterAll(async () => {
  armed = undefined;
  await stopOperator(op);
  await proxy?.close();
});

describe(`SIGKILL ${KILLS} times during a rollout of ${N} objects`, () => {
  it(
    'ends with every object Ready and exactly one integration each, never created twice',
    async () => {
      const rng = seededRng(99);
      const names = Array.from({ length: N }, (_, i) => `obj-${i}`);
      const created = await createMany(
        ns,
        names.map((name, i) => ({ name, spec: lambda(apis[i % APIS]!) })),
      );
      op = spawnThrough(proxy, flags);
      const kinds: string[] = [];
      for (let k = 0; k < KILLS; k++) {
        // Spread the kills over the rollout: kill k waits for its share of creates to be applied.
        const target = Math.floor(((k + 1) * N) / (KILLS + 2));
        const atCreate = k % 2 === 0;
        if (atCreate) {
          const hit = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => {
              armed = undefined;
              resolve(false);
            }, 30_000);
            armed = { resolve: () => (clearTimeout(timer), resolve(true)) };
          });
          if (!hit) break;
          kinds.push(`held create #${appliedCreates()}`);
        } else {
          while (appliedCreates() < target) await sleep(20);
          await sleep(Math.floor(rng() * 400));
          await killOperator(op);
          kinds.push(`random after ${appliedCreates()} creates`);
        }
        op = spawnThrough(proxy, flags);
        // Give the new process time to start and do some work before the next kill.
        while (appliedCreates() < Math.min(N, target + 1)) await sleep(20);
      }
      await waitAllReady(ns, names, TIMEOUT, context);
      process.stderr.write(`[reliability] kills: ${kinds.join('; ')}\n${proxy.summary()}\n`);
      expect(kinds).toHaveLength(KILLS);

      const result = await auditApis(apis, expectedOf(created));
      expect(describeAudit(result)).toBe(describeAudit({ missing: [], duplicates: [], leaks: [], total: N }));
      // Recovery adopted every create whose answer was lost; none was sent a second time.
      expect(appliedCreates()).toBe(N);

      await pool(names, 8, (name) => deleteObject(ns, name));
      await waitAllGone(ns, names, TIMEOUT, context);
      expect(describeAudit(await auditApis(apis, new Map()))).toBe(
        describeAudit({ missing: [], duplicates: [], leaks: [], total: 0 }),
      );
    },
    TIMEOUT * 3,
  );
});
