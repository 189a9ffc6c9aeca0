// The one reconciler shell every kind runs on, in controller-runtime's shape: one pass loads the
// object, asks the kind for its plan, has the kind carry out the plan's action, and writes status
// only when it changed. The shell decides nothing: the plan says whether the pass decides again,
// which event to record and when to come back. What it keeps is what outlives a pass: how long a
// key has been blocked, and how many refusals in a row it has met.
//
// A kind plugs in through `KindSeam`: how it decides (desired state, reads, decide), how it carries
// out its own actions, how it words its status and its failures, and, for the kinds a stage serves,
// which object Live is about. Adding a kind means writing those, not another shell.
import type { Logger } from 'pino';
import { statusChanged, type Liveness, type Outcome } from '../api/v1alpha1/conditions.ts';
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Result } from '../runtime/controller.ts';
import { runSteps, type StepOutcome } from '../runtime/steps.ts';
import type { StepContext } from './execute.ts';
import { FailureRetries, type FailureResponse } from './failure.ts';
import { liveOf, type StageView } from './live.ts';
import type { KindPlan, Notice } from './plan.ts';
import type { ApiTenancy, NamespacePolicy, ObjectEvents, ObjectStore } from './ports.ts';
import { pendingRequest, type Place } from './record.ts';
import { requeueAfter, requeueTimingOf, type RequeueTiming } from './requeue.ts';

/** What the shell needs of every kind's object. */
export interface KindObject {
  metadata: {
    namespace: string;
    name: string;
    generation: number;
    resourceVersion: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
    finalizers?: string[];
  };
  status?: { lastHandledReconcileAt?: string };
}

// Any kind's plan, as far as the shell reads it.
type AnyPlan = KindPlan<{ type: string }, string, string, { location?: Place } | undefined, unknown>;

type PlanParts<P> =
  P extends KindPlan<infer _A, infer R, infer E, infer Rep, infer _N> ? { reason: R; event: E; reported: Rep } : never;
type ReasonOf<P> = PlanParts<P>['reason'];
type EventOf<P> = PlanParts<P>['event'];
type ReportOf<P> = NonNullable<PlanParts<P>['reported']>;

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

/**
 * What a kind's status is made from: the outcome and the shell's facts, with the report (what the
 * action answered, or the plan's own) spread in, so a kind's status function takes it as it is.
 */
export type StatusInput<Reason extends string, Report> = Partial<Report> & {
  outcome: Outcome<Reason>;
  protocol?: Protocol;
  /** A reconcile request (annotation value) this pass has acted on. */
  handledRequest?: string;
  /** Whether callers are served the object, for the kinds a stage serves. */
  live?: Liveness;
};

/** The executor's context: the shared parts, and the kind's gateway. */
export type ExecuteContext<T, E extends string, G> = StepContext<T, E> & { gateway: G };

/** The per-kind seam: everything the shell does not know about a kind. */
export interface KindSeam<T extends KindObject, S, P extends AnyPlan, Learned, G> {
  /** The kind's name, for logs. */
  readonly kind: string;
  decide(pass: Pass<Learned>, obj: T): Promise<Decision<P>>;
  execute(ctx: ExecuteContext<T, EventOf<P>, G>, obj: T, plan: P): Promise<StepDone<T, ReportOf<P>, Learned>>;
  status(obj: T, input: StatusInput<ReasonOf<P>, ReportOf<P>>, now: Date): S;
  failure(err: unknown, obj: T): FailureResponse<ReasonOf<P>, EventOf<P>>;
  /** For the kinds a stage serves: the API the object is recorded on, for its Live condition. */
  recordedPlace?(obj: T): Place | undefined;
  /**
   * For the kinds a stage serves: what keeps callers from being served whatever the stages deploy
   * (a Lambda function API Gateway may not invoke); it outranks the stages on Live.
   */
  liveBlocker?(obj: T, reported: ReportOf<P> | undefined): Liveness | undefined;
}

/** What every kind's reconciler is given: the shell's parts and the settings every kind's decide reads. */
export interface KindDeps<T, S, E extends string, G> extends ShellDeps<T, S, E, G> {
  policy: NamespacePolicy;
  /** Which APIs each namespace may touch; absent: any. */
  tenancy?: ApiTenancy;
  defaultRegion: string;
  /** How long after a create (or a recorded id) the resource may still be absent from AWS's answers. */
  createSettleMs?: number;
  /** How long a missing API is waited for before the object is Stalled (--not-found-grace). */
  notFoundGraceMs?: number;
}

export interface ShellDeps<T, S, E extends string, G> {
  get(key: string): T | undefined;
  store: ObjectStore<T, S>;
  events: ObjectEvents<T, E | 'AwsRejected'>;
  gateway: G;
  clock: Clock;
  logger: Logger;
  driftIntervalMs: number;
  /** Requeue delay while waiting on something outside the object. */
  waitIntervalMs?: number;
  /** Requeue delay after AWS refused a request (IAM fixes do not bump generation). */
  rejectedRetryMs?: number;
  /** Jitter source; injected so tests are repeatable. */
  random?: () => number;
  /** The ApiStages, for the Live condition of the kinds a stage serves; absent: no Live condition. */
  stages?: () => readonly StageView[];
}

export class KindReconciler<T extends KindObject, S, P extends AnyPlan, Learned, G> {
  private readonly timing: RequeueTiming;
  private readonly retries: FailureRetries;
  /** key → what has been blocked since when (for the growing backoff of a `blocked` requeue). */
  private readonly blockedSince = new Map<string, { what: string; since: number }>();
  /**
   * key → resourceVersion of the object whose finalizer this replica removed. Until the watch delivers
   * the change, the cache still holds that version; a pass on it would repeat the last step (a
   * retained integration's marker strip) for an object that is already let go.
   */
  private readonly letGo = new Map<string, Set<string>>();
  /** key → resourceVersion the pass under way started from (an earlier step may have written since). */
  private readonly passFrom = new Map<string, string>();
  private readonly seam: KindSeam<T, S, P, Learned, G>;
  private readonly d: ShellDeps<T, S, EventOf<P>, G>;

  constructor(seam: KindSeam<T, S, P, Learned, G>, deps: ShellDeps<T, S, EventOf<P>, G>) {
    this.seam = seam;
    this.d = deps;
    this.timing = requeueTimingOf(deps);
    this.retries = new FailureRetries({ rejectedRetryMs: deps.rejectedRetryMs, random: this.timing.random });
  }

  async reconcile(key: string, signal: AbortSignal): Promise<Result> {
    const obj = this.d.get(key);
    if (!obj) {
      this.blockedSince.delete(key);
      this.letGo.delete(key);
      this.passFrom.delete(key);
      return {};
    }
    if (this.letGo.get(key)?.has(obj.metadata.resourceVersion)) return {};
    this.passFrom.set(key, obj.metadata.resourceVersion);
    const { namespace, name, generation } = obj.metadata;
    const log = this.d.logger.child({ kind: this.seam.kind, namespace, name, generation });
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
    const { store, events, gateway, clock } = this.d;
    const ctx = { store, events, gateway, clock, log: pass.log, signal: pass.signal, roleArn: decision.roleArn };
    const done = await this.seam.execute(ctx, obj, plan);
    // Both the version the pass started from and the one let go may still be in the cache.
    if (done.released)
      this.letGo.set(pass.key, new Set([this.passFrom.get(pass.key) ?? '', obj.metadata.resourceVersion]));
    const next = done.obj ?? obj;
    if (done.learned) {
      pass.learned = mergeLearned(pass.learned, done.learned);
      return { next };
    }
    if (plan.continues) return { next };
    const reported = (done.reported ?? plan.report) as ReportOf<P> | undefined;
    if (plan.outcome && !done.released) await this.report(pass, next, plan, { reported, protocol: decision.protocol });
    this.retries.succeeded(pass.key);
    const place = reported?.location;
    const now = clock.now();
    return { result: requeueAfter(plan.requeue, this.timing, { now, place, ...this.blocked(pass, plan) }) };
  }

  /** For a `blocked` requeue, how long this key has been blocked on the same thing; else forgets it. */
  private blocked(pass: Pass<Learned>, plan: AnyPlan): { blockedForMs?: number } {
    if (plan.requeue.kind !== 'blocked') {
      this.blockedSince.delete(pass.key);
      return {};
    }
    const now = this.d.clock.now();
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
    from: { reported?: ReportOf<P>; protocol?: Protocol },
  ): Promise<void> {
    const changed = await this.writeStatus(obj, plan.outcome as Outcome<ReasonOf<P>>, from, pass.signal);
    if (changed && plan.notice) this.notify(pass, obj, plan.notice as Notice<EventOf<P>>);
  }

  private notify(pass: Pass<Learned>, obj: T, n: Notice<EventOf<P>>): void {
    this.d.events.record(obj, n.type, n.reason, n.message);
    if (n.type === 'Warning') pass.log.warn({ reason: n.reason }, n.message);
  }

  /** Whether callers are served the object, when the kind is one a stage serves. */
  private live(obj: T, reported: ReportOf<P> | undefined): Liveness | undefined {
    if (!this.seam.recordedPlace || !this.d.stages) return undefined;
    const place = reported?.location ?? this.seam.recordedPlace(obj);
    const { namespace, name, generation } = obj.metadata;
    const blocker = this.seam.liveBlocker?.(obj, reported);
    return liveOf({ kind: this.seam.kind, namespace, name, generation, place }, this.d.stages(), blocker);
  }

  /** Writes status when it changed; says whether it did. */
  private async writeStatus(
    obj: T,
    outcome: Outcome<ReasonOf<P>>,
    from: { reported?: ReportOf<P>; protocol?: Protocol },
    signal: AbortSignal,
  ): Promise<boolean> {
    const live = this.live(obj, from.reported);
    const input = {
      ...from.reported,
      outcome,
      protocol: from.protocol,
      handledRequest: pendingRequest(obj),
      ...(live ? { live } : {}),
    } as StatusInput<ReasonOf<P>, ReportOf<P>>;
    const status = this.seam.status(obj, input, new Date(this.d.clock.now()));
    if (!statusChanged(obj.status, status as never)) return false;
    await this.d.store.patchStatus(obj, status, signal);
    return true;
  }

  private async handleError(pass: Pass<Learned>, obj: T, err: unknown): Promise<Result> {
    const f = this.seam.failure(err, obj);
    pass.log[f.log.level](f.log.fields, f.log.message);
    if (f.event) this.d.events.record(obj, f.event.type, f.event.reason, f.event.message);
    if (f.status) {
      const written = this.writeStatus(obj, f.status.outcome, {}, pass.signal);
      await (f.status.bestEffort ? written.catch(() => false) : written);
    }
    return this.retries.resultOf(f.retry, pass.key, err);
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a step learned, added to what the pass knew: one step's fields never wipe out another's of the same key. */
function mergeLearned<L>(was: Partial<L>, now: Partial<L>): Partial<L> {
  const out: Record<string, unknown> = { ...was };
  for (const [key, value] of Object.entries(now)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? { ...prev, ...value } : value;
  }
  return out as Partial<L>;
}
