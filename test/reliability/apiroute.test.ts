// ApiRoutes made from an integrationRef, rolled out beside their ApiIntegrations: first with the
// answers to a share of CreateRoute and CreateIntegration calls lost after the emulator applied
// them, then with the operator SIGKILLed while creates are in flight (once at the worst moment, a
// CreateRoute applied and its answer held back) and restarted. Each time every object must end
// Ready with exactly one route per ApiRoute, targeting its ApiIntegration's recorded integration,
// no route key twice on an API and no route that no object records; once everything is deleted,
// no route and no integration may be left. A third rollout meets reads that miss what was created
// moments before, and must take them for "not visible yet", never for a deletion.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiIntegration } from '../../src/api/v1alpha1/types.ts';
import { ANNOTATION_ROUTE_ID, type ApiRoute } from '../../src/api/v1alpha1/route-types.ts';
import type { FaultProxy, FaultProxyOptions } from '../faultproxy/proxy.ts';
import { createApi, deleteObject, installCrd, newNamespace, sleep } from '../support/cluster.ts';
import type { OperatorProcess } from '../support/process.ts';
import {
  auditApis,
  auditRouteApis,
  createMany,
  createRoutes,
  deleteRoute,
  describeAudit,
  describeRouteAudit,
  expectedOf,
  isRouteSettled,
  killOperator,
  lambda,
  listRoutes,
  logTail,
  pool,
  scale,
  spawnThrough,
  startProxy,
  stopOperator,
  waitAllGone,
  waitAllReady,
  waitForRoutes,
  type ExpectedRoute,
} from './support.ts';

const N = scale(24, 300);
const APIS = scale(3, 10);
const TIMEOUT = scale(180_000, 1_500_000);
const CLEAN_ROUTES = { missing: [], duplicates: [], leaks: [], wrongTarget: [] };
const CLEAN = { missing: [], duplicates: [], leaks: [] };

const intName = (i: number) => `int-${i}`;
const routeName = (i: number) => `route-${i}`;

/** One scenario's namespace, APIs, proxy and (current) operator process. */
class Bed {
  ns = '';
  apis: string[] = [];
  proxy!: FaultProxy;
  op: OperatorProcess | undefined;
  flags: string[] = [];

  async start(prefix: string, opts: Omit<FaultProxyOptions, 'upstream'>): Promise<void> {
    this.ns = await newNamespace(prefix);
    this.apis = await Promise.all(Array.from({ length: APIS }, (_, i) => createApi('HTTP', `${prefix}-${i}`)));
    this.proxy = await startProxy({ label: prefix, ...opts });
    this.flags = ['--watch-namespaces', this.ns, '--aws-rate', '20', '--aws-burst', '20', '--workers', '4'];
  }

  spawn(): void {
    this.op = spawnThrough(this.proxy, this.flags);
  }

  async stop(): Promise<void> {
    await stopOperator(this.op);
    await this.proxy?.close();
  }

  context = () => `${this.proxy.summary()}\n--- operator log tail ---\n${logTail(this.op)}`;

  applied = (operation: string) => this.proxy.appliedWrites().filter((w) => w.operation === operation).length;

  /** N integrations and N routes, routes i on API i mod APIS with key GET /r<i>, by integrationRef. */
  async applyAll(): Promise<void> {
    const idx = Array.from({ length: N }, (_, i) => i);
    await createMany(
      this.ns,
      idx.map((i) => ({ name: intName(i), spec: lambda(this.apis[i % APIS]!) })),
    );
    await createRoutes(
      this.ns,
      idx.map((i) => ({
        name: routeName(i),
        spec: { apiId: this.apis[i % APIS]!, routeKey: `GET /r${i}`, integrationRef: { name: intName(i) } },
      })),
    );
  }

  waitRoutesSettled(): Promise<ApiRoute[]> {
    return waitForRoutes(
      `${N} routes Ready`,
      this.ns,
      (objs) => {
        const settled = objs.filter(isRouteSettled);
        const other = objs.find((o) => !isRouteSettled(o));
        return settled.length === N
          ? true
          : `${settled.length}/${N} Ready, e.g. ${other?.metadata.name} ${JSON.stringify(other?.status?.conditions ?? [])} ${JSON.stringify(other?.metadata.annotations ?? {})}`;
      },
      { timeoutMs: TIMEOUT, context: this.context },
    );
  }

  /** Everything Ready; exactly one integration per ApiIntegration and one route per ApiRoute. */
  async checkConverged(): Promise<string> {
    const started = Date.now();
    const ints = await waitAllReady(
      this.ns,
      Array.from({ length: N }, (_, i) => intName(i)),
      TIMEOUT,
      this.context,
    );
    const routes = await this.waitRoutesSettled();
    const integrationOf = new Map(ints.map((o: ApiIntegration) => [o.metadata.name, o.status?.integrationId]));
    const expected: ExpectedRoute[] = routes.map((r) => ({
      owner: r.metadata.name!,
      apiId: r.spec.apiId,
      // Ownership of a route lives on the object, in this annotation (routes carry no marker).
      routeId: r.metadata.annotations?.[ANNOTATION_ROUTE_ID],
      target: `integrations/${integrationOf.get(r.spec.integrationRef!.name)}`,
    }));
    // The status agrees with the record and with the integration the route follows.
    const disagree = routes.filter(
      (r) =>
        r.status?.routeId !== r.metadata.annotations?.[ANNOTATION_ROUTE_ID] ||
        r.status?.integrationId !== integrationOf.get(r.spec.integrationRef!.name),
    );
    expect(disagree.map((r) => `${r.metadata.name}: ${JSON.stringify(r.status)}`)).toEqual([]);
    const routeAudit = await auditRouteApis(this.apis, expected);
    expect(describeRouteAudit(routeAudit)).toBe(describeRouteAudit({ ...CLEAN_ROUTES, total: N }));
    const intAudit = await auditApis(this.apis, expectedOf(ints));
    expect(describeAudit(intAudit)).toBe(describeAudit({ ...CLEAN, total: N }));
    return `${describeRouteAudit(routeAudit)}; integrations ${describeAudit(intAudit)} (${Date.now() - started} ms waiting for all Ready)`;
  }

  /** Deletes every object at once: all must go, and nothing may stay in the emulator. */
  async deleteAll(): Promise<string> {
    const started = Date.now();
    const idx = Array.from({ length: N }, (_, i) => i);
    await pool(idx, 8, async (i) => {
      await deleteRoute(this.ns, routeName(i));
      await deleteObject(this.ns, intName(i));
    });
    await waitForRoutes(
      'every ApiRoute gone',
      this.ns,
      (objs) =>
        objs.length === 0
          ? true
          : `${objs.length} left, e.g. ${objs[0]!.metadata.name} ${JSON.stringify(objs[0]!.status?.conditions ?? [])}`,
      { timeoutMs: TIMEOUT, context: this.context },
    );
    await waitAllGone(this.ns, idx.map(intName), TIMEOUT, this.context);
    const routes = await auditRouteApis(this.apis, []);
    expect(describeRouteAudit(routes)).toBe(describeRouteAudit({ ...CLEAN_ROUTES, total: 0 }));
    const ints = await auditApis(this.apis, new Map());
    expect(describeAudit(ints)).toBe(describeAudit({ ...CLEAN, total: 0 }));
    return `deleted in ${Date.now() - started} ms: ${describeRouteAudit(routes)}; integrations ${describeAudit(ints)}`;
  }
}

beforeAll(async () => {
  await installCrd();
}, 60_000);

describe(`lost CreateRoute and CreateIntegration responses (${N} routes on ${APIS} APIs)`, () => {
  const bed = new Bed();
  const sent = { CreateRoute: 0, CreateIntegration: 0 };

  beforeAll(async () => {
    await bed.start('rel-route-lost', {
      seed: 13,
      faults: { latency: { probability: 0.5, minMs: 10, maxMs: 80 } },
      // Every third route create and every fourth integration create is applied, then its answer lost.
      lose: (r, status) => {
        if (status >= 300 || (r.operation !== 'CreateRoute' && r.operation !== 'CreateIntegration')) return false;
        const n = ++sent[r.operation];
        return n % (r.operation === 'CreateRoute' ? 3 : 4) === 1;
      },
    });
    bed.spawn();
  }, 60_000);

  afterAll(() => bed.stop());

  it(
    'ends with exactly one route per ApiRoute on its integration, then nothing once deleted',
    async () => {
      const started = Date.now();
      await bed.applyAll();
      const converged = await bed.checkConverged();
      const took = Date.now() - started;
      const lostRoutes = bed.proxy.count({ operation: 'CreateRoute', outcome: 'lost_response' });
      const lostInts = bed.proxy.count({ operation: 'CreateIntegration', outcome: 'lost_response' });
      // A lost create is adopted by its key, never sent again under a new id.
      expect(bed.applied('CreateRoute')).toBe(N);
      expect(bed.applied('CreateIntegration')).toBe(N);
      expect(lostRoutes).toBeGreaterThanOrEqual(Math.floor(N / 3));
      expect(lostInts).toBeGreaterThanOrEqual(Math.floor(N / 4));
      const deleted = await bed.deleteAll();
      process.stderr.write(
        `[reliability] apiroute lost responses: ${N} routes Ready in ${took} ms, ${lostRoutes} CreateRoute and ${lostInts} CreateIntegration answers lost, ${bed.proxy.count({ operation: 'CreateRoute', outcome: 'fidelity_key_exists' })} CreateRoute refused as key taken\n${converged}\n${deleted}\n${bed.proxy.summary()}\n`,
      );
    },
    TIMEOUT * 3,
  );
});

describe(`SIGKILL during a rollout of ${N} routes`, () => {
  const bed = new Bed();
  let ready = 0;
  let polling = true;
  /** Set while a kill at the next applied CreateRoute is wanted. */
  let armed: { resolve: (readyAtKill: number) => void } | undefined;

  beforeAll(async () => {
    await bed.start('rel-route-kill', {
      seed: 17,
      // Latency widens every window in which a kill can land.
      faults: { latency: { probability: 1, minMs: 10, maxMs: 60 } },
      onForwarded: async ({ record, status }) => {
        if (!armed || record.operation !== 'CreateRoute' || status >= 300 || !bed.op) return;
        const done = armed;
        armed = undefined;
        // The route exists in the emulator; the process dies before the answer leaves the proxy.
        await killOperator(bed.op);
        done.resolve(ready);
      },
    });
    // How many routes are Ready, kept current so that the kill can wait for a share of them.
    void (async () => {
      while (polling) {
        ready = (await listRoutes(bed.ns).catch(() => [])).filter(isRouteSettled).length;
        await sleep(200);
      }
    })();
  }, 60_000);

  afterAll(async () => {
    polling = false;
    armed = undefined;
    await bed.stop();
  });

  it(
    'ends with exactly one route per ApiRoute on its integration, never created twice, then nothing once deleted',
    async () => {
      const started = Date.now();
      await bed.applyAll();
      bed.spawn();
      // First kill: at an applied CreateRoute whose answer is held, once a quarter of the routes are Ready.
      while (ready < Math.ceil(N / 4)) await sleep(20);
      const readyAtKill = await new Promise<number>((resolve) => {
        const timer = setTimeout(() => {
          armed = undefined;
          resolve(-1);
        }, 30_000);
        armed = { resolve: (n) => (clearTimeout(timer), resolve(n)) };
      });
      const routesAtKill = bed.applied('CreateRoute');
      bed.spawn();
      // Second kill: anywhere, once two thirds of the route creates are applied.
      while (bed.applied('CreateRoute') < Math.ceil((2 * N) / 3)) await sleep(20);
      await killOperator(bed.op!);
      const readyAtSecond = ready;
      const routesAtSecond = bed.applied('CreateRoute');
      bed.spawn();

      const converged = await bed.checkConverged();
      const took = Date.now() - started;
      // The held kill landed during the rollout: some routes Ready, not all.
      expect(readyAtKill).toBeGreaterThan(0);
      expect(readyAtKill).toBeLessThan(N);
      // The route whose answer died with the process was adopted, not created again.
      expect(bed.applied('CreateRoute')).toBe(N);
      expect(bed.applied('CreateIntegration')).toBe(N);
      const deleted = await bed.deleteAll();
      process.stderr.write(
        `[reliability] apiroute kills: held CreateRoute #${routesAtKill} with ${readyAtKill}/${N} routes Ready; random after ${routesAtSecond} route creates with ${readyAtSecond}/${N} Ready; all Ready in ${took} ms\n${converged}\n${deleted}\n${bed.proxy.summary()}\n`,
      );
    },
    TIMEOUT * 3,
  );
});

describe(`reads that lag behind creates (${N} routes on ${APIS} APIs)`, () => {
  const bed = new Bed();
  const LAG_MS = 4_000;

  beforeAll(async () => {
    // For LAG_MS after a create, reads miss what it made: GetIntegration/GetRoute answer 404 and
    // listings leave it out. Nothing public says AWS never does this.
    await bed.start('rel-route-lag', { seed: 19, notVisibleForMs: LAG_MS });
    // Drift checks every second read each new object inside its window; the settle window
    // (twice the request timeout, 10 s) outlasts the lag.
    bed.flags.push('--drift-interval', '1s', '--aws-request-timeout', '5s');
    bed.spawn();
  }, 60_000);

  afterAll(() => bed.stop());

  it(
    'never creates a second integration or route for a 404 that only means "not visible yet"',
    async () => {
      const started = Date.now();
      await bed.applyAll();
      const converged = await bed.checkConverged();
      const took = Date.now() - started;
      // Drift checks go on until every window has passed and the settle window after it.
      await sleep(3 * LAG_MS);
      // The lag really met the operator's reads of what it had just made, for both kinds (the
      // proxy counts a 404 to GetIntegration/GetRoute; listings leave items out silently).
      const missed = (operation: string) => bed.proxy.count({ operation, outcome: 'not_visible' });
      expect(missed('GetIntegration')).toBeGreaterThan(0);
      expect(missed('GetRoute')).toBeGreaterThan(0);
      expect(bed.applied('CreateIntegration')).toBe(N);
      expect(bed.applied('CreateRoute')).toBe(N);
      await bed.checkConverged();
      const deleted = await bed.deleteAll();
      process.stderr.write(
        `[reliability] lagging reads: ${N} routes Ready in ${took} ms; reads answered not-visible: GetIntegration ${missed('GetIntegration')}, GetRoute ${missed('GetRoute')}\n${converged}\n${deleted}\n`,
      );
    },
    TIMEOUT * 3,
  );
});
