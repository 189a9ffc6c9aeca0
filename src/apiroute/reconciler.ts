// The ApiRoute reconciler: a thin shell around decideRoute, in the ApiIntegration reconciler's
// shape. One pass loads the object, validates it (before any AWS write), gathers the referenced
// ApiIntegration and the other ApiRoutes' claims from the caches, reads AWS as decide asks, carries
// out the plan's action (execute.ts), and writes status only when it changed. A write whose plan
// says `soon` means the next step is due now: the pass decides again on the changed object.
import type { Logger } from 'pino';
import type { ApiRoute } from '../api/v1alpha1/route-types.ts';
import type { AllowedApis } from '../api/v1alpha1/tenancy.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import type { ApiTenancy, NamespacePolicy } from '../kind/ports.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Result } from '../runtime/controller.ts';
import { runSteps, type StepOutcome as Steps } from '../runtime/steps.ts';
import type { DesiredRoute, RoutePlan } from './decide.ts';
import { executeRouteStep, type ReportedRoute, type RouteStepContext, type RouteStepResult } from './execute.ts';
import { FailureRetries } from '../kind/failure.ts';
import { routeFailureResponse } from './failure.ts';
import {
  claimsFor,
  decideRouteWithReads,
  desiredRouteState,
  pendingRouteRequest,
  type RouteReadContext,
} from './observe.ts';
import type { ApiRouteStore, RouteEventRecorder, RouteGateway, ShardLookup } from './ports.ts';
import type { RouteClaim } from './recorded.ts';
import type { Place } from '../kind/record.ts';
import { routeRequeueAfter } from './requeue.ts';
import { requeueTimingOf, type RequeueTiming } from '../kind/requeue.ts';
import { nextRouteStatus, statusChanged, type RouteStatusInput } from './status.ts';

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

interface Pass {
  key: string;
  log: Logger;
  signal: AbortSignal;
  /** A create in this pass was refused for its key: the next step lists to say whose it is. */
  keyRefused?: true;
}

type StepOutcome = Steps<ApiRoute>;

export class ApiRouteReconciler {
  private readonly d: RouteReconcilerDeps;
  private readonly timing: RequeueTiming;
  private readonly retries: FailureRetries;

  constructor(deps: RouteReconcilerDeps) {
    this.d = deps;
    this.timing = requeueTimingOf(deps);
    this.retries = new FailureRetries({ rejectedRetryMs: deps.rejectedRetryMs, random: this.timing.random });
  }

  async reconcile(key: string, signal: AbortSignal): Promise<Result> {
    const obj = this.d.get(key);
    if (!obj) return {};
    const { namespace, name, generation } = obj.metadata;
    const pass: Pass = { key, signal, log: this.d.logger.child({ kind: 'ApiRoute', namespace, name, generation }) };
    return runSteps(
      obj,
      (o) => this.step(pass, o),
      (o, err) => this.handleError(pass, o, err),
    );
  }

  /** Decides and carries out one step: either the pass goes on with the changed object, or it ends. */
  private async step(pass: Pass, obj: ApiRoute): Promise<StepOutcome> {
    const roleArn = await this.d.policy.roleFor(obj.metadata.namespace, obj.spec.roleArn);
    const allowedApis = await this.d.tenancy?.allowedApis(obj.metadata.namespace);
    const reads = this.readContext(pass, roleArn, allowedApis);
    const { desired, invalid } = await desiredRouteState(reads, obj);
    const claims = claimsFor(reads, obj, desired);
    const observation = pass.keyRefused ? { keyRefused: pass.keyRefused } : {};
    const { notFoundGraceMs, createSettleMs } = this.d;
    const now = this.d.clock.now();
    const input = { obj, invalid, desired, observation, claims, allowedApis, now, createSettleMs, notFoundGraceMs };
    const plan = await decideRouteWithReads(reads, input);
    const done = await executeRouteStep(this.stepContext(pass, roleArn), obj, plan);
    const next = done.obj ?? obj;
    const acted = plan.action.type !== 'None';
    if (done.again) pass.keyRefused = true;
    if (done.again || (acted && plan.requeue === 'soon')) return { next };
    return { result: await this.finish(pass, next, plan, { ...done, desired }) };
  }

  /** Reports the plan's outcome and says when to come back. */
  private async finish(
    pass: Pass,
    obj: ApiRoute,
    plan: RoutePlan,
    from: RouteStepResult & { desired?: DesiredRoute },
  ): Promise<Result> {
    if (plan.outcome && !obj.metadata.deletionTimestamp)
      await this.report(pass, obj, plan, { reported: from.reported, protocol: from.desired?.protocol });
    this.retries.succeeded(pass.key);
    const place = from.reported?.location ?? plan.report?.location ?? from.desired?.location;
    return routeRequeueAfter(plan.requeue, this.d.clock.now(), this.timing, place);
  }

  private readContext(pass: Pass, roleArn: string | undefined, allowedApis?: AllowedApis): RouteReadContext {
    const { gateway, defaultRegion, shard } = this.d;
    const integration = (key: string) => this.d.integration(key);
    const claimsAt = (place: Place) => this.d.claimsAt(place);
    return { gateway, defaultRegion, roleArn, signal: pass.signal, integration, claimsAt, allowedApis, shard };
  }

  private stepContext(pass: Pass, roleArn: string | undefined): RouteStepContext {
    const { store, gateway, events, clock } = this.d;
    return { store, gateway, events, clock, log: pass.log, signal: pass.signal, roleArn };
  }

  /** Writes the status the plan leads to; its notice goes out only when that status is new. */
  private async report(
    pass: Pass,
    obj: ApiRoute,
    plan: RoutePlan,
    from: { reported?: ReportedRoute; protocol?: RouteStatusInput['protocol'] },
  ): Promise<void> {
    const r = from.reported ?? plan.report;
    const changed = await this.writeStatus(obj, { outcome: plan.outcome!, ...r, protocol: from.protocol }, pass.signal);
    if (changed && plan.notice) this.d.events.record(obj, plan.notice.type, plan.notice.reason, plan.notice.message);
  }

  /** Writes status when it changed; says whether it did. */
  private async writeStatus(
    obj: ApiRoute,
    input: Omit<RouteStatusInput, 'handledRequest'>,
    signal: AbortSignal,
  ): Promise<boolean> {
    const handled = { ...input, handledRequest: pendingRouteRequest(obj) };
    const status = nextRouteStatus(obj, handled, new Date(this.d.clock.now()));
    if (!statusChanged(obj.status, status)) return false;
    await this.d.store.patchStatus(obj, status, signal);
    return true;
  }

  private async handleError(pass: Pass, obj: ApiRoute, err: unknown): Promise<Result> {
    const f = routeFailureResponse(err, obj);
    pass.log[f.log.level](f.log.fields, f.log.message);
    if (f.event) this.d.events.record(obj, f.event.type, f.event.reason, f.event.message);
    if (f.status) {
      const written = this.writeStatus(obj, { outcome: f.status.outcome }, pass.signal);
      await (f.status.bestEffort ? written.catch(() => false) : written);
    }
    return this.retries.resultOf(f.retry, pass.key, err);
  }
}
