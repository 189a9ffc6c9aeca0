// The reconciler: a thin shell around `decide`. One pass loads the object, validates it, reads
// AWS, decides, carries out the plan's action (execute.ts), and writes status only when it changed.
// The plan says whether the pass decides again, which event to record and when to come back; this
// shell only keeps the state that outlives a pass (how long a delete has been blocked, how many
// concurrent-modification refusals in a row) and turns named waits into delays.
import type { Logger } from 'pino';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Result } from '../runtime/controller.ts';
import { runSteps, type StepOutcome as Steps } from '../runtime/steps.ts';
import { executeStep, type ReportedIntegration, type StepContext } from './execute.ts';
import { failureResponse, type IntegrationFailureResponse } from './failure.ts';
import { FailureRetries } from '../kind/failure.ts';
import { inUseReport, inUseRetryMs, type Blocked } from './in-use.ts';
import { decideWithReads, desiredState, pendingRequest } from './observe.ts';
import type { Plan } from './plan.ts';
import type { ApiIntegrationStore, EventRecorder, IntegrationGateway, IntegrationTenancy } from './ports.ts';
import type { NamespacePolicy } from '../kind/ports.ts';
import { requeueAfter } from './requeue.ts';
import { requeueTimingOf, type RequeueTiming } from '../kind/requeue.ts';
import { nextStatus, statusChanged, type StatusInput } from './status.ts';

export type ReconcileResult = Result;

export interface ReconcilerDeps {
  get(key: string): ApiIntegration | undefined;
  store: ApiIntegrationStore;
  gateway: IntegrationGateway;
  events: EventRecorder;
  policy: NamespacePolicy;
  /** Which APIs each namespace may touch, and which roles its integrations may pass; absent: any. */
  tenancy?: IntegrationTenancy;
  clock: Clock;
  logger: Logger;
  defaultRegion: string;
  driftIntervalMs: number;
  /** Requeue delay while waiting on something outside the operator (an API being created). */
  waitIntervalMs?: number;
  /** Requeue delay after AWS refused a request (IAM fixes do not bump generation). */
  rejectedRetryMs?: number;
  /** How long a create that timed out may still land in AWS (twice the AWS request timeout). */
  createSettleMs?: number;
  /** How long a missing API is waited for before the object is Stalled (--not-found-grace). */
  notFoundGraceMs?: number;
  /** Whether an ApiIntegration with this uid exists (adoption of an orphan's integration). */
  ownerExists?: (uid: string) => boolean;
  /** Jitter source; injected so tests are repeatable. */
  random?: () => number;
}

/** One pass over one key. */
interface Pass {
  key: string;
  log: Logger;
  signal: AbortSignal;
}

type StepOutcome = Steps<ApiIntegration>;

export class ApiIntegrationReconciler {
  private readonly d: ReconcilerDeps;
  private readonly timing: RequeueTiming;
  /** key|integrationId → when its delete was first found blocked by routes (for the growing backoff). */
  private readonly blockedSince = new Map<string, number>();
  private readonly retries: FailureRetries;

  constructor(deps: ReconcilerDeps) {
    this.d = deps;
    this.timing = requeueTimingOf(deps);
    this.retries = new FailureRetries({ rejectedRetryMs: deps.rejectedRetryMs, random: this.timing.random });
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const obj = this.d.get(key);
    if (!obj) return {};
    const { namespace, name, generation } = obj.metadata;
    const pass: Pass = { key, signal, log: this.d.logger.child({ namespace, name, generation }) };
    return runSteps(
      obj,
      (o) => this.step(pass, o),
      (o, err) => this.handleError(pass, o, err),
    );
  }

  /** Decides and carries out one step: either the pass goes on with the changed object, or it ends. */
  private async step(pass: Pass, obj: ApiIntegration): Promise<StepOutcome> {
    const roleArn = await this.d.policy.roleFor(obj.metadata.namespace, obj.spec.roleArn);
    const allowedApis = await this.d.tenancy?.allowedApis(obj.metadata.namespace);
    const allowedCredentials = await this.d.tenancy?.allowedCredentials(obj.metadata.namespace);
    const { gateway, defaultRegion, ownerExists, createSettleMs, notFoundGraceMs } = this.d;
    const tenancy = { allowedApis, allowedCredentials };
    const reads = { gateway, defaultRegion, ownerExists, signal: pass.signal, roleArn, ...tenancy };
    const { desired, invalid } = await desiredState(reads, obj);
    const now = this.d.clock.now();
    const input = { obj, invalid, desired, observation: {}, now, createSettleMs, notFoundGraceMs, ...tenancy };
    const plan = await decideWithReads(reads, input);
    const done = await executeStep(this.stepContext(pass, roleArn), obj, plan);
    if (done.blocked) return { result: await this.reportBlocked(pass, obj, done.blocked) };
    if (plan.action.type === 'Delete') this.blockedSince.delete(`${pass.key}|${plan.action.integrationId}`);
    const next = done.obj ?? obj;
    if (plan.continues) return { next };
    if (plan.outcome && !next.metadata.deletionTimestamp)
      await this.report(pass, next, plan, { reported: done.reported, protocol: desired?.protocol });
    this.retries.succeeded(pass.key);
    return { result: requeueAfter(plan.requeue, this.d.clock.now(), this.timing) };
  }

  private stepContext(pass: Pass, roleArn: string | undefined): StepContext {
    const { store, gateway, events, clock } = this.d;
    return { store, gateway, events, clock, log: pass.log, signal: pass.signal, roleArn };
  }

  /** Writes the status the plan leads to; its notice goes out only when that status is new. */
  private async report(
    pass: Pass,
    obj: ApiIntegration,
    plan: Plan,
    from: { reported?: ReportedIntegration; protocol?: StatusInput['protocol'] },
  ): Promise<void> {
    const r = from.reported ?? plan.report;
    const input = { outcome: plan.outcome!, ...r, protocol: from.protocol };
    const changed = await this.writeStatus(obj, input, pass.signal);
    if (changed && plan.notice) this.d.events.record(obj, plan.notice.type, plan.notice.reason, plan.notice.message);
  }

  /** Says which routes block a delete (an event only when that changes) and looks again later. */
  private async reportBlocked(pass: Pass, obj: ApiIntegration, b: Blocked): Promise<ReconcileResult> {
    const now = this.d.clock.now();
    const since = this.blockedSince.get(`${pass.key}|${b.integrationId}`) ?? now;
    this.blockedSince.set(`${pass.key}|${b.integrationId}`, since);
    const { outcome, notice } = inUseReport(b);
    if (await this.writeStatus(obj, { outcome }, pass.signal)) {
      this.d.events.record(obj, notice.type, notice.reason, notice.message);
      const routes = b.routes.map((r) => r.routeId);
      pass.log.warn({ integrationId: b.integrationId, routes }, 'delete blocked by routes');
    }
    return { requeueAfterMs: inUseRetryMs(now - since) };
  }

  /** Writes status when it changed; says whether it did. */
  private async writeStatus(
    obj: ApiIntegration,
    input: Omit<StatusInput, 'handledRequest'>,
    signal: AbortSignal,
  ): Promise<boolean> {
    const status = nextStatus(obj, { ...input, handledRequest: pendingRequest(obj) }, new Date(this.d.clock.now()));
    if (!statusChanged(obj.status, status)) return false;
    await this.d.store.patchStatus(obj, status, signal);
    return true;
  }

  private async handleError(pass: Pass, obj: ApiIntegration, err: unknown): Promise<ReconcileResult> {
    const f: IntegrationFailureResponse = failureResponse(err, obj);
    pass.log[f.log.level](f.log.fields, f.log.message);
    if (f.event) this.d.events.record(obj, f.event.type, f.event.reason, f.event.message);
    if (f.status) {
      const written = this.writeStatus(obj, { outcome: f.status.outcome }, pass.signal);
      await (f.status.bestEffort ? written.catch(() => false) : written);
    }
    return this.retries.resultOf(f.retry, pass.key, err);
  }
}
