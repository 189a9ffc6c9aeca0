// Composition of the running operator: informers (one per watched namespace, or one for all),
// the work queue and controller around the ApiIntegration reconciler, the ApiRoute controller
// beside it (operator-routes.ts), the shared AWS call budget, leader election, probes and metrics,
// the start-up check of the operator's own AWS identity that /readyz waits for, and graceful
// shutdown. main.ts and the tests start it.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { PLURAL } from './api/v1alpha1/schema.ts';
import { GROUP, VERSION } from './api/v1alpha1/group.ts';
import type { ApiIntegration } from './api/v1alpha1/types.ts';
import { trimForCache, worthReconciling } from './apiintegration/setup.ts';
import { CoalescingGateway } from './apiintegration/coalescing-gateway.ts';
import { ApiPopulation } from './apiintegration/population.ts';
import { CoalescingRouteGateway } from './apiroute/coalescing-gateway.ts';
import { ApiIntegrationReconciler } from './apiintegration/reconciler.ts';
import {
  INTEGRATION_GATEWAY_VERBS,
  type ApiIntegrationStore,
  type IntegrationGateway,
} from './apiintegration/ports.ts';
import { SdkClientFactory, type ClientFactoryOptions } from './adapters/aws/clients.ts';
import { assumeRole } from './adapters/aws/credentials.ts';
import { StsCallerIdentity, type CallerIdentity } from './adapters/aws/identity.ts';
import { ApiGatewayV2Gateway } from './adapters/aws/gateway.ts';
import { ApiGatewayV2RouteGateway } from './adapters/aws/route-gateway.ts';
import type { CallBudget } from './adapters/aws/rate-limit.ts';
import { BudgetWait } from './kind/errors.ts';
import { KubeEventRecorder } from './adapters/kubernetes/events.ts';
import { KubeLeaseStore } from './adapters/kubernetes/lease-store.ts';
import { CustomResourceListWatcher } from './adapters/kubernetes/listwatch.ts';
import { unrestricted, NamespaceAnnotationPolicy, noNamespaceRoles } from './adapters/kubernetes/namespace-policy.ts';
import { KubeApiIntegrationStore } from './adapters/kubernetes/store.ts';
import type { Config } from './config.ts';
import { registerOperatorMetrics } from './operator-metrics.ts';
import { systemClock, type Clock } from './runtime/clock.ts';
import { Controller } from './runtime/controller.ts';
import { ProbeServer } from './runtime/health.ts';
import { Informer, objectKey } from './runtime/informer.ts';
import { LeaderElector } from './runtime/leader-election.ts';
import { RuntimeMetrics } from './runtime/metrics.ts';
import { StartupCheck } from './runtime/startup-check.ts';
import { TokenBuckets } from './runtime/token-bucket.ts';
import { WorkQueue } from './runtime/workqueue.ts';
import { FencedEvents, FencedStore, fencedGateway } from './fencing.ts';
import { RouteController } from './operator-routes.ts';

export interface OperatorDeps {
  cfg: Config;
  kc: KubeConfig;
  logger: Logger;
  clock?: Clock;
  identity?: string;
  aws?: Omit<ClientFactoryOptions, 'endpoint'>;
}

const CONTROLLER = 'apiintegration';
/** How long one GetRoutes listing answers the integration deletes of an API (a prune shares it). */
const ROUTE_LISTING_TTL_MS = 2000;

/**
 * The shared AWS call budget. A call that would queue longer than `maxWaitMs` for a token gives
 * its worker back instead (the key returns when a token is due), so keys of other accounts and
 * regions are not held up behind a spent bucket.
 */
function budgetOf(buckets: TokenBuckets, maxWaitMs: number): CallBudget {
  return {
    take: (bucket, signal) => {
      const b = buckets.get(bucket);
      const wait = b.estimatedWaitMs();
      if (wait > maxWaitMs) {
        return Promise.reject(new BudgetWait(bucket, wait));
      }
      return b.take(signal);
    },
    throttled: (bucket) => buckets.get(bucket).onThrottled(),
  };
}

export class Operator {
  readonly registry = new Registry();
  readonly identity: string;
  private readonly deps: OperatorDeps;
  private readonly log: Logger;
  private readonly informers: Informer<ApiIntegration>[] = [];
  private readonly queue: WorkQueue<string>;
  private readonly controller: Controller<string>;
  private readonly routes: RouteController;
  private readonly probes: ProbeServer;
  private readonly elector: LeaderElector | undefined;
  private readonly clients: SdkClientFactory;
  private readonly sts: StsCallerIdentity;
  /** GetCallerIdentity until it answers: readiness waits for it, reconciling does not. */
  private readonly awsIdentity: StartupCheck<CallerIdentity>;
  private readonly stopCtl = new AbortController();
  private leading = false;
  private exitCode = 0;
  /** Resolves with the exit code once the operator has stopped (lost lease: 1; shutdown: 0). */
  readonly done: Promise<number>;
  private resolveDone!: (code: number) => void;
  ports: { metrics?: number; health?: number } = {};

  constructor(deps: OperatorDeps) {
    this.deps = deps;
    const { cfg } = deps;
    const clock = deps.clock ?? systemClock;
    this.identity = deps.identity ?? `${hostname()}_${randomUUID()}`;
    this.log = deps.logger.child({ controller: CONTROLLER });
    this.done = new Promise((r) => (this.resolveDone = r));
    const metrics = new RuntimeMetrics(this.registry);

    this.informers.push(...this.informersFor(clock));
    this.queue = new WorkQueue<string>({ clock, metrics: metrics.workqueue(CONTROLLER) });
    const population = this.followIntegrations();

    const buckets = new TokenBuckets({ ratePerSec: cfg.awsRate, burst: cfg.awsBurst, clock });
    const opMetrics = registerOperatorMetrics(this.registry, {
      objects: () => this.informers.flatMap((i) => i.list()),
      routes: () => this.routes.list(),
      rates: () => buckets.keys().map((bucket) => ({ bucket, rate: buckets.get(bucket).rate() })),
    });
    this.clients = new SdkClientFactory({
      credentialsForRole: assumeRole({ stsEndpoint: cfg.stsEndpoint }),
      requestTimeoutMs: cfg.awsRequestTimeoutMs,
      ...deps.aws,
      endpoint: cfg.awsEndpoint,
    });
    [this.sts, this.awsIdentity] = this.identityCheck(clock);
    const sdkGateway = new ApiGatewayV2Gateway({
      clients: this.clients,
      budget: budgetOf(buckets, cfg.awsMaxWaitMs),
      observe: opMetrics.observeAwsCall,
    });
    // Drift checks of one API come due together (drift-schedule.ts); a listing answers them all, and
    // the API's population is remembered across an interval so the first check of a slot lists.
    const listings = {
      clock,
      ttlMs: Math.min(Math.max(cfg.driftIntervalMs / 2, 1000), 5 * 60_000),
      windowMs: Math.max(cfg.driftIntervalMs * 1.5, 3000),
    };
    const gateway: IntegrationGateway = new CoalescingGateway(sdkGateway, {
      ...listings,
      routesTtlMs: ROUTE_LISTING_TTL_MS,
      population: (loc) => population.of(loc),
    });
    const namespaces = this.namespacePolicy(clock);
    const reconciler = this.reconcilerFor(gateway, clock, namespaces);
    const routeLog = deps.logger.child({ controller: 'apiroute' });
    const events = new KubeEventRecorder(deps.kc, routeLog, { clock, instance: this.identity });
    this.routes = new RouteController({
      cfg,
      kc: deps.kc,
      clock,
      logger: deps.logger,
      metrics,
      // The integration gateway's calls: one budget per account and region, one write at a time per API.
      // Route drift checks of one API share a GetRoutes listing, as integrations' share GetIntegrations.
      gateway: new CoalescingRouteGateway(new ApiGatewayV2RouteGateway(sdkGateway.calls), listings),
      events,
      policy: cfg.namespaceRoles && namespaces ? namespaces : noNamespaceRoles,
      tenancy: namespaces ?? unrestricted,
      integration: (key) => this.get(key),
      isLeading: () => this.leading,
      // Its delete may be waiting on that route on a backoff of minutes: look again as soon as a route
      // listing made before the route went is no longer shared.
      routeGone: (key) => this.queue.addAfter(key, ROUTE_LISTING_TTL_MS + 100),
    });
    for (const inf of this.informers) {
      inf.onAdd((o) => this.routes.integrationChanged(undefined, o));
      inf.onUpdate((old, o) => this.routes.integrationChanged(old, o));
      inf.onDelete((o) => this.routes.integrationChanged(undefined, o));
    }
    this.controller = new Controller<string>({
      name: CONTROLLER,
      queue: this.queue,
      reconcile: (key, signal) => reconciler.reconcile(key, signal),
      workers: cfg.workers,
      clock,
      // The controller adds its own `controller` key; this.log already has one.
      logger: deps.logger,
      metrics: metrics.controller(CONTROLLER),
      shutdownTimeoutMs: cfg.shutdownTimeoutMs,
    });
    this.probes = this.probesFor(clock);
    this.elector = cfg.leaderElect ? this.electorFor(metrics, clock) : undefined;
  }

  /** Queues the ApiIntegrations worth a pass and counts them per API; returns those counts. */
  private followIntegrations(): ApiPopulation {
    const population = new ApiPopulation();
    for (const inf of this.informers) {
      inf.onAdd((o) => {
        population.set(objectKey(o), o);
        this.queue.add(objectKey(o));
      });
      inf.onUpdate((old, o) => {
        population.set(objectKey(o), o);
        if (worthReconciling(old, o)) this.queue.add(objectKey(o));
      });
      inf.onDelete((o) => {
        population.remove(objectKey(o));
        this.queue.forget(objectKey(o));
      });
    }
    return population;
  }

  /** One informer per watched namespace, or one for all of them. */
  private informersFor(clock: Clock): Informer<ApiIntegration>[] {
    const { cfg, kc } = this.deps;
    const namespaces = cfg.watchNamespaces.length > 0 ? cfg.watchNamespaces : [undefined];
    return namespaces.map((namespace) => {
      const lw = new CustomResourceListWatcher<ApiIntegration>(kc, {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace,
        labelSelector: cfg.labelSelector,
      });
      return new Informer<ApiIntegration>({
        listWatcher: lw,
        name: namespace ?? 'all-namespaces',
        clock,
        logger: this.log,
        transform: trimForCache,
      });
    });
  }

  /** Namespaces are read for roles, for the allowed API ids, or both; with neither, not at all. */
  private namespacePolicy(clock: Clock): NamespaceAnnotationPolicy | undefined {
    const { cfg, kc } = this.deps;
    const readNamespaces = cfg.namespaceRoles || cfg.requireAllowedApiIds;
    return readNamespaces
      ? new NamespaceAnnotationPolicy(kc, { clock, requireAllowedApiIds: cfg.requireAllowedApiIds })
      : undefined;
  }

  /** Every write the reconciler makes goes through a fence that drops it once this replica stops leading. */
  private reconcilerFor(
    gateway: IntegrationGateway,
    clock: Clock,
    namespaces: NamespaceAnnotationPolicy | undefined,
  ): ApiIntegrationReconciler {
    const { cfg, kc } = this.deps;
    const store: ApiIntegrationStore = new KubeApiIntegrationStore(kc);
    const isLeading = () => this.leading;
    return new ApiIntegrationReconciler({
      get: (key) => this.get(key),
      store: new FencedStore(store, isLeading),
      gateway: fencedGateway(gateway, INTEGRATION_GATEWAY_VERBS, isLeading),
      events: new FencedEvents(new KubeEventRecorder(kc, this.log, { clock, instance: this.identity }), isLeading),
      policy: cfg.namespaceRoles && namespaces ? namespaces : noNamespaceRoles,
      tenancy: namespaces ?? unrestricted,
      clock,
      logger: this.log,
      defaultRegion: cfg.region,
      driftIntervalMs: cfg.driftIntervalMs,
      createSettleMs: 2 * cfg.awsRequestTimeoutMs,
      notFoundGraceMs: cfg.notFoundGraceMs,
      ownerExists: (uid) => this.informers.some((i) => i.list().some((o) => o.metadata.uid === uid)),
    });
  }

  /**
   * Objects with their own role find out about it on their first pass (AssumeRole); this is the
   * operator's own identity, which every other object uses. A pod whose IRSA or Pod Identity set-up
   * is missing then stays unready, so a rollout stops there instead of every object waiting.
   */
  private identityCheck(clock: Clock): [StsCallerIdentity, StartupCheck<CallerIdentity>] {
    const { cfg, aws } = this.deps;
    const sts = new StsCallerIdentity({
      region: cfg.region,
      endpoint: cfg.stsEndpoint,
      requestTimeoutMs: cfg.awsRequestTimeoutMs,
      defaultChain: aws?.defaultChain,
    });
    const check = new StartupCheck<CallerIdentity>({
      name: 'aws-identity',
      attempt: (signal) => sts.callerIdentity(signal),
      describe: (id) => ({ arn: id.arn, account: id.account }),
      messages: {
        failed: 'AWS identity check (STS GetCallerIdentity) failed; not ready until it passes',
        passed: 'AWS identity confirmed',
      },
      clock,
      logger: this.deps.logger,
    });
    return [sts, check];
  }

  private probesFor(clock: Clock): ProbeServer {
    const probes = new ProbeServer({ registry: this.registry, logger: this.log });
    probes.addHealthzCheck('ping', () => true);
    // Watches restart themselves (timeouts, watchdog, backoff); one that has not even restarted
    // for 15 minutes (five watchdog periods) is stuck, and a restart of the process is the remedy.
    probes.addHealthzCheck('watch', () =>
      [...this.informers, ...this.routes.informers].every(
        (i) => !i.hasSynced() || clock.now() - i.lastActivityAt() < 15 * 60_000,
      ),
    );
    probes.addReadyzCheck('informers-synced', () => this.isReady());
    probes.addReadyzCheck('aws-identity', this.awsIdentity.readiness, { showFailure: true });
    return probes;
  }

  private electorFor(metrics: RuntimeMetrics, clock: Clock): LeaderElector {
    const { cfg, kc } = this.deps;
    return new LeaderElector({
      store: new KubeLeaseStore(kc, cfg.leaderElectionNamespace, cfg.leaderElectionId),
      identity: this.identity,
      name: cfg.leaderElectionId,
      leaseDurationMs: cfg.leaseDurationMs,
      renewDeadlineMs: cfg.renewDeadlineMs,
      retryPeriodMs: cfg.retryPeriodMs,
      clock,
      logger: this.log,
      metrics: metrics.leaderElection(cfg.leaderElectionId),
      onStartedLeading: () => this.startLeading(),
      onStoppedLeading: (reason) => reason === 'lost' && this.lostLease(),
    });
  }

  get(key: string): ApiIntegration | undefined {
    for (const inf of this.informers) {
      const o = inf.get(key);
      if (o) return o;
    }
    return undefined;
  }

  isLeader(): boolean {
    return this.leading;
  }

  isReady(): boolean {
    const routesSynced = !this.routes.isServed() || this.routes.informers.every((i) => i.hasSynced());
    return routesSynced && this.informers.every((i) => i.hasSynced());
  }

  async start(): Promise<void> {
    const { cfg } = this.deps;
    // The metrics endpoint serves /metrics (and probes too, for a single-port setup).
    this.ports.health = await this.probes.listen(cfg.healthProbeBindAddress);
    const shared = cfg.metricsBindAddress === cfg.healthProbeBindAddress && !cfg.metricsBindAddress.endsWith(':0');
    if (shared) this.ports.metrics = this.ports.health;
    else {
      const metricsServer = new ProbeServer({ registry: this.registry, logger: this.log });
      this.ports.metrics = await metricsServer.listen(cfg.metricsBindAddress);
      // close() does not reject, and nothing waits on the metrics port at shutdown.
      this.stopCtl.signal.addEventListener('abort', () => void metricsServer.close(), { once: true });
    }
    this.awsIdentity.start(this.stopCtl.signal);
    // Informers warm up before leadership so a standby takes over with a full cache.
    for (const inf of this.informers) inf.start(this.stopCtl.signal);
    const routes = await this.routes.detect(this.stopCtl.signal);
    this.routes.startInformers(this.stopCtl.signal);
    this.log.info(
      { identity: this.identity, leaderElect: cfg.leaderElect, namespaces: cfg.watchNamespaces, routes },
      'operator started',
    );
    // Not awaited: run() settles when leadership ends, which onStoppedLeading reports; it does not
    // reject, since lease store errors are logged and retried inside.
    if (this.elector) void this.elector.run(this.stopCtl.signal);
    else this.startLeading();
  }

  private startLeading(): void {
    this.leading = true;
    this.log.info({ identity: this.identity }, 'leading: starting workers');
    this.controller.start();
    this.routes.startWorkers();
  }

  private lostLease(): void {
    // Another replica may already be writing: stop at once, abort in-flight calls, and exit non-zero.
    this.leading = false;
    this.log.error({ identity: this.identity }, 'leader election lost; stopping');
    this.exitCode = 1;
    // Not awaited: `done`, which shutdownRest resolves, is what main waits on; controller.stop never rejects.
    void Promise.all([this.controller.stop(0), this.routes.stopWorkers(0)]).finally(() => this.shutdownRest());
  }

  /** Graceful stop: no new work, in-flight reconciles get the shutdown timeout, the lease is released. */
  async stop(): Promise<number> {
    const { cfg } = this.deps;
    this.log.info({ timeoutMs: cfg.shutdownTimeoutMs }, 'shutting down');
    await Promise.all([this.controller.stop(cfg.shutdownTimeoutMs), this.routes.stopWorkers(cfg.shutdownTimeoutMs)]);
    this.leading = false;
    if (this.elector) await this.elector.release();
    await this.shutdownRest();
    return this.exitCode;
  }

  private async shutdownRest(): Promise<void> {
    if (this.stopCtl.signal.aborted) return;
    this.stopCtl.abort();
    await Promise.all([...this.informers.map((i) => i.stop()), this.routes.stopInformers()]);
    await this.probes.close();
    this.clients.destroy();
    this.sts.destroy();
    this.resolveDone(this.exitCode);
  }
}
