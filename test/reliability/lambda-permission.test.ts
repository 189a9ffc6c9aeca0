// lambdaPermission Managed under the failures that could double or leak a statement: the answers
// to the first AddPermission calls are lost after Lambda applied them, and the operator process is
// killed with SIGKILL the moment one is applied, then restarted. Every object must end with exactly
// its one statement in the function policy, and none may be left once the objects are deleted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FaultProxy } from '../faultproxy/proxy.ts';
import { createApi, deleteObject, installCrd, newNamespace } from '../support/cluster.ts';
import { createFunction, statementsOf } from '../support/lambda.ts';
import type { OperatorProcess } from '../support/process.ts';
import {
  createMany,
  killOperator,
  logTail,
  pool,
  spawnThrough,
  startProxy,
  stopOperator,
  waitAllGone,
  waitFor,
} from './support.ts';

const N = 6;
const TIMEOUT = 120_000;

let ns = '';
let proxy: FaultProxy;
let op: OperatorProcess | undefined;
let lose = 2;
/** Set while a kill at the next applied AddPermission is wanted. */
let armed: (() => void) | undefined;

const context = () => `${proxy.summary()}\n--- operator log tail ---\n${logTail(op)}`;
const spawn = () =>
  spawnThrough(proxy, ['--watch-namespaces', ns, '--drift-interval', '5s', '--manage-lambda-permissions'], {
    AWS_ENDPOINT_URL_LAMBDA: proxy.url,
  });

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('rel-lambda');
  proxy = await startProxy({
    seed: 11,
    lose: (r, status) => r.operation === 'AddPermission' && status < 300 && lose-- > 0,
    onForwarded: async ({ record, status }) => {
      if (!armed || record.operation !== 'AddPermission' || status >= 300 || !op) return;
      const done = armed;
      armed = undefined;
      // The statement is in the policy; the process dies before the answer leaves the proxy.
      await killOperator(op);
      done();
    },
  });
}, 60_000);

afterAll(async () => {
  armed = undefined;
  await stopOperator(op);
  await proxy?.close();
});

describe('lambdaPermission Managed with lost AddPermission answers and a SIGKILL', () => {
  it(
    'ends with exactly one statement per object, and none after delete',
    async () => {
      const apiId = await createApi('HTTP', 'rel-lambda');
      const fns = [await createFunction('rel-a'), await createFunction('rel-b')];
      const specs = Array.from({ length: N }, (_, i) => ({
        name: `obj-${i}`,
        spec: {
          apiId,
          integrationType: 'AWS_PROXY',
          integrationUri: fns[i % 2],
          payloadFormatVersion: '2.0',
          lambdaPermission: 'Managed',
        },
      }));
      const killed = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 60_000);
        armed = () => (clearTimeout(timer), resolve(true));
      });
      const created = await createMany(ns, specs);
      op = spawn();
      if (!(await killed)) throw new Error(`no AddPermission was applied within 60 s\n${context()}`);
      op = spawn();

      await waitFor(
        'every object Ready with its statement recorded',
        ns,
        (objs) => {
          const waiting = objs.filter(
            (o) =>
              !o.status?.lambdaPermission ||
              o.status.observedGeneration !== o.metadata.generation ||
              !o.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          );
          return waiting.length === 0 && objs.length === N ? true : `${waiting.length} waiting`;
        },
        TIMEOUT,
        context,
      );
      expect(proxy.count({ operation: 'AddPermission', outcome: 'lost_response' })).toBe(2);
      for (const [i, fn] of fns.entries()) {
        const want = created
          .filter((_, k) => k % 2 === i)
          .map((o) => `apigw-${apiId}-${o.metadata.uid}`)
          .sort();
        expect((await statementsOf(proxy.url, fn)).map((s) => s.Sid).sort()).toEqual(want);
      }

      await pool(
        specs.map((s) => s.name),
        4,
        (name) => deleteObject(ns, name),
      );
      await waitAllGone(
        ns,
        specs.map((s) => s.name),
        TIMEOUT,
        context,
      );
      for (const fn of fns) expect(await statementsOf(proxy.url, fn)).toEqual([]);
    },
    TIMEOUT * 3,
  );
});
