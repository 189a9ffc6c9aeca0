// ApiStage deployments when things go wrong, with the operator as a real process: CreateDeployment
// answers lost after the emulator applied them, SIGKILL while deployments are due (in turn: with a
// CreateDeployment applied and its answer never delivered, just after a burst settled, and during
// the burst), and a leader failover. In every case the stage must end up serving exactly the
// desired configuration (every route key with the integration its ApiRoute targets, in its current
// spec, and nothing else), and no revision may be deployed twice: a lost answer is found by listing
// the deployments (their description names the revision), and the revision recorded in status
// keeps a restarted or new leader from deploying a settled API again. Every deployment the emulator
// applied is counted from the proxy's answers.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import type { FaultProxy } from '../faultproxy/proxy.ts';
import { seededRng } from '../faultproxy/rng.ts';
import {
  adminKubeConfig,
  createApi,
  eventually,
  installCrd,
  installStageCrd,
  newNamespace,
  sleep,
} from '../support/cluster.ts';
import { servedStage } from '../support/served.ts';
import type { OperatorProcess } from '../support/process.ts';
import { ApiPaths, createStage, DeploymentLog, getStage, waitServed } from './stage-support.ts';
import { killOperator, logTail, pool, scale, spawnThrough, startProxy, stopOperator } from './support.ts';

const PATHS = scale(10, 60);
const TIMEOUT = scale(180_000, 900_000);
const QUIET_MS = 1000;
const STAGE = 'live';
const STAGE_NAME = 'prod';

/** Fast enough for a test, and a deployment in doubt is looked for (2 × the request timeout) for 10 s. */
const flagsFor = (ns: string) => [
  '--watch-namespaces',
  ns,
  '--aws-rate',
  '20',
  '--aws-burst',
  '20',
  '--drift-interval',
  '30s',
  '--deploy-quiet-period',
  `${QUIET_MS}ms`,
  '--deploy-max-wait',
  '30s',
  '--aws-request-timeout',
  '5s',
];

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** `p`, or a failure naming `what` after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

interface Phase {
  what: string;
  deployments: number;
}

/** Runs `change`, waits until the stage serves the model, and notes how many deployments it took. */
async function phase(
  ctx: { paths: ApiPaths; proxy: FaultProxy; log: DeploymentLog; phases: Phase[]; context: () => string },
  what: string,
  change: () => Promise<void>,
): Promise<void> {
  const before = ctx.log.count;
  await change();
  const opts = { endpoint: ctx.proxy.url, stage: STAGE, stageName: STAGE_NAME, timeoutMs: TIMEOUT, quietMs: 3000 };
  await waitServed(ctx.paths, opts, ctx.context);
  ctx.phases.push({ what, deployments: ctx.log.count - before });
}

/** The first paths and the stage, applied together as a release would be. */
async function rollout(paths: ApiPaths, namespace: string): Promise<void> {
  await pool(range(PATHS), 4, (i) => paths.addPath(i));
  await createStage(namespace, STAGE, { apiId: paths.apiId, stageName: STAGE_NAME });
}

const report = (title: string, phases: Phase[], log: DeploymentLog, proxy: FaultProxy) =>
  process.stderr.write(
    `[reliability] ${title}: deployments per phase ${phases.map((p) => `${p.what}: ${p.deployments}`).join('; ')}\n` +
      `  applied CreateDeployments ${log.count} (${log.applied.filter((d) => d.lost).length} answers lost), ` +
      `repeated revisions ${log.repeats().length}: ${log.summary()}\n${proxy.summary()}\n`,
  );

describe(`lost CreateDeployment answers (${PATHS} paths on a WebSocket API)`, () => {
  /** The first two answers are lost, then every third. */
  const LOST_FIRST = 2;
  const EDITS = scale(8, 16);
  const log = new DeploymentLog();
  let ns = '';
  let proxy: FaultProxy;
  let op: OperatorProcess | undefined;
  let applied = 0;

  beforeAll(async () => {
    await installCrd();
    await installStageCrd();
    ns = await newNamespace('rel-stage-lost');
    proxy = await startProxy({
      seed: 11,
      lose: (r, status) =>
        r.operation === 'CreateDeployment' && status < 300 && (++applied <= LOST_FIRST || applied % 3 === 0),
      onForwarded: (info) => log.note(info),
    });
    op = spawnThrough(proxy, flagsFor(ns));
  }, 60_000);

  afterAll(async () => {
    await stopOperator(op);
    await proxy?.close();
  });

  it(
    'serves the desired configuration after every change with one deployment each, none repeated',
    async () => {
      const paths = new ApiPaths(ns, await createApi('WEBSOCKET', 'rel-stage-lost'));
      const phases: Phase[] = [];
      const context = () => `${log.summary()}\n${proxy.summary()}\n--- operator log tail ---\n${logTail(op)}`;
      const ctx = { paths, proxy, log, phases, context };
      await phase(ctx, `rollout of ${PATHS} paths`, () => rollout(paths, ns));
      for (let e = 0; e < EDITS; e++) {
        const i = e % PATHS;
        const edits = [
          [`int-${i} edited`, () => paths.describe(`int-${i}`, `int-${i} v${e + 2}`)],
          [`route-${i} retargeted`, () => paths.retarget(`route-${i}`, `int-${(i + 1) % PATHS}`)],
          [`path ${PATHS + e} added`, () => paths.addPath(PATHS + e)],
          [`route-${i} deleted`, () => paths.removeRoute(`route-${i}`)],
        ] as const;
        const [what, change] = edits[e % edits.length]!;
        await phase(ctx, what, change);
      }
      report('lost answers', phases, log, proxy);

      const lost = log.applied.filter((d) => d.lost).length;
      expect(lost).toBeGreaterThanOrEqual(LOST_FIRST + Math.floor(EDITS / 3));
      expect(proxy.count({ operation: 'CreateDeployment', outcome: 'lost_response' })).toBe(lost);
      // Each lost answer was found by listing: no revision was deployed a second time.
      expect(log.repeats()).toEqual([]);
      // A burst makes one deployment (two at most, when it settles in two steps); a single edit exactly one.
      expect(phases[0]!.deployments).toBeGreaterThanOrEqual(1);
      expect(phases[0]!.deployments).toBeLessThanOrEqual(2);
      expect(phases.slice(1).filter((p) => p.deployments !== 1)).toEqual([]);
    },
    TIMEOUT * 4,
  );
});

describe(`SIGKILL while deployments are due`, () => {
  const KILLS = scale(4, 9);
  const CHANGES = scale(5, 15);
  const KINDS = ['a CreateDeployment applied, its answer held', 'after the burst settled', 'during the burst'];
  const log = new DeploymentLog();
  let ns = '';
  let proxy: FaultProxy;
  let op: OperatorProcess | undefined;
  let armed: (() => void) | undefined;

  beforeAll(async () => {
    await installCrd();
    await installStageCrd();
    ns = await newNamespace('rel-stage-kill');
    proxy = await startProxy({
      seed: 12,
      // Latency widens every window in which a kill can land.
      faults: { latency: { probability: 1, minMs: 10, maxMs: 60 } },
      onForwarded: async (info) => {
        log.note(info);
        const done = armed;
        if (!done || info.record.operation !== 'CreateDeployment' || info.status >= 300 || !op) return;
        armed = undefined;
        // The deployment is made and the stage points at it; the process dies before it hears so.
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

  /** Round `k`'s burst: some integrations edited, a route retargeted, a path added. */
  function burst(paths: ApiPaths, k: number): Promise<unknown> {
    const changes = range(CHANGES).map((j) => {
      const i = (k * CHANGES + j) % PATHS;
      return j % 3 === 2
        ? () => paths.retarget(`route-${i}`, `int-${(i + k + 1) % PATHS}`)
        : () => paths.describe(`int-${i}`, `int-${i} round ${k}`);
    });
    return pool([...changes, () => paths.addPath(PATHS + k)], 4, (c) => c());
  }

  it(
    'ends serving the desired configuration, with at most one extra deployment per kill and no revision twice',
    async () => {
      const rng = seededRng(5);
      const paths = new ApiPaths(ns, await createApi('WEBSOCKET', 'rel-stage-kill'));
      const phases: Phase[] = [];
      const context = () => `${log.summary()}\n${proxy.summary()}\n--- operator log tail ---\n${logTail(op)}`;
      const ctx = { paths, proxy, log, phases, context };
      op = spawnThrough(proxy, flagsFor(ns));
      await phase(ctx, `rollout of ${PATHS} paths`, () => rollout(paths, ns));
      for (let k = 0; k < KILLS; k++) {
        const kind = KINDS[k % KINDS.length]!;
        await phase(ctx, `burst ${k}, killed ${kind}`, async () => {
          if (k % 3 === 0) {
            const held = new Promise<void>((resolve) => (armed = resolve));
            await burst(paths, k);
            await within(held, TIMEOUT, `a CreateDeployment to hold in burst ${k}\n${context()}`);
          } else {
            await burst(paths, k);
            if (k % 3 === 1)
              await eventually('the burst settled', async () => (await paths.settled()) === true, TIMEOUT, 100);
            await sleep(Math.floor(rng() * (QUIET_MS + 1000)));
            await killOperator(op!);
          }
          op = spawnThrough(proxy, flagsFor(ns));
        });
      }
      report('SIGKILL', phases, log, proxy);

      expect(log.repeats()).toEqual([]);
      expect(phases.every((p) => p.deployments >= 1)).toBe(true);
      expect(log.count).toBeLessThanOrEqual(phases.length + KILLS);
    },
    TIMEOUT * 4,
  );
});

describe('leader failover with nothing changed', () => {
  const FAST_LEASE = ['--leader-elect', '--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '1s'];
  const coordination = adminKubeConfig().makeApiClient(k8s.CoordinationV1Api);
  const log = new DeploymentLog();
  const replicas: { proc: OperatorProcess; killed: boolean }[] = [];
  let ns = '';
  let proxy: FaultProxy;
  let flags: string[] = [];
  let lease = '';

  /** The live replica holding the lease (identities are in each process's "operator started" line). */
  const leader = () =>
    eventually(
      'a live leader',
      async () => {
        const holder = (await coordination.readNamespacedLease({ namespace: 'default', name: lease })).spec
          ?.holderIdentity;
        return replicas.find(
          (r) => !r.killed && r.proc.logs().some((l) => l.msg === 'operator started' && l.identity === holder),
        );
      },
      60_000,
      200,
    );

  beforeAll(async () => {
    await installCrd();
    await installStageCrd();
    ns = await newNamespace('rel-stage-leader');
    lease = `rel-stage-leader-${Date.now()}`;
    flags = [...FAST_LEASE, '--leader-election-id', lease, ...flagsFor(ns)];
    // Both replicas through one proxy: the emulator's stages and deployments live in it.
    proxy = await startProxy({ seed: 13, onForwarded: (info) => log.note(info) });
    for (let i = 0; i < 2; i++) replicas.push({ proc: spawnThrough(proxy, flags), killed: false });
    await leader();
  }, 90_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => stopOperator(r.proc)));
    await proxy?.close();
  });

  it(
    'the new leader makes no deployment for a settled API, and deploys the next change once',
    async () => {
      const paths = new ApiPaths(ns, await createApi('WEBSOCKET', 'rel-stage-leader'));
      const phases: Phase[] = [];
      const context = () =>
        `${log.summary()}\n${proxy.summary()}\n${replicas.map((r) => `--- replica ${r.proc.pid} ---\n${logTail(r.proc, 8)}`).join('\n')}`;
      const ctx = { paths, proxy, log, phases, context };
      await phase(ctx, `rollout of ${PATHS} paths`, () => rollout(paths, ns));
      const servedBefore = (await servedStage(proxy.url, paths.apiId, STAGE_NAME))!.deploymentId;
      const revisionBefore = (await getStage(ns, STAGE)).status?.deployedRevision;

      const before = log.count;
      const old = await leader();
      old.killed = true;
      const killedAt = Date.now();
      await killOperator(old.proc);
      await leader();
      // The new leader's first pass over the stage reads it; then quiet periods and a pass more go by.
      await eventually(
        "the new leader's pass over the stage",
        () => proxy.records().some((r) => r.operation === 'GetStage' && r.start > killedAt),
        60_000,
        100,
      );
      await sleep(3 * QUIET_MS + 5000);
      const afterFailover = log.count - before;
      process.stderr.write(`[reliability] failover: ${afterFailover} deployments after it: ${log.summary()}\n`);
      expect(afterFailover).toBe(0);
      expect(await paths.servedMismatches(proxy.url, STAGE_NAME)).toEqual([]);
      expect((await servedStage(proxy.url, paths.apiId, STAGE_NAME))!.deploymentId).toBe(servedBefore);
      expect((await getStage(ns, STAGE)).status?.deployedRevision).toBe(revisionBefore);

      // The new leader does deploy what changes.
      await phase(ctx, 'int-0 edited after the failover', () => paths.describe('int-0', 'int-0 after failover'));
      report('failover', phases, log, proxy);
      expect(phases[1]!.deployments).toBe(1);
      expect(log.repeats()).toEqual([]);
    },
    TIMEOUT * 2,
  );
});
