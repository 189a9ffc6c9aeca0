// The reconciler: a thin shell around `decide`. One pass loads the object, validates it, reads
// AWS, decides, carries out at most one AWS mutation, and writes status only when it changed.
import type { Logger } from 'pino';
import pRetry from 'p-retry';
import {
  ANNOTATION_RECONCILE_REQUESTED,
  FINALIZER,
  type ApiIntegration,
  type Protocol,
} from '../api/v1alpha1/types.ts';
import { formatProblems, validateSpec } from '../api/v1alpha1/validation.ts';
import type { Clock } from '../runtime/clock.ts';
import { RetryAfterError, type Result } from '../runtime/controller.ts';
import { ConflictError } from '../runtime/ports.ts';
import {
  decide,
  type Action,
  type DecideInput,
  type Desired,
  type Need,
  type Observation,
  type Plan,
} from './decide.ts';
import { driftDelayMs } from './drift-schedule.ts';
import { inUseOutcome, inUseRetryMs, routesTargeting, type Blocked } from './in-use.ts';
import { desiredFields, desiredLocation, ownerOf } from './desired.ts';
import { AwsError, BudgetWait, CredentialsError, RoleNotAllowedError } from './errors.ts';
import type {
  ApiIntegrationStore,
  EventRecorder,
  IntegrationGateway,
  Location,
  NamespacePolicy,
  ObservedIntegration,
  RouteRef,
} from './ports.ts';
import {
  clearPendingAnnotation,
  clearSupersededAnnotation,
  pendingAnnotation,
  recordAnnotations,
  type Place,
} from './recorded.ts';
import { nextStatus, statusChanged, type Outcome } from './status.ts';

export type ReconcileResult = Result;

export interface ReconcilerDeps {
  get(key: string): ApiIntegration | undefined;
  store: ApiIntegrationStore;
  gateway: IntegrationGateway;
  events: EventRecorder;
  policy: NamespacePolicy;
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
  /** Whether an ApiIntegration with this uid exists (adoption of an orphan's integration). */
  ownerExists?: (uid: string) => boolean;
  /** Jitter source; injected so tests are repeatable. */
  random?: () => number;
}

/** Concurrent-modification retries: exponential from 1 s to 1 min, with jitter. */
const CONFLICT_BASE_MS = 1000;
const CONFLICT_MAX_MS = 60_000;

type StepResult = { obj?: ApiIntegration; again?: boolean; reported?: ReportedIntegration; blocked?: Blocked };

const MAX_STEPS = 6;

const located = (p: Place, roleArn: string | undefined): Location => ({
  region: p.region,
  apiId: p.apiId,
  ...(roleArn ? { roleArn } : {}),
});

export class ApiIntegrationReconciler {
  private readonly d: ReconcilerDeps;
  /** key|integrationId → when its delete was first found blocked by routes (for the growing backoff). */
  private readonly blockedSince = new Map<string, number>();
  /** key → concurrent-modification failures in a row. */
  private readonly conflicts = new Map<string, number>();

  constructor(deps: ReconcilerDeps) {
    this.d = deps;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    let obj = this.d.get(key);
    if (!obj) return {};
    const log = this.d.logger.child({
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      generation: obj.metadata.generation,
    });
    try {
      for (let step = 0; step < MAX_STEPS; step++) {
        const roleArn = await this.d.policy.roleFor(obj.metadata.namespace, obj.spec.roleArn);
        const { desired, invalid } = await this.desiredState(obj, roleArn, signal);
        const plan = await this.decideWithReads(
          { obj, invalid, desired, observation: {}, now: this.d.clock.now(), createSettleMs: this.d.createSettleMs },
          roleArn,
          signal,
        );
        const result = await this.execute(obj, plan, roleArn, log, signal);
        if (result.blocked) return await this.reportBlocked(key, obj, result.blocked, log, signal);
        if (result.obj) {
          obj = result.obj;
          if (result.again) continue;
        }
        if (plan.outcome && !obj.metadata.deletionTimestamp) {
          const changed = await this.writeStatus(obj, plan, result.reported, desired?.protocol, signal);
          if (changed && plan.notice)
            this.d.events.record(obj, plan.notice.type, plan.notice.reason, plan.notice.message);
        }
        this.conflicts.delete(key);
        return this.requeueFor(plan);
      }
      // Not settled after several steps: let other keys run before trying again.
      return { requeueAfterMs: 1000 };
    } catch (err) {
      return this.handleError(key, obj, err, log, signal);
    }
  }

  private async desiredState(
    obj: ApiIntegration,
    roleArn: string | undefined,
    signal: AbortSignal,
  ): Promise<{ desired?: Desired; invalid?: string }> {
    if (obj.metadata.deletionTimestamp) return {};
    const structural = validateSpec(obj.spec);
    if (!structural.ok) return { invalid: formatProblems(structural.problems) };
    const location = desiredLocation(obj.spec, this.d.defaultRegion, roleArn);
    const protocol = await this.d.gateway.getApiProtocol(location, signal);
    if (protocol) {
      const full = validateSpec(obj.spec, protocol);
      if (!full.ok) return { invalid: formatProblems(full.problems) };
    }
    return { desired: { location, protocol, fields: desiredFields(obj.spec, obj.metadata.uid) } };
  }

  /** Decides, reading from AWS whatever decide asks for first (a pass needs at most one read). */
  private async decideWithReads(input: DecideInput, roleArn: string | undefined, signal: AbortSignal): Promise<Plan> {
    let plan = decide(input);
    for (let reads = 0; plan.need && reads < 2; reads++) {
      const observation = { ...input.observation, ...(await this.observe(input.obj, plan.need, roleArn, signal)) };
      input = { ...input, observation };
      plan = decide(input);
    }
    if (plan.need) throw new Error(`decide asked again for ${plan.need.kind} after reading it`);
    return plan;
  }

  private async observe(
    obj: ApiIntegration,
    need: Need,
    roleArn: string | undefined,
    signal: AbortSignal,
  ): Promise<Observation> {
    const at = (p: Place) => located(p, roleArn);
    switch (need.kind) {
      case 'list': {
        const all = await this.d.gateway.listIntegrations(at(need.place), signal);
        return { claimed: all === undefined ? null : all.filter((i) => ownerOf(i.description) === obj.metadata.uid) };
      }
      case 'get': {
        // A reconcile request wants AWS as it is now, not as a shared listing saw it a moment ago.
        const fresh = pendingRequest(obj) !== undefined;
        const found = (await this.d.gateway.getIntegration(at(need.place), need.integrationId, signal, fresh)) ?? null;
        if (need.as === 'current') return { current: found };
        const owner = ownerOf(found?.description);
        const foreign = owner !== undefined && owner !== obj.metadata.uid;
        return {
          adoptee: found,
          ...(foreign && this.d.ownerExists ? { adopteeOwnerLive: this.d.ownerExists(owner) } : {}),
        };
      }
    }
  }

  private async execute(
    obj: ApiIntegration,
    plan: Plan,
    roleArn: string | undefined,
    log: Logger,
    signal: AbortSignal,
  ): Promise<StepResult> {
    const a: Action = plan.action;
    switch (a.type) {
      case 'None':
        return { reported: plan.report };
      case 'AddFinalizer':
        return {
          obj: await this.d.store.patchMetadata(
            obj,
            { finalizers: [...(obj.metadata.finalizers ?? []), FINALIZER] },
            { precondition: true, signal },
          ),
          again: true,
        };
      case 'RemoveFinalizer':
        log.info({ action: 'RemoveFinalizer' }, 'releasing the object');
        await this.d.store.patchMetadata(
          obj,
          { finalizers: (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER) },
          { precondition: true, signal },
        );
        return {};
      case 'ClearPending':
        return {
          obj: await this.d.store.patchMetadata(
            obj,
            { annotations: clearPendingAnnotation() },
            { precondition: true, signal },
          ),
          again: true,
        };
      case 'Record': {
        const next = await this.d.store.patchMetadata(
          obj,
          { annotations: recordAnnotations(a.integrationId, a.location, a.supersede) },
          { precondition: true, signal },
        );
        if (a.event) {
          this.d.events.record(obj, 'Normal', a.event.reason, a.event.message);
          log.info({ action: a.event.reason, integrationId: a.integrationId }, a.event.message);
        }
        return { obj: next, again: true };
      }
      case 'Create':
        return this.create(obj, a, log, signal);
      case 'Update': {
        const updated = await this.d.gateway.updateIntegration(a.location, a.integrationId, a.fields, signal);
        log.info({ action: 'Update', integrationId: a.integrationId, changed: a.changed }, 'updated integration');
        log.debug({ integrationId: a.integrationId, fields: a.changed }, 'update diff');
        // Same generation as the last success: nobody changed the spec, so AWS drifted.
        const drift = obj.status?.observedGeneration === obj.metadata.generation;
        this.d.events.record(
          obj,
          drift ? 'Warning' : 'Normal',
          drift ? 'DriftCorrected' : 'Updated',
          `${drift ? 'corrected drift in' : 'updated'} integration ${a.integrationId}: ${a.changed.join(', ')}`,
        );
        const reported = { integrationId: a.integrationId, observed: updated, location: a.location };
        return a.again ? { obj, again: true, reported } : { reported };
      }
      case 'Release':
        return this.release(obj, a, located(a.location, roleArn), log, signal);
      case 'Delete':
        return this.delete(obj, a, located(a.location, roleArn), log, signal);
    }
  }

  private async create(obj: ApiIntegration, a: Extract<Action, { type: 'Create' }>, log: Logger, signal: AbortSignal) {
    // The marker goes in first, with a resourceVersion precondition: a stale cache cannot lead to a
    // second create, and a crash after CreateIntegration leaves a trail that recovery follows. A new
    // object's finalizer rides along in the same write.
    const finalizers = a.withFinalizer ? { finalizers: [...(obj.metadata.finalizers ?? []), FINALIZER] } : {};
    const marked = await this.d.store.patchMetadata(
      obj,
      { annotations: pendingAnnotation(a.location, this.d.clock.now()), ...finalizers },
      { precondition: true, signal },
    );
    let created: ObservedIntegration;
    try {
      created = await this.d.gateway.createIntegration(a.location, a.fields, signal);
    } catch (err) {
      // A refusal (400/403/quota, 409 concurrent modification, 429, or our own budget) created
      // nothing, so the marker can go; a timeout, reset or 5xx may have created it.
      if (err instanceof AwsError && err.kind !== 'Transient')
        await this.d.store.patchMetadata(marked, { annotations: clearPendingAnnotation() }, { signal });
      throw err;
    }
    const record = () =>
      this.d.store.patchMetadata(
        marked,
        { annotations: recordAnnotations(created.integrationId, a.location, a.supersede) },
        { signal },
      );
    const next = await pRetry(record, { retries: 5, minTimeout: 200, maxTimeout: 3000, signal });
    log.info({ action: a.event.reason, integrationId: created.integrationId }, a.event.message);
    this.d.events.record(obj, 'Normal', a.event.reason, `${a.event.message} (${created.integrationId})`);
    return { obj: next, reported: { integrationId: created.integrationId, observed: created, location: a.location } };
  }

  /** Strips the ownership marker from a retained integration so another object may adopt it later. */
  private async release(
    obj: ApiIntegration,
    a: Extract<Action, { type: 'Release' }>,
    loc: Location,
    log: Logger,
    signal: AbortSignal,
  ): Promise<StepResult> {
    try {
      await this.d.gateway.updateIntegration(loc, a.integrationId, a.fields, signal);
      log.info({ action: 'Release', integrationId: a.integrationId }, 'retained integration released');
    } catch (err) {
      // Gone, or refused for good: the marker stays, which adoption tolerates once this object is gone.
      const settled = err instanceof AwsError && (err.terminal || err.httpStatus === 404);
      if (!settled) throw err;
      log.warn(
        { integrationId: a.integrationId, err: err.message, awsRequestId: err.requestId },
        'could not strip the ownership marker of a retained integration',
      );
    }
    await this.d.store.patchMetadata(
      obj,
      { finalizers: (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER) },
      { precondition: true, signal },
    );
    return {};
  }

  private async delete(
    obj: ApiIntegration,
    a: Extract<Action, { type: 'Delete' }>,
    loc: Location,
    log: Logger,
    signal: AbortSignal,
  ): Promise<StepResult> {
    const routes = (await this.d.gateway.listRoutes(loc, signal)) ?? [];
    const blocking = routesTargeting(routes, a.integrationId);
    if (blocking.length > 0) return { blocked: this.blocked(obj, a, blocking) };
    try {
      await this.d.gateway.deleteIntegration(loc, a.integrationId, signal);
    } catch (err) {
      // A route made after the listing: AWS names the routes; the listing may know their keys.
      if (!(err instanceof AwsError && err.kind === 'InUse')) throw err;
      const named: RouteRef[] = (err.routeIds ?? []).map(
        (id) => routes.find((r) => r.routeId === id) ?? { routeId: id, routeKey: '' },
      );
      return { blocked: this.blocked(obj, a, named) };
    }
    this.blockedSince.delete(`${objectKeyOf(obj)}|${a.integrationId}`);
    log.info({ action: 'Delete', integrationId: a.integrationId, why: a.why }, 'deleted integration');
    this.d.events.record(obj, 'Normal', 'Deleted', `deleted integration ${a.integrationId} (${WHY_TEXT[a.why]})`);
    if (a.then === 'RemoveFinalizer') {
      await this.d.store.patchMetadata(
        obj,
        { finalizers: (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER) },
        { precondition: true, signal },
      );
      return {};
    }
    if (a.then === 'ClearSuperseded')
      return {
        obj: await this.d.store.patchMetadata(
          obj,
          { annotations: clearSupersededAnnotation() },
          { precondition: true, signal },
        ),
        again: true,
      };
    return { obj, again: false };
  }

  private blocked(obj: ApiIntegration, a: Extract<Action, { type: 'Delete' }>, routes: RouteRef[]): Blocked {
    const rec =
      a.why === 'moved' && obj.status?.integrationId && obj.status.observed?.apiId && obj.status.observed.region
        ? {
            integrationId: obj.status.integrationId,
            location: { apiId: obj.status.observed.apiId, region: obj.status.observed.region },
          }
        : undefined;
    return {
      integrationId: a.integrationId,
      location: a.location,
      why: a.why,
      routes,
      ...(rec ? { current: rec } : {}),
    };
  }

  /** Says which routes block a delete (an event only when that changes) and looks again later. */
  private async reportBlocked(
    key: string,
    obj: ApiIntegration,
    b: Blocked,
    log: Logger,
    signal: AbortSignal,
  ): Promise<ReconcileResult> {
    const now = this.d.clock.now();
    const since = this.blockedSince.get(`${key}|${b.integrationId}`) ?? now;
    this.blockedSince.set(`${key}|${b.integrationId}`, since);
    const outcome = inUseOutcome(b);
    const changed = await this.writeStatus(
      obj,
      { action: { type: 'None' }, requeue: 'none' },
      undefined,
      undefined,
      signal,
      outcome,
    );
    if (changed) {
      this.d.events.record(obj, 'Warning', 'IntegrationInUse', outcome.message);
      log.warn({ integrationId: b.integrationId, routes: b.routes.map((r) => r.routeId) }, 'delete blocked by routes');
    }
    return { requeueAfterMs: inUseRetryMs(now - since) };
  }

  /** Writes status when it changed; says whether it did. */
  private async writeStatus(
    obj: ApiIntegration,
    plan: Plan,
    reported: ReportedIntegration | undefined,
    protocol: Protocol | undefined,
    signal: AbortSignal,
    outcome?: Outcome,
  ): Promise<boolean> {
    const r = reported ?? plan.report;
    const input = {
      outcome: outcome ?? plan.outcome!,
      integrationId: r?.integrationId,
      observed: r?.observed,
      location: r?.location,
      protocol,
      handledRequest: pendingRequest(obj),
    };
    const status = nextStatus(obj, input, new Date(this.d.clock.now()));
    if (!statusChanged(obj.status, status)) return false;
    await this.d.store.patchStatus(obj, status, signal);
    return true;
  }

  private requeueFor(plan: Plan): ReconcileResult {
    if (plan.requeue === 'none') return {};
    if (typeof plan.requeue === 'object') return { requeueAfterMs: Math.max(1, Math.round(plan.requeue.afterMs)) };
    // A positive delay: the controller, like controller-runtime, reads 0 as "do not requeue".
    if (plan.requeue === 'soon')
      return { requeueAfterMs: plan.action.type === 'None' ? (this.d.waitIntervalMs ?? 30_000) : 50 };
    // Objects on one API come due together, so one listing answers them; APIs are spread apart.
    const place = plan.report?.location ?? (plan.action.type === 'Create' ? plan.action.location : undefined);
    if (place) return { requeueAfterMs: driftDelayMs(this.d.clock.now(), this.d.driftIntervalMs, place) };
    const jitter = 0.8 + this.random() * 0.4;
    return { requeueAfterMs: Math.round(this.d.driftIntervalMs * jitter) };
  }

  private random(): number {
    return (this.d.random ?? Math.random)();
  }

  /** Exponential with full jitter over the key's run of concurrent-modification refusals. */
  private conflictDelayMs(key: string): number {
    const n = (this.conflicts.get(key) ?? 0) + 1;
    this.conflicts.set(key, n);
    const cap = Math.min(CONFLICT_MAX_MS, CONFLICT_BASE_MS * 2 ** (n - 1));
    return Math.round(cap / 2 + (this.random() * cap) / 2);
  }

  private async handleError(
    key: string,
    obj: ApiIntegration,
    err: unknown,
    log: Logger,
    signal: AbortSignal,
  ): Promise<ReconcileResult> {
    const fields =
      err instanceof AwsError
        ? { err: err.message, reason: err.reason, operation: err.operation, awsRequestId: err.requestId }
        : { err: String(err) };
    if (err instanceof AwsError && err.terminal) {
      log.warn(fields, 'AWS refused the request');
      this.d.events.record(obj, 'Warning', 'AwsRejected', err.message);
      await this.writeStatus(obj, { action: { type: 'None' }, requeue: 'none' }, undefined, undefined, signal, {
        kind: 'Stalled',
        reason: err.reason,
        message: `${err.message}${err.requestId ? ` (request id ${err.requestId})` : ''}`,
      });
      return { requeueAfterMs: this.d.rejectedRetryMs ?? 10 * 60_000 };
    }
    if (err instanceof CredentialsError || err instanceof RoleNotAllowedError) {
      log.warn({ err: err.message, roleArn: err.roleArn, reason: err.reason }, 'no usable AWS role');
      await this.writeStatus(obj, { action: { type: 'None' }, requeue: 'none' }, undefined, undefined, signal, {
        kind: 'Stalled',
        reason: err.reason,
        message: err.message,
      });
      return { requeueAfterMs: this.d.rejectedRetryMs ?? 10 * 60_000 };
    }
    if (err instanceof ConflictError) {
      // Our view was stale (the object changed under us); the watch brings the new one shortly.
      log.debug({ err: err.message }, 'object changed while reconciling; retrying');
      throw new RetryAfterError(err.message, 200, err);
    }
    const localWait = err instanceof BudgetWait;
    if (
      err instanceof AwsError &&
      !localWait &&
      !obj.metadata.deletionTimestamp &&
      obj.status?.observedGeneration !== obj.metadata.generation
    ) {
      await this.writeStatus(obj, { action: { type: 'None' }, requeue: 'none' }, undefined, undefined, signal, {
        kind: 'Progressing',
        reason: err.reason,
        message: err.message,
      }).catch(() => {});
    }
    if (localWait) log.debug(fields, 'waiting for the AWS call budget');
    else log.warn(fields, 'reconcile failed; will retry');
    if (err instanceof AwsError && err.kind === 'Conflict')
      throw new RetryAfterError(err.message, this.conflictDelayMs(key), err);
    throw err;
  }
}

type ReportedIntegration = { integrationId: string; observed: ObservedIntegration; location: Place };

const WHY_TEXT: Record<Blocked['why'], string> = {
  'object deleted': 'object deleted',
  moved: 'replaced by the integration on the new API',
  extra: 'made by an interrupted create',
};

const objectKeyOf = (o: ApiIntegration) => `${o.metadata.namespace}/${o.metadata.name}`;

/** The reconcile request not yet acted on, if any (as Flux's reconcile.fluxcd.io/requestedAt). */
function pendingRequest(o: ApiIntegration): string | undefined {
  const requested = o.metadata.annotations?.[ANNOTATION_RECONCILE_REQUESTED];
  return requested && requested !== o.status?.lastHandledReconcileAt ? requested : undefined;
}
