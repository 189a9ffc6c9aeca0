// The ApiRoute kind on the generic shell (src/kind/reconciler.ts): its seam gathers what decide
// needs (the namespace's role and tenancy, the desired state with the referenced ApiIntegration,
// the other ApiRoutes' claims, the reads decide asks for), carries the plan's action out
// (execute.ts), and words its status and failures. A key AWS refused in this pass is learned, and
// the next decision lists to say whose it is.
import type { Logger } from 'pino';
import type { ApiRoute, ApiRouteStatusT } from '../api/v1alpha1/route-types.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import type { ApiTenancy, NamespacePolicy } from '../kind/ports.ts';
import type { Place } from '../kind/record.ts';
import { KindReconciler, type Decision, type KindSeam, type Pass, type StatusInput } from '../kind/reconciler.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Result } from '../runtime/controller.ts';
import { executeRouteStep, type RouteLearned } from './execute.ts';
import { routeFailureResponse } from './failure.ts';
import { claimsFor, decideRouteWithReads, desiredRouteState, type RouteReadContext } from './observe.ts';
import type { ReportedRoute, RoutePlan } from './plan.ts';
import type { ApiRouteStore, RouteEventRecorder, RouteGateway, ShardLookup } from './ports.ts';
import type { RouteConditionReason } from './reasons.ts';
import type { RouteClaim } from './recorded.ts';
import { nextRouteStatus, statusChanged } from './status.ts';

export interface RouteReconcilerDeps {
  get(key: string): ApiRoute | undefined;
  /** An ApiIntegration from its informer cache, by `namespace/name`. */
  integration(key: string): ApiIntegration | undefined;
  /** The routes ApiRoutes record at a place, from an index over the ApiRoute cache (setup.ts). */
  claimsAt(place: Place): readonly RouteClaim[];
  store: ApiRouteStore;
  gateway: RouteGateway;
  events: RouteEventRecorder;
  policy: NamespacePolicy;
  /** Which APIs each namespace may touch (shared with ApiIntegration); absent: any. */
  tenancy?: ApiTenancy;
  clock: Clock;
  logger: Logger;
  defaultRegion: string;
  driftIntervalMs: number;
  /** Requeue delay while waiting on something outside the object (the API, the ApiIntegration). */
  waitIntervalMs?: number;
  /** Requeue delay after AWS refused a request (IAM fixes do not bump generation). */
  rejectedRetryMs?: number;
  /** How long a missing API or ApiIntegration is waited for before the object is Stalled (--not-found-grace). */
  notFoundGraceMs?: number;
  /** With --label-selector: whether an ApiIntegration the cache lacks exists outside the selector. */
  shard?: ShardLookup;
  /** Jitter source; injected so tests are repeatable. */
  random?: () => number;
  /** How long a route recorded moments ago may still read as absent before it is created again. */
  createSettleMs?: number;
}

class RouteSeam implements KindSeam<ApiRoute, ApiRouteStatusT, RoutePlan, RouteLearned> {
  readonly kind = 'ApiRoute';
  readonly store: ApiRouteStore;
  readonly events: RouteEventRecorder;
  private readonly d: RouteReconcilerDeps;

  constructor(d: RouteReconcilerDeps) {
    this.d = d;
    this.store = d.store;
    this.events = d.events;
  }

  async decide(pass: Pass<RouteLearned>, obj: ApiRoute): Promise<Decision<RoutePlan>> {
    const roleArn = await this.d.policy.roleFor(obj.metadata.namespace, obj.spec.roleArn);
    const allowedApis = await this.d.tenancy?.allowedApis(obj.metadata.namespace);
    const { gateway, defaultRegion, shard, notFoundGraceMs, createSettleMs } = this.d;
    const reads: RouteReadContext = {
      gateway,
      defaultRegion,
      roleArn,
      signal: pass.signal,
      integration: (key) => this.d.integration(key),
      claimsAt: (place) => this.d.claimsAt(place),
      allowedApis,
      shard,
    };
    const { desired, invalid } = await desiredRouteState(reads, obj);
    const claims = claimsFor(reads, obj, desired);
    const observation = { ...pass.learned };
    const now = this.d.clock.now();
    const input = { obj, invalid, desired, observation, claims, allowedApis, now, createSettleMs, notFoundGraceMs };
    const plan = await decideRouteWithReads(reads, input);
    return { plan, protocol: desired?.protocol, roleArn };
  }

  execute(pass: Pass<RouteLearned>, obj: ApiRoute, d: Decision<RoutePlan>) {
    const { store, gateway, events, clock } = this.d;
    const ctx = { store, gateway, events, clock, log: pass.log, signal: pass.signal, roleArn: d.roleArn };
    return executeRouteStep(ctx, obj, d.plan);
  }

  status(obj: ApiRoute, input: StatusInput<RouteConditionReason, ReportedRoute>, now: Date) {
    const { reported, ...rest } = input;
    return nextRouteStatus(obj, { ...rest, ...reported }, now);
  }

  statusChanged = statusChanged;

  failure = routeFailureResponse;
}

/** The ApiRoute reconciler: the generic shell over this kind's seam. */
export class ApiRouteReconciler {
  private readonly shell: KindReconciler<ApiRoute, ApiRouteStatusT, RoutePlan, RouteLearned>;

  constructor(deps: RouteReconcilerDeps) {
    this.shell = new KindReconciler<ApiRoute, ApiRouteStatusT, RoutePlan, RouteLearned>(new RouteSeam(deps), deps);
  }

  reconcile(key: string, signal: AbortSignal): Promise<Result> {
    return this.shell.reconcile(key, signal);
  }
}
