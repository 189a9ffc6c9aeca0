// Shared pieces of the ApiStage scenarios: a WebSocket API's paths (a MOCK ApiIntegration and an
// ApiRoute on it) kept beside a model of what the stage should serve, the check that the stage's
// served snapshot is exactly that model, and a log of every CreateDeployment the emulator applied
// (taken from the proxy's answer, lost or not), which says how many deployments were made and
// whether any revision was deployed twice.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { ROUTE_PLURAL } from '../../src/api/v1alpha1/route-schema.ts';
import { STAGE_PLURAL } from '../../src/api/v1alpha1/stage-schema.ts';
import type { ApiStage } from '../../src/api/v1alpha1/stage-types.ts';
import { userDescription } from '../../src/apiintegration/desired.ts';
import type { ForwardedInfo } from '../faultproxy/proxy.ts';
import { createObject, createRouteObject, custom, eventually, patchSpec, sleep } from '../support/cluster.ts';
import { servedStage } from '../support/served.ts';
import { deleteRoute, isRouteSettled, isSettled, listObjects, listRoutes } from './support.ts';

const DEPLOY_PENDING = 'apigw.dev/deploy-pending';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** What one stage of one API should serve: route key → the integration (by object name) and its description. */
export class ApiPaths {
  /** Integration object name → the description its spec holds now. */
  readonly integrations = new Map<string, string>();
  /** Route object name → its route key and the integration object it targets. */
  readonly routes = new Map<string, { routeKey: string; integration: string }>();
  readonly namespace: string;
  readonly apiId: string;

  constructor(namespace: string, apiId: string) {
    this.namespace = namespace;
    this.apiId = apiId;
  }

  /** A MOCK integration `int-<i>` and the route `route-<i>` (key `action<i>`) on it. */
  async addPath(i: number): Promise<void> {
    const name = `int-${i}`;
    const description = `${name} v1`;
    await createObject(this.namespace, name, { apiId: this.apiId, integrationType: 'MOCK', description });
    this.integrations.set(name, description);
    const route = { routeKey: `action${i}`, integration: name };
    await createRouteObject(this.namespace, `route-${i}`, {
      apiId: this.apiId,
      routeKey: route.routeKey,
      integrationRef: { name },
    });
    this.routes.set(`route-${i}`, route);
  }

  /** A spec change of an integration: the stage must serve the new description. */
  async describe(integration: string, description: string): Promise<void> {
    await patchSpec(this.namespace, integration, { description });
    this.integrations.set(integration, description);
  }

  /** Points a route at another integration. */
  async retarget(route: string, integration: string): Promise<void> {
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural: ROUTE_PLURAL,
        namespace: this.namespace,
        name: route,
        body: { spec: { integrationRef: { name: integration } } },
      },
      mergePatch,
    );
    this.routes.get(route)!.integration = integration;
  }

  /** Deletes a route object: its key must leave the served snapshot. */
  async removeRoute(route: string): Promise<void> {
    await deleteRoute(this.namespace, route);
    this.routes.delete(route);
  }

  /** Every object of the model Ready for its generation, nothing left to finish; or what is not yet. */
  async settled(): Promise<true | string> {
    const [ints, routes] = await Promise.all([listObjects(this.namespace), listRoutes(this.namespace)]);
    const intsLeft = ints.filter((o) => this.integrations.has(o.metadata.name) && !isSettled(o));
    const routesLeft = routes.filter((o) => this.routes.has(o.metadata.name) && !isRouteSettled(o));
    const gone = routes.filter((o) => !this.routes.has(o.metadata.name));
    const left = [...intsLeft, ...routesLeft, ...gone].map((o) => o.metadata.name);
    return left.length === 0 ? true : `not settled: ${left.slice(0, 5).join(', ')}${left.length > 5 ? ', …' : ''}`;
  }

  /**
   * How the stage's served snapshot differs from the model (empty when it is exactly the model):
   * every route key served with the integration its ApiRoute targets, carrying that integration's
   * current description (the operator's ownership marker aside), and no other route key served.
   */
  async servedMismatches(endpoint: string, stageName: string): Promise<string[]> {
    const served = await servedStage(endpoint, this.apiId, stageName);
    if (!served) return [`stage ${stageName} serves no deployment`];
    const ints = await listObjects(this.namespace);
    const idOf = new Map(ints.map((o) => [o.metadata.name, o.status?.integrationId]));
    const servedRoutes = new Map(served.routes.map((r) => [String(r.routeKey), r]));
    const servedInts = new Map(served.integrations.map((i) => [String(i.integrationId), i]));
    const problems: string[] = [];
    for (const { routeKey, integration } of this.routes.values()) {
      const route = servedRoutes.get(routeKey);
      const id = idOf.get(integration);
      const description = this.integrations.get(integration);
      if (!route) problems.push(`${routeKey} not served`);
      else if (!id || route.target !== `integrations/${id}`)
        problems.push(`${routeKey} served with target ${String(route.target)}, want ${integration} (${id})`);
      else if (userDescription(servedInts.get(id)?.description as string | undefined) !== description)
        problems.push(
          `${routeKey} served with "${String(servedInts.get(id)?.description)}", want "${description}" (${served.deploymentId})`,
        );
    }
    const wanted = new Set([...this.routes.values()].map((r) => r.routeKey));
    for (const key of servedRoutes.keys()) if (!wanted.has(key)) problems.push(`${key} served but no longer wanted`);
    return problems;
  }
}

const stageRef = (namespace: string) => ({ group: GROUP, version: VERSION, plural: STAGE_PLURAL, namespace });

export async function createStage(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await custom.createNamespacedCustomObject({
    ...stageRef(namespace),
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'ApiStage', metadata: { name }, spec },
  });
}

export async function getStage(namespace: string, name: string): Promise<ApiStage> {
  return (await custom.getNamespacedCustomObject({ ...stageRef(namespace), name })) as ApiStage;
}

/** The ApiStage says it serves what it deployed last, with no deployment in doubt. */
export function stageServes(s: ApiStage, deploymentId: string): boolean {
  const ready = s.status?.conditions?.find((c) => c.type === 'Ready');
  return (
    ready?.status === 'True' &&
    ready.reason === 'Served' &&
    s.status?.observedGeneration === s.metadata.generation &&
    s.status?.deploymentId === deploymentId &&
    !s.metadata.annotations?.[DEPLOY_PENDING]
  );
}

/**
 * Waits until every object of the model is settled, the stage's snapshot is exactly the model and
 * the ApiStage reports serving it with nothing in doubt; then the stage is watched for `quietMs`
 * more, so a deployment made late (a second one for a revision already served) is counted too.
 */
export async function waitServed(
  paths: ApiPaths,
  opts: { endpoint: string; stage: string; stageName: string; timeoutMs: number; quietMs: number },
  context: () => string,
): Promise<ApiStage> {
  const stage = await eventually(
    `stage ${opts.stageName} serving the desired configuration`,
    async () => {
      const settled = await paths.settled();
      if (settled !== true) throw new Error(settled);
      const problems = await paths.servedMismatches(opts.endpoint, opts.stageName);
      if (problems.length > 0) throw new Error(problems.slice(0, 4).join('; '));
      const served = await servedStage(opts.endpoint, paths.apiId, opts.stageName);
      const s = await getStage(paths.namespace, opts.stage);
      if (!stageServes(s, served!.deploymentId))
        throw new Error(`ApiStage: ${JSON.stringify(s.status?.conditions)} ${JSON.stringify(s.metadata.annotations)}`);
      return s;
    },
    opts.timeoutMs,
    250,
  ).catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${context()}`);
  });
  await sleep(opts.quietMs);
  return stage;
}

export interface AppliedDeployment {
  deploymentId: string;
  description: string;
  /** The answer never reached the operator. */
  lost: boolean;
}

/** Every CreateDeployment the emulator applied, from the proxy's onForwarded hook. */
export class DeploymentLog {
  readonly applied: AppliedDeployment[] = [];

  /** Pass every ForwardedInfo here; only applied CreateDeployments are kept. */
  note(info: ForwardedInfo): void {
    if (info.record.operation !== 'CreateDeployment' || info.status >= 300) return;
    const body = JSON.parse(info.body.toString('utf8')) as { deploymentId: string; description?: string };
    this.applied.push({ deploymentId: body.deploymentId, description: body.description ?? '', lost: info.lost });
  }

  get count(): number {
    return this.applied.length;
  }

  /** Deployments of a revision that had already been deployed (the description names the revision). */
  repeats(): AppliedDeployment[] {
    const seen = new Set<string>();
    return this.applied.filter((d) => (seen.has(d.description) ? true : (seen.add(d.description), false)));
  }

  summary(): string {
    return this.applied
      .map(
        (d) => `${d.deploymentId} ${d.description.replace('apigw-operator revision ', '')}${d.lost ? ' (lost)' : ''}`,
      )
      .join(', ');
  }
}
