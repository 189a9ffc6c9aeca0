// The one reconciler shell every kind runs on, in controller-runtime's shape: one pass loads the
// object, asks the kind for its plan, has the kind carry out the plan's action, and writes status
// only when it changed. The shell decides nothing: the plan says whether the pass decides again,
// which event to record and when to come back. What it keeps is what outlives a pass: how long a
// key has been blocked, and how many refusals in a row it has met.
//
// A kind plugs in through `KindSeam`: its decision (desired state, reads, decide), its executor,
// its status and its failure names. Adding a kind means writing those, not another shell.
import type { Logger } from 'pino';
import type { Outcome } from '../api/v1alpha1/conditions.ts';
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Result } from '../runtime/controller.ts';
import { runSteps, type StepOutcome } from '../runtime/steps.ts';
import { FailureRetries, type FailureResponse } from './failure.ts';
import type { KindPlan, Notice } from './plan.ts';
import type { ObjectEvents, ObjectStore } from './ports.ts';
import { pendingRequest, type Place } from './record.ts';
import { requeueAfter, requeueTimingOf, type RequeueTiming } from './requeue.ts';

/** What the shell needs of every kind's object. */
export interface KindObject {
  metadata: {
    namespace: string;
    name: string;
    generation: number;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  status?: { lastHandledReconcileAt?: string };
}

// Any kind's plan, as far as the shell reads it.
type AnyPlan = KindPlan<{ type: string }, string, string, { location?: Place } | undefined, unknown>;

/** One pass over one key. `learned`: what an action in this pass found out, for the next decision. */
export interface Pass<Learned> {
  key: string;
  log: Logger;
  signal: AbortSignal;
  learned: Partial<Learned>;
}

/** A kind's plan for one step, with what the shell reports it against. */
export interface Decision<P> {
  plan: P;
  /** The API's protocol, for status; undefined when the API does not exist or was not read. */
  protocol?: Protocol;
  /** The role the namespace policy chose for this object, for the executor's calls. */
  roleArn?: string;
}

/** What carrying out an action did. */
export interface StepDone<T, Reported, Learned> {
  /** The object after the step's writes (absent when it did not change). */
  obj?: T;
  /** What AWS answered, for status; wins over the plan's report. */
  reported?: Reported;
  /** The action found something decide must know (a key AWS refused): decide again in this pass. */
  learned?: Partial<Learned>;
  /** The object was let go (its finalizer removed): nothing more is written to it. */
  released?: true;
}

/** What a kind's status is made from. */
export interface StatusInput<Reason extends string, Reported> {
  outcome: Outcome<Reason>;
  reported?: Reported;
  protocol?: Protocol;
  /** A reconcile request (annotation value) this pass has acted on. */
  handledRequest?: string;
}

type PlanParts<P> =
  P extends KindPlan<infer _A, infer R, infer E, infer Rep, infer _N> ? { reason: R; event: E; reported: Rep } : never;

/** The per-kind seam: everything the shell does not know about a kind. */
export interface KindSeam<T extends KindObject, S, P extends AnyPlan, Learned> {
  /** The kind's name, for logs. */
  readonly kind: string;
  readonly store: ObjectStore<T, S>;
  readonly events: ObjectEvents<T, PlanParts<P>['event'] | 'AwsRejected'>;
  decide(pass: Pass<Learned>, obj: T): Promise<Decision<P>>;
  execute(pass: Pass<Learned>, obj: T, d: Decision<P>): Promise<StepDone<T, PlanParts<P>['reported'], Learned>>;
  status(obj: T, input: StatusInput<PlanParts<P>['reason'], PlanParts<P>['reported']>, now: Date): S;
  statusChanged(prev: T['status'], next: S): boolean;
  failure(err: unknown, obj: T): FailureResponse<PlanParts<P>['reason'], PlanParts<P>['event']>;
}

export interface ShellSettings {
  get(key: string): unknown;
  clock: Clock;
  logger: Logger;
  driftIntervalMs: number;
  /** Requeue delay while waiting on something outside the object. */
  waitIntervalMs?: number;
  /** Requeue delay after AWS refused a request (IAM fixes do not bump generation). */
  rejectedRetryMs?: number;
  /** Jitter source; injected so tests are repeatable. */
  random?: () => number;
}

export class KindReconciler<T extends KindObject, S, P extends AnyPlan, Learned> {
  private readonly timing: RequeueTiming;
  private readonly retries: FailureRetries;
  /** key → what has been blocked since when (for the growing backoff of a `blocked` requeue). */
  private readonly blockedSince = new Map<string, { what: string; since: number }>();

  private readonly seam: KindSeam<T, S, P, Learned>;
  private readonly s: ShellSettings;

  constructor(seam: KindSeam<T, S, P, Learned>, settings: ShellSettings) {
    this.seam = seam;
    this.s = settings;
    this.timing = requeueTimingOf(settings);
    this.retries = new FailureRetries({ rejectedRetryMs: settings.rejectedRetryMs, random: this.timing.random });
  }

  async reconcile(key: string, signal: AbortSignal): Promise<Result> {
    const obj = this.s.get(key) as T | undefined;
    if (!obj) return {};
    const { namespace, name, generation } = obj.metadata;
    const log = this.s.logger.child({ kind: this.seam.kind, namespace, name, generation });
    const pass: Pass<Learned> = { key, signal, log, learned: {} };
    return runSteps(
      obj,
      (o) => this.step(pass, o),
      (o, err) => this.handleError(pass, o, err),
    );
  }

  /** Decides and carries out one step: either the pass goes on with the changed object, or it ends. */
  private async step(pass: Pass<Learned>, obj: T): Promise<StepOutcome<T>> {
    const decision = await this.seam.decide(pass, obj);
    const { plan } = decision;
    const done = await this.seam.execute(pass, obj, decision);
    const next = done.obj ?? obj;
    if (done.learned) {
      pass.learned = { ...pass.learned, ...done.learned };
      return { next };
    }
    if (plan.continues) return { next };
    const reported = done.reported ?? plan.report;
    if (plan.outcome && !done.released) await this.report(pass, next, plan, { reported, protocol: decision.protocol });
    this.retries.succeeded(pass.key);
    const place = reported?.location;
    return {
      result: requeueAfter(plan.requeue, this.timing, { now: this.s.clock.now(), place, ...this.blocked(pass, plan) }),
    };
  }

  /** For a `blocked` requeue, how long this key has been blocked on the same thing; else forgets it. */
  private blocked(pass: Pass<Learned>, plan: AnyPlan): { blockedForMs?: number } {
    if (plan.requeue.kind !== 'blocked') {
      this.blockedSince.delete(pass.key);
      return {};
    }
    const now = this.s.clock.now();
    const was = this.blockedSince.get(pass.key);
    const since = was?.what === plan.requeue.what ? was.since : now;
    this.blockedSince.set(pass.key, { what: plan.requeue.what, since });
    return { blockedForMs: now - since };
  }

  /** Writes the status the plan leads to; its notice goes out only when that status is new. */
  private async report(
    pass: Pass<Learned>,
    obj: T,
    plan: AnyPlan,
    from: { reported?: PlanParts<P>['reported']; protocol?: Protocol },
  ): Promise<void> {
    const changed = await this.writeStatus(obj, { outcome: plan.outcome!, ...from }, pass.signal);
    if (changed && plan.notice) this.notify(pass, obj, plan.notice as Notice<PlanParts<P>['event']>);
  }

  private notify(pass: Pass<Learned>, obj: T, n: Notice<PlanParts<P>['event']>): void {
    this.seam.events.record(obj, n.type, n.reason, n.message);
    if (n.type === 'Warning') pass.log.warn({ reason: n.reason }, n.message);
  }

  /** Writes status when it changed; says whether it did. */
  private async writeStatus(
    obj: T,
    input: StatusInput<PlanParts<P>['reason'], PlanParts<P>['reported']>,
    signal: AbortSignal,
  ): Promise<boolean> {
    const handled = { ...input, handledRequest: pendingRequest(obj) };
    const status = this.seam.status(obj, handled, new Date(this.s.clock.now()));
    if (!this.seam.statusChanged(obj.status, status)) return false;
    await this.seam.store.patchStatus(obj, status, signal);
    return true;
  }

  private async handleError(pass: Pass<Learned>, obj: T, err: unknown): Promise<Result> {
    const f = this.seam.failure(err, obj);
    pass.log[f.log.level](f.log.fields, f.log.message);
    if (f.event) this.seam.events.record(obj, f.event.type, f.event.reason, f.event.message);
    if (f.status) {
      const written = this.writeStatus(obj, { outcome: f.status.outcome }, pass.signal);
      await (f.status.bestEffort ? written.catch(() => false) : written);
    }
    return this.retries.resultOf(f.retry, pass.key, err);
  }
}
