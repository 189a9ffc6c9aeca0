// The ApiRoute kind of the running operator: its reconciler, the index of the routes each ApiRoute
// claims, and its watch of ApiIntegrations (a change to one requeues the routes that reference it).
// operator.ts registers it beside the ApiIntegration kind, with the same AWS budget, write
// serialization, namespace policy and fencing. A cluster without its CRD runs without it.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP } from './api/v1alpha1/group.ts';
import { ROUTE_PLURAL } from './api/v1alpha1/route-schema.ts';
import type { ApiRoute } from './api/v1alpha1/route-types.ts';
import type { ApiIntegration } from './api/v1alpha1/types.ts';
import type { ApiTenancy, NamespacePolicy } from './kind/ports.ts';
import { ROUTE_GATEWAY_VERBS, type RouteGateway } from './apiroute/ports.ts';
import type { RouteClaim } from './apiroute/recorded.ts';
import type { Place } from './kind/record.ts';
import { ApiRouteReconciler } from './apiroute/reconciler.ts';
import { SelectedShard } from './apiroute/shard.ts';
import {
  claimIndexKey,
  integrationChangeConcernsRoutes,
  routeClaimsOf,
  routesReferencing,
  routeWorthReconciling,
  trimRouteForCache,
} from './apiroute/setup.ts';
import type { KubeEventRecorder } from './adapters/kubernetes/events.ts';
import { KubeApiIntegrationStore, KubeApiRouteStore } from './adapters/kubernetes/store.ts';
import type { Config } from './config.ts';
import { FencedEvents, FencedStore, fencedGateway } from './fencing.ts';
import type { Clock } from './runtime/clock.ts';
import { objectKey } from './runtime/informer.ts';
import type { RuntimeMetrics } from './runtime/metrics.ts';
import { KindWorkers, type Change } from './operator-kind.ts';
import { followStages } from './operator-stages.ts';
import type { StageView } from './kind/live.ts';

export const ROUTE_CONTROLLER = 'apiroute';
/** The ApiIntegration kind's controller name, whose changes the routes follow. */
const INTEGRATION_CONTROLLER = 'apiintegration';

export interface RouteControllerDeps {
  cfg: Config;
  kc: KubeConfig;
  clock: Clock;
  logger: Logger;
  metrics: RuntimeMetrics;
  /** Built on the integration gateway's call machinery: one budget and one write queue per API. */
  gateway: RouteGateway;
  events: KubeEventRecorder;
  policy: NamespacePolicy;
  tenancy: ApiTenancy;
  integration(key: string): ApiIntegration | undefined;
  /** The ApiStages, for the Live condition. */
  stages(): readonly StageView[];
  isLeading(): boolean;
}

/** The routes ApiRoutes record, by API, kept current from the informers' events. */
class ClaimsIndex {
  private readonly byPlace = new Map<string, Map<string, RouteClaim[]>>();
  private readonly placesOf = new Map<string, string[]>();

  set(route: ApiRoute): void {
    this.remove(route);
    const owner = objectKey(route);
    const places: string[] = [];
    for (const claim of routeClaimsOf(route)) {
      const k = claimIndexKey(claim);
      const owners = this.byPlace.get(k) ?? new Map<string, RouteClaim[]>();
      owners.set(owner, [...(owners.get(owner) ?? []), claim]);
      this.byPlace.set(k, owners);
      places.push(k);
    }
    if (places.length > 0) this.placesOf.set(owner, places);
  }

  remove(route: ApiRoute): void {
    const owner = objectKey(route);
    for (const k of this.placesOf.get(owner) ?? []) {
      const owners = this.byPlace.get(k);
      owners?.delete(owner);
      if (owners?.size === 0) this.byPlace.delete(k);
    }
    this.placesOf.delete(owner);
  }

  at(place: Place): RouteClaim[] {
    return [...(this.byPlace.get(claimIndexKey(place))?.values() ?? [])].flat();
  }
}

/** The ApiRoute kind; every write of its reconciler goes through a fence that drops it once this replica stops leading. */
export function routeKind(deps: RouteControllerDeps): KindWorkers<ApiRoute> {
  const claims = new ClaimsIndex();
  const kind: KindWorkers<ApiRoute> = new KindWorkers<ApiRoute>({
    ...deps,
    name: ROUTE_CONTROLLER,
    plural: ROUTE_PLURAL,
    informerName: (namespace) => `${ROUTE_PLURAL}/${namespace ?? 'all-namespaces'}`,
    transform: trimRouteForCache,
    worth: routeWorthReconciling,
    reconciler: (routes) => {
      const reconciler = reconcilerOf(deps, routes, claims);
      return (key, signal) => reconciler.reconcile(key, signal);
    },
    // Creation and removal of an ApiIntegration always concern the routes that reference it.
    watches: [
      {
        source: INTEGRATION_CONTROLLER,
        keys: ({ old, cur }: Change<ApiIntegration>): string[] =>
          old && !integrationChangeConcernsRoutes(old, cur) ? [] : routesReferencing(cur, kind.list()),
      },
      followStages(() => kind.list(), deps.cfg.region),
    ],
    optional: {
      crd: `${ROUTE_PLURAL}.${GROUP}`,
      warning:
        'the ApiRoute CRD is not installed: ApiRoutes are not reconciled; install the CRD and restart the operator',
    },
  });
  kind.onChange(({ type, cur }) => (type === 'delete' ? claims.remove(cur) : claims.set(cur)));
  return kind;
}

function reconcilerOf(
  deps: RouteControllerDeps,
  routes: KindWorkers<ApiRoute>,
  claims: ClaimsIndex,
): ApiRouteReconciler {
  const { cfg, kc, clock, logger, isLeading } = deps;
  return new ApiRouteReconciler({
    get: (key) => routes.get(key),
    integration: (key) => deps.integration(key),
    claimsAt: (place) => claims.at(place),
    store: new FencedStore(new KubeApiRouteStore(kc), isLeading),
    gateway: fencedGateway(deps.gateway, ROUTE_GATEWAY_VERBS, isLeading),
    events: new FencedEvents(deps.events, isLeading),
    policy: deps.policy,
    tenancy: deps.tenancy,
    clock,
    logger: logger.child({ controller: ROUTE_CONTROLLER }),
    defaultRegion: cfg.region,
    driftIntervalMs: cfg.driftIntervalMs,
    createSettleMs: 2 * cfg.awsRequestTimeoutMs,
    notFoundGraceMs: cfg.notFoundGraceMs,
    shard: shardOf(deps),
    stages: deps.stages,
  });
}

/** With a label selector, a referenced ApiIntegration the cache lacks may still exist: ask for that one. */
function shardOf(deps: RouteControllerDeps): SelectedShard | undefined {
  const { cfg, kc, clock } = deps;
  if (!cfg.labelSelector) return undefined;
  const integrations = new KubeApiIntegrationStore(kc);
  const exists = (namespace: string, name: string, signal: AbortSignal) => integrations.exists(namespace, name, signal);
  return new SelectedShard({ labelSelector: cfg.labelSelector, exists, clock });
}
