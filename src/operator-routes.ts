// The ApiRoute half of the running operator: its informers (the namespaces and label selector of
// the ApiIntegration ones), work queue, workers and reconciler, and the index of the routes each
// ApiRoute claims. operator.ts builds it beside the ApiIntegration controller, with the same AWS
// budget, write serialization, namespace policy and fencing, and feeds it integration changes.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, VERSION } from './api/v1alpha1/group.ts';
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
import { isNotFound } from './adapters/kubernetes/errors.ts';
import type { KubeEventRecorder } from './adapters/kubernetes/events.ts';
import { CustomResourceListWatcher } from './adapters/kubernetes/listwatch.ts';
import { KubeApiIntegrationStore, KubeApiRouteStore } from './adapters/kubernetes/store.ts';
import type { Config } from './config.ts';
import { FencedEvents, FencedStore, fencedGateway } from './fencing.ts';
import type { Clock } from './runtime/clock.ts';
import { Controller } from './runtime/controller.ts';
import { Informer, objectKey } from './runtime/informer.ts';
import type { RuntimeMetrics } from './runtime/metrics.ts';
import { WorkQueue } from './runtime/workqueue.ts';

export const ROUTE_CONTROLLER = 'apiroute';

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
  isLeading(): boolean;
  /** A route that targeted this ApiIntegration (`namespace/name`) is gone: its blocked delete may go on. */
  routeGone(integrationKey: string): void;
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

export class RouteController {
  readonly informers: Informer<ApiRoute>[];
  private readonly d: RouteControllerDeps;
  private readonly queue: WorkQueue<string>;
  private readonly controller: Controller<string>;
  private readonly claims = new ClaimsIndex();
  /** False when the cluster does not serve the ApiRoute kind: nothing of it starts. */
  private served = false;

  constructor(deps: RouteControllerDeps) {
    this.d = deps;
    const { cfg, clock, metrics } = deps;
    this.informers = this.informersFor();
    this.queue = new WorkQueue<string>({ clock, metrics: metrics.workqueue(ROUTE_CONTROLLER) });
    for (const inf of this.informers) this.handle(inf);
    const reconciler = this.reconciler();
    this.controller = new Controller<string>({
      name: ROUTE_CONTROLLER,
      queue: this.queue,
      reconcile: (key, signal) => reconciler.reconcile(key, signal),
      workers: cfg.workers,
      clock,
      logger: deps.logger,
      metrics: metrics.controller(ROUTE_CONTROLLER),
      shutdownTimeoutMs: cfg.shutdownTimeoutMs,
    });
  }

  private informersFor(): Informer<ApiRoute>[] {
    const { cfg, kc, clock, logger } = this.d;
    const namespaces = cfg.watchNamespaces.length > 0 ? cfg.watchNamespaces : [undefined];
    const log = logger.child({ controller: ROUTE_CONTROLLER });
    return namespaces.map((namespace) => {
      const lw = new CustomResourceListWatcher<ApiRoute>(kc, {
        group: GROUP,
        version: VERSION,
        plural: ROUTE_PLURAL,
        namespace,
        labelSelector: cfg.labelSelector,
      });
      const name = `${ROUTE_PLURAL}/${namespace ?? 'all-namespaces'}`;
      return new Informer<ApiRoute>({ listWatcher: lw, name, clock, logger: log, transform: trimRouteForCache });
    });
  }

  private handle(inf: Informer<ApiRoute>): void {
    inf.onAdd((o) => {
      this.claims.set(o);
      this.queue.add(objectKey(o));
    });
    inf.onUpdate((old, o) => {
      this.claims.set(o);
      if (routeWorthReconciling(old, o)) this.queue.add(objectKey(o));
    });
    inf.onDelete((o) => {
      this.claims.remove(o);
      this.queue.forget(objectKey(o));
      const ref = o.spec.integrationRef?.name;
      if (ref) this.d.routeGone(`${o.metadata.namespace}/${ref}`);
    });
  }

  /** Every write goes through a fence that drops it once this replica stops leading. */
  private reconciler(): ApiRouteReconciler {
    const { cfg, kc, clock, logger, isLeading } = this.d;
    return new ApiRouteReconciler({
      get: (key) => this.get(key),
      integration: (key) => this.d.integration(key),
      claimsAt: (place) => this.claims.at(place),
      store: new FencedStore(new KubeApiRouteStore(kc), isLeading),
      gateway: fencedGateway(this.d.gateway, ROUTE_GATEWAY_VERBS, isLeading),
      events: new FencedEvents(this.d.events, isLeading),
      policy: this.d.policy,
      tenancy: this.d.tenancy,
      clock,
      logger: logger.child({ controller: ROUTE_CONTROLLER }),
      defaultRegion: cfg.region,
      driftIntervalMs: cfg.driftIntervalMs,
      createSettleMs: 2 * cfg.awsRequestTimeoutMs,
      notFoundGraceMs: cfg.notFoundGraceMs,
      shard: this.shard(),
    });
  }

  /** With a label selector, a referenced ApiIntegration the cache lacks may still exist: ask for that one. */
  private shard(): SelectedShard | undefined {
    const { cfg, kc, clock } = this.d;
    if (!cfg.labelSelector) return undefined;
    const integrations = new KubeApiIntegrationStore(kc);
    const exists = (namespace: string, name: string, signal: AbortSignal) =>
      integrations.exists(namespace, name, signal);
    return new SelectedShard({ labelSelector: cfg.labelSelector, exists, clock });
  }

  get(key: string): ApiRoute | undefined {
    for (const inf of this.informers) {
      const o = inf.get(key);
      if (o) return o;
    }
    return undefined;
  }

  list(): ApiRoute[] {
    return this.informers.flatMap((i) => i.list());
  }

  /** Enqueues the routes an ApiIntegration change concerns (creation and removal always do). */
  integrationChanged(old: ApiIntegration | undefined, cur: ApiIntegration): void {
    if (old && !integrationChangeConcernsRoutes(old, cur)) return;
    for (const key of routesReferencing(cur, this.list())) this.queue.add(key);
  }

  /**
   * Whether the cluster serves ApiRoutes. An install without the ApiRoute CRD still runs the
   * ApiIntegration controller: a 404 on the list turns this kind off (until a restart) instead of
   * keeping readiness false forever. Any other failure is left to the informers' retries.
   */
  async detect(signal: AbortSignal): Promise<boolean> {
    const lw = new CustomResourceListWatcher<ApiRoute>(this.d.kc, {
      group: GROUP,
      version: VERSION,
      plural: ROUTE_PLURAL,
      namespace: this.d.cfg.watchNamespaces[0],
    });
    try {
      await lw.list({ limit: 1, signal });
      this.served = true;
    } catch (err) {
      this.served = !isNotFound(err);
      if (!this.served)
        this.d.logger.warn(
          { crd: `${ROUTE_PLURAL}.${GROUP}` },
          'the ApiRoute CRD is not installed: ApiRoutes are not reconciled; install the CRD and restart the operator',
        );
    }
    return this.served;
  }

  isServed(): boolean {
    return this.served;
  }

  startInformers(signal: AbortSignal): void {
    if (this.served) for (const inf of this.informers) inf.start(signal);
  }

  startWorkers(): void {
    if (this.served) this.controller.start();
  }

  /** Stops the workers (whether or not they ran: a stopped queue takes no more keys). */
  stopWorkers(deadlineMs: number): Promise<boolean> {
    return this.controller.stop(deadlineMs);
  }

  async stopInformers(): Promise<void> {
    if (this.served) await Promise.all(this.informers.map((i) => i.stop()));
  }
}
