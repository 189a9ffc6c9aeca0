// Composition of the running operator: the kinds it reconciles (operator-kind.ts: informers, work
// queue and workers each; the ApiIntegration kind here, ApiRoute in operator-routes.ts and ApiStage
// in operator-stages.ts),
// the shared AWS call budget, leader election, probes and metrics,
// the start-up check of the operator's own AWS identity that /readyz waits for, and graceful
// shutdown. main.ts and the tests start it.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { PLURAL } from './api/v1alpha1/schema.ts';
import type { ApiIntegration } from './api/v1alpha1/types.ts';
import type { ApiRoute } from './api/v1alpha1/route-types.ts';
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
import { SdkLambdaPolicies } from './adapters/aws/lambda-policy.ts';
import { SharedPolicies } from './apiintegration/policy-cache.ts';
import { LAMBDA_POLICY_VERBS, type LambdaPolicies } from './apiintegration/permission-ports.ts';
import { ApiGatewayV2RouteGateway } from './adapters/aws/route-gateway.ts';
import type { CallBudget } from './adapters/aws/rate-limit.ts';
import { BudgetWait } from './kind/errors.ts';
import { KubeEventRecorder } from './adapters/kubernetes/events.ts';
import { KubeLeaseStore } from './adapters/kubernetes/lease-store.ts';
import { unrestricted, NamespaceAnnotationPolicy, noNamespaceRoles } from './adapters/kubernetes/namespace-policy.ts';
import { KubeApiIntegrationStore } from './adapters/kubernetes/store.ts';
import type { Config } from './config.ts';
import { registerOperatorMetrics } from './operator-metrics.ts';
import { systemClock, type Clock } from './runtime/clock.ts';
import { ProbeServer } from './runtime/health.ts';
import { objectKey } from './runtime/informer.ts';
import { LeaderElector } from './runtime/leader-election.ts';
import { RuntimeMetrics } from './runtime/metrics.ts';
import { StartupCheck } from './runtime/startup-check.ts';
import { TokenBuckets } from './runtime/token-bucket.ts';
import { FencedEvents, FencedStore, fencedGateway } from './fencing.ts';
import { ROUTE_CONTROLLER, routeKind } from './operator-routes.ts';
import { followStages, STAGE_CONTROLLER, stageKind, stageViews } from './operator-stages.ts';
import { ApiGatewayV2StageGateway } from './adapters/aws/stage-gateway.ts';
import type { ApiStage } from './api/v1alpha1/stage-types.ts';
import { KindWorkers, type Change, type KindController } from './operator-kind.ts';

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

/** What the ApiIntegration kind's reconciler is built from. */
interface IntegrationParts {
  clock: Clock;
  metrics: RuntimeMetrics;
  population: ApiPopulation;
  gateway: IntegrationGateway;
  namespaces: NamespaceAnnotationPolicy | undefined;
  lambda: LambdaPolicies;
}

export class Operator {
  readonly registry = new Registry();
  readonly identity: string;
  private readonly deps: OperatorDeps;
  private readonly log: Logger;
  private readonly integrations: KindWorkers<ApiIntegration>;
  private readonly routes: KindWorkers<ApiRoute>;
  private readonly stages: KindWorkers<ApiStage>;
  /** Every kind this operator reconciles: each lifecycle step runs over all of them. */
  private readonly kinds: KindController[];
  private readonly probes: ProbeServer;
  private readonly elector: LeaderElector | undefined;
  private readonly clients: SdkClientFactory;
  private readonly sts: StsCallerIdentity;
  private readonly lambda: SdkLambdaPolicies;
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

    const population = new ApiPopulation();
    const buckets = new TokenBuckets({ ratePerSec: cfg.awsRate, burst: cfg.awsBurst, clock });
    const opMetrics = registerOperatorMetrics(this.registry, {
      objects: () => this.integrations.list(),
      routes: () => this.routes.list(),
      stages: () => this.stages.list(),
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
    // Lambda's control plane has its own limits (about 15 requests/s for these calls): a budget of its own, below them.
    this.lambda = new SdkLambdaPolicies({
      endpoint: cfg.lambdaEndpoint ?? cfg.awsEndpoint,
      requestTimeoutMs: cfg.awsRequestTimeoutMs,
      credentialsForRole: assumeRole({ stsEndpoint: cfg.stsEndpoint }),
      ...deps.aws,
      budget: budgetOf(new TokenBuckets({ ratePerSec: 10, burst: 10, clock }), cfg.awsMaxWaitMs),
      observe: opMetrics.observeAwsCall,
      ownAccount: (signal) => this.sts.callerIdentity(signal).then((id) => id.account),
    });
    const lambda = new SharedPolicies(this.lambda, { clock, ttlMs: listings.ttlMs });
    this.integrations = this.integrationKind({ clock, metrics, population, gateway, namespaces, lambda });
    const events = new KubeEventRecorder(deps.kc, deps.logger.child({ controller: ROUTE_CONTROLLER }), {
      clock,
      instance: this.identity,
    });
    this.routes = routeKind({
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
      stages: () => stageViews(this.stages.list(), cfg.region),
      isLeading: () => this.leading,
    });
    this.stages = this.stageKindOf({ clock, metrics, namespaces, calls: sdkGateway.calls });
    this.kinds = [this.integrations, this.routes, this.stages];
    for (const kind of this.kinds) kind.follow(this.kinds);
    this.probes = this.probesFor(clock);
    this.elector = cfg.leaderElect ? this.electorFor(metrics, clock) : undefined;
  }

  /** The ApiStage kind, on the same call machinery (one budget, one write queue per API) and policy. */
  private stageKindOf(parts: {
    clock: Clock;
    metrics: RuntimeMetrics;
    namespaces: NamespaceAnnotationPolicy | undefined;
    calls: ApiGatewayV2Gateway['calls'];
  }): KindWorkers<ApiStage> {
    const { cfg, kc, logger } = this.deps;
    const { clock, namespaces } = parts;
    return stageKind({
      cfg,
      kc,
      clock,
      logger,
      metrics: parts.metrics,
      gateway: new ApiGatewayV2StageGateway(parts.calls),
      events: new KubeEventRecorder(kc, logger.child({ controller: STAGE_CONTROLLER }), {
        clock,
        instance: this.identity,
      }),
      policy: cfg.namespaceRoles && namespaces ? namespaces : noNamespaceRoles,
      tenancy: namespaces ?? unrestricted,
      integrations: () => this.integrations.list(),
      routes: () => this.routes.list(),
      servedSynced: () => this.integrations.synced() && this.routes.synced(),
      isLeading: () => this.leading,
    });
  }

  /** The ApiIntegration kind, counting its objects per API for the listings' population. */
  private integrationKind(parts: IntegrationParts): KindWorkers<ApiIntegration> {
    const { clock, population } = parts;
    const kind: KindWorkers<ApiIntegration> = new KindWorkers<ApiIntegration>({
      ...this.deps,
      clock,
      metrics: parts.metrics,
      name: CONTROLLER,
      plural: PLURAL,
      informerName: (namespace) => namespace ?? 'all-namespaces',
      transform: trimForCache,
      worth: worthReconciling,
      reconciler: (integrations) => {
        const reconciler = this.reconcilerFor(parts, integrations);
        return (key, signal) => reconciler.reconcile(key, signal);
      },
      // A route that targeted an ApiIntegration is gone: its delete may be waiting on that route on a
      // backoff of minutes, so look again as soon as a route listing made before it went is no longer shared.
      watches: [
        {
          source: ROUTE_CONTROLLER,
          delayMs: ROUTE_LISTING_TTL_MS + 100,
          keys: ({ type, cur }: Change<ApiRoute>) => {
            const ref = cur.spec.integrationRef?.name;
            return type === 'delete' && ref ? [`${cur.metadata.namespace}/${ref}`] : [];
          },
        },
        followStages(() => kind.list(), this.deps.cfg.region),
      ],
    });
    kind.onChange(({ type, cur }) =>
      type === 'delete' ? population.remove(objectKey(cur)) : population.set(objectKey(cur), cur),
    );
    return kind;
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
  private reconcilerFor(parts: IntegrationParts, integrations: KindWorkers<ApiIntegration>): ApiIntegrationReconciler {
    const { cfg, kc } = this.deps;
    const { gateway, clock, namespaces } = parts;
    const store: ApiIntegrationStore = new KubeApiIntegrationStore(kc);
    const isLeading = () => this.leading;
    return new ApiIntegrationReconciler({
      get: (key) => integrations.get(key),
      store: new FencedStore(store, isLeading),
      gateway: fencedGateway(gateway, INTEGRATION_GATEWAY_VERBS, isLeading),
      lambda: fencedGateway(parts.lambda, LAMBDA_POLICY_VERBS, isLeading),
      events: new FencedEvents(new KubeEventRecorder(kc, this.log, { clock, instance: this.identity }), isLeading),
      policy: cfg.namespaceRoles && namespaces ? namespaces : noNamespaceRoles,
      tenancy: namespaces ?? unrestricted,
      clock,
      logger: this.log,
      defaultRegion: cfg.region,
      driftIntervalMs: cfg.driftIntervalMs,
      createSettleMs: 2 * cfg.awsRequestTimeoutMs,
      notFoundGraceMs: cfg.notFoundGraceMs,
      ownerExists: (uid) => integrations.list().some((o) => o.metadata.uid === uid),
      lambdaWrites: cfg.manageLambdaPermissions,
      stages: () => stageViews(this.stages.list(), cfg.region),
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
    probes.addHealthzCheck('watch', () => this.kinds.every((k) => k.watching(clock.now(), 15 * 60_000)));
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
    return this.integrations.get(key);
  }

  isLeader(): boolean {
    return this.leading;
  }

  isReady(): boolean {
    return this.kinds.every((k) => k.synced());
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
    for (const kind of this.kinds) {
      await kind.detect(this.stopCtl.signal);
      kind.startInformers(this.stopCtl.signal);
    }
    const routes = this.routes.isServed();
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
    for (const kind of this.kinds) kind.startWorkers();
  }

  private lostLease(): void {
    // Another replica may already be writing: stop at once, abort in-flight calls, and exit non-zero.
    this.leading = false;
    this.log.error({ identity: this.identity }, 'leader election lost; stopping');
    this.exitCode = 1;
    // Not awaited: `done`, which shutdownRest resolves, is what main waits on; controller.stop never rejects.
    void Promise.all(this.kinds.map((k) => k.stopWorkers(0))).finally(() => this.shutdownRest());
  }

  /** Graceful stop: no new work, in-flight reconciles get the shutdown timeout, the lease is released. */
  async stop(): Promise<number> {
    const { cfg } = this.deps;
    this.log.info({ timeoutMs: cfg.shutdownTimeoutMs }, 'shutting down');
    await Promise.all(this.kinds.map((k) => k.stopWorkers(cfg.shutdownTimeoutMs)));
    this.leading = false;
    if (this.elector) await this.elector.release();
    await this.shutdownRest();
    return this.exitCode;
  }

  private async shutdownRest(): Promise<void> {
    if (this.stopCtl.signal.aborted) return;
    this.stopCtl.abort();
    await Promise.all(this.kinds.map((k) => k.stopInformers()));
    await this.probes.close();
    this.clients.destroy();
    this.lambda.destroy();
    this.sts.destroy();
    this.resolveDone(this.exitCode);
  }
}
