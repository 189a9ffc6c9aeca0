// What a stage of the test bed's API Gateway serves, read from the fidelity proxy's own endpoint
// (test/faultproxy/emulator-endpoints.ts): the routes and integrations of the stage's deployment,
// not what the API holds now. Tests and the demo use it to prove a change is live.
import type { Served } from '../faultproxy/stage-book.ts';

export type { Served } from '../faultproxy/stage-book.ts';

type Json = Record<string, unknown>;

/** A route as a stage serves it, with the integration its target names (undefined without one). */
export interface ServedRoute {
  deploymentId: string;
  route: Json;
  integration?: Json;
}

/** What `stage` of `apiId` serves, or undefined when it serves no deployment (or does not exist). */
export async function servedStage(endpoint: string, apiId: string, stage: string): Promise<Served | undefined> {
  const url = `${endpoint}/__emulator/served/${encodeURIComponent(apiId)}/${encodeURIComponent(stage)}`;
  const res = await fetch(url);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Served;
}

/** The route with `routeKey` as `stage` serves it, and its target integration; undefined when not served. */
export async function servedRoute(
  endpoint: string,
  apiId: string,
  stage: string,
  routeKey: string,
): Promise<ServedRoute | undefined> {
  const served = await servedStage(endpoint, apiId, stage);
  const route = served?.routes.find((r) => r.routeKey === routeKey);
  if (!served || !route) return undefined;
  const target = typeof route.target === 'string' ? route.target : '';
  const integrationId = target.startsWith('integrations/') ? target.slice('integrations/'.length) : undefined;
  const integration = served.integrations.find((i) => i.integrationId === integrationId);
  return { deploymentId: served.deploymentId, route, ...(integration ? { integration } : {}) };
}
