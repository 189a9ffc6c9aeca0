// Shared pieces of the reliability scenarios: their size (reduced by default, full with
// RELIABILITY_FULL=1), many objects at once, a fault proxy in front of the test bed's emulator,
// operator processes that talk through it, /proc readings, and the exact-count audit.
import { readFileSync, readdirSync } from 'node:fs';
import { PLURAL } from '../../src/api/v1alpha1/schema.ts';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import type { ApiIntegration } from '../../src/api/v1alpha1/types.ts';
import { ROUTE_KIND, ROUTE_PLURAL } from '../../src/api/v1alpha1/route-schema.ts';
import type { ApiRoute } from '../../src/api/v1alpha1/route-types.ts';
import {
  audit,
  auditRoutes,
  describeAudit,
  describeRouteAudit,
  integrationsByApi,
  routesByApi,
  type Audit,
  type ExpectedRoute,
  type RouteAudit,
} from '../faultproxy/inventory.ts';
import { FaultProxy, type FaultProxyOptions } from '../faultproxy/proxy.ts';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { condition, custom, sleep, tb } from '../support/cluster.ts';
import { spawnOperator, type OperatorProcess } from '../support/process.ts';
import { pool } from '../support/pool.ts';

export const FULL = process.env.RELIABILITY_FULL === '1';

/** The reduced figure normally, the full one with RELIABILITY_FULL=1. */
export function scale<T>(reduced: T, full: T): T {
  return FULL ? full : reduced;
}

export const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:reliability';
export const lambda = (apiId: string, over: Record<string, unknown> = {}) => ({
  apiId,
  integrationType: 'AWS_PROXY',
  integrationUri: LAMBDA,
  payloadFormatVersion: '2.0',
  ...over,
});

// Every Kubernetes helper here takes the client last, defaulting to the shared test bed's, so a
// scenario with a private test bed can use them too.
export async function listObjects(namespace: string, client: CustomObjectsApi = custom): Promise<ApiIntegration[]> {
  const res = (await client.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace,
  })) as { items: ApiIntegration[] };
  return res.items;
}

export async function createIn(
  client: CustomObjectsApi,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<ApiIntegration> {
  return (await client.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'ApiIntegration', metadata: { name }, spec },
  })) as ApiIntegration;
}

export function isReady(o: ApiIntegration): boolean {
  const ready = condition(o, 'Ready');
  return (
    ready?.status === 'True' &&
    ready.observedGeneration === o.metadata.generation &&
    o.status?.observedGeneration === o.metadata.generation
  );
}

/** Ready, and nothing left to finish: no create in doubt, no replaced integration still to delete. */
export function isSettled(o: ApiIntegration): boolean {
  const a = o.metadata.annotations ?? {};
  return isReady(o) && !a['apigw.dev/create-pending'] && !a['apigw.dev/superseded'];
}

/** Polls the namespace until `done` holds; the failure names what was still missing. */
export async function waitFor(
  what: string,
  namespace: string,
  done: (objs: ApiIntegration[]) => string | true,
  timeoutMs: number,
  context?: () => string,
  client: CustomObjectsApi = custom,
): Promise<ApiIntegration[]> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const objs = await listObjects(namespace, client);
      const r = done(objs);
      if (r === true) return objs;
      last = r;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(500);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last}${context ? `\n${context()}` : ''}`);
}

/**
 * Waits until every named object is Ready for its current generation and settled (see isSettled):
 * after a move the old integration is deleted by a later pass than the one that reports Ready.
 */
export function waitAllReady(
  namespace: string,
  names: string[],
  timeoutMs: number,
  context?: () => string,
  client: CustomObjectsApi = custom,
): Promise<ApiIntegration[]> {
  return waitFor(
    `${names.length} objects Ready`,
    namespace,
    (objs) => {
      const byName = new Map(objs.map((o) => [o.metadata.name, o]));
      const notReady = names.filter((n) => !byName.has(n) || !isSettled(byName.get(n)!));
      const show = (n: string) => {
        const o = byName.get(n);
        return `${n}: ${JSON.stringify(o?.status?.conditions?.find((c) => c.type === 'Ready') ?? 'absent')} ${JSON.stringify(o?.metadata.annotations ?? {})}`;
      };
      return notReady.length === 0
        ? true
        : `${notReady.length} not Ready, e.g. ${notReady.slice(0, 3).map(show).join('; ')}`;
    },
    timeoutMs,
    context,
    client,
  );
}

/** Waits until none of the named objects exists any more (finalizer released). */
export function waitAllGone(
  namespace: string,
  names: string[],
  timeoutMs: number,
  context?: () => string,
  client: CustomObjectsApi = custom,
): Promise<ApiIntegration[]> {
  const wanted = new Set(names);
  return waitFor(
    `${names.length} objects gone`,
    namespace,
    (objs) => {
      const left = objs.filter((o) => wanted.has(o.metadata.name));
      return left.length === 0
        ? true
        : `${left.length} still present, e.g. ${left
            .slice(0, 3)
            .map((o) => `${o.metadata.name} ${JSON.stringify(o.metadata.annotations ?? {})}`)
            .join('; ')}`;
    },
    timeoutMs,
    context,
    client,
  );
}

export { pool };

export async function createMany(
  namespace: string,
  specs: { name: string; spec: Record<string, unknown> }[],
  concurrency = 8,
  client: CustomObjectsApi = custom,
): Promise<ApiIntegration[]> {
  return pool(specs, concurrency, ({ name, spec }) => createIn(client, namespace, name, spec));
}

/**
 * A fault proxy straight in front of the test bed's moto, with the fidelity rules on unless a
 * scenario turns them off: faults and API Gateway's own answers then come from one proxy, in one
 * request log, instead of two proxies each with its own idea of "in flight". The fidelity defaults
 * are as harsh as AWS (409 on concurrent writes to one API, paged listings, per-API quotas); a
 * scenario that wants less says so in `opts`.
 */
export function startProxy(opts: Omit<FaultProxyOptions, 'upstream'> = {}): Promise<FaultProxy> {
  return FaultProxy.start({ upstream: tb.motoEndpoint, region: tb.region, fidelity: true, ...opts });
}

/** The operator as a real process whose AWS calls all go through `proxy`. */
export function spawnThrough(proxy: FaultProxy, flags: string[], env: Record<string, string> = {}): OperatorProcess {
  const p = spawnOperator(flags, { AWS_ENDPOINT_URL_APIGATEWAYV2: proxy.url, ...env });
  proxy.label = `pid ${p.pid}`;
  return p;
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopOperator(p: OperatorProcess | undefined, graceMs = 15_000): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

export async function killOperator(p: OperatorProcess): Promise<void> {
  p.kill('SIGKILL');
  await p.exited;
}

/** The last lines of an operator's log, for failure messages. */
export function logTail(p: OperatorProcess | undefined, lines = 15): string {
  if (!p) return '';
  try {
    return readFileSync(p.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Exact-count audit of `apiIds` in the emulator against owner uid → API. */
export async function auditApis(apiIds: string[], expected: Map<string, string>): Promise<Audit> {
  return audit(await integrationsByApi({ endpoint: tb.motoEndpoint, region: tb.region }, apiIds), expected);
}

export function expectedOf(
  objs: ApiIntegration[],
  apiOf: (o: ApiIntegration) => string = (o) => o.spec.apiId,
): Map<string, string> {
  return new Map(objs.map((o) => [o.metadata.uid, apiOf(o)]));
}

export { describeAudit };

/** Resident set size (KiB) and open file descriptors of a process, from /proc. */
export function procStats(pid: number): { rssKiB: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return { rssKiB: rss ? Number(rss[1]) : 0, fds: readdirSync(`/proc/${pid}/fd`).length };
}

/** One value from a Prometheus text exposition (first series of that name). */
export function metricValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export { inspect, memoryAfterGc, type InspectorSession } from '../support/inspector.ts';

// ApiRoute counterparts of the helpers above.

export async function listRoutes(namespace: string, client: CustomObjectsApi = custom): Promise<ApiRoute[]> {
  const res = (await client.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: ROUTE_PLURAL,
    namespace,
  })) as { items: ApiRoute[] };
  return res.items;
}

export async function createRoutes(
  namespace: string,
  specs: { name: string; spec: Record<string, unknown> }[],
  concurrency = 8,
  client: CustomObjectsApi = custom,
): Promise<ApiRoute[]> {
  return pool(
    specs,
    concurrency,
    async ({ name, spec }) =>
      (await client.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: ROUTE_PLURAL,
        namespace,
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: ROUTE_KIND, metadata: { name }, spec },
      })) as ApiRoute,
  );
}

export function deleteRoute(namespace: string, name: string, client: CustomObjectsApi = custom): Promise<unknown> {
  return client.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: ROUTE_PLURAL, namespace, name });
}

/** Ready for its generation with nothing left to finish (no create in doubt, no old route to delete). */
export function isRouteSettled(o: ApiRoute): boolean {
  const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
  const a = o.metadata.annotations ?? {};
  return (
    ready?.status === 'True' &&
    ready.observedGeneration === o.metadata.generation &&
    o.status?.observedGeneration === o.metadata.generation &&
    !a['apigw.dev/create-pending'] &&
    !a['apigw.dev/superseded']
  );
}

/** Polls the namespace's ApiRoutes until `done` holds; the failure names what was still missing. */
export async function waitForRoutes(
  what: string,
  namespace: string,
  done: (objs: ApiRoute[]) => string | true,
  { timeoutMs, context }: { timeoutMs: number; context?: () => string },
): Promise<ApiRoute[]> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const objs = await listRoutes(namespace);
      const r = done(objs);
      if (r === true) return objs;
      last = r;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(500);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last}${context ? `\n${context()}` : ''}`);
}

/** Route audit of `apiIds` in the emulator against what the objects record. */
export async function auditRouteApis(apiIds: string[], expected: ExpectedRoute[]): Promise<RouteAudit> {
  return auditRoutes(await routesByApi({ endpoint: tb.motoEndpoint, region: tb.region }, apiIds), expected);
}

export { describeRouteAudit, type ExpectedRoute, type RouteAudit };
