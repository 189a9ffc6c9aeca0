// The reconciler: a thin shell around `decide`. One pass loads the object, validates it, reads
// AWS, decides, carries out at most one AWS mutation, and writes status only when it changed.
import type { Logger } from 'pino';
import pRetry from 'p-retry';
import { FINALIZER, type ApiIntegration, type Protocol } from '../api/v1alpha1/types.ts';
import { formatProblems, validateSpec } from '../api/v1alpha1/validation.ts';
import type { Clock } from '../runtime/clock.ts';
import { ConflictError } from '../runtime/ports.ts';
import { decide, observationNeeds, type Action, type Desired, type Observation, type Plan } from './decide.ts';
import { desiredFields, desiredLocation, ownerOf } from './desired.ts';
import { AwsError, CredentialsError, RoleNotAllowedError } from './errors.ts';
import type { ApiIntegrationStore, EventRecorder, IntegrationGateway, Location, NamespacePolicy, ObservedIntegration } from './ports.ts';
import { clearPendingAnnotation, clearSupersededAnnotation, pendingAnnotation, recordAnnotations, type Place } from './recorded.ts';
import { nextStatus, statusChanged, type Outcome } from './status.ts';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** A failure the work queue should retry after a specific delay instead of its own backoff. */
export class RetryAfterError extends Error {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, cause?: unknown) {
    super(message, { cause });
    this.name = 'RetryAfterError';
    this.retryAfterMs = retryAfterMs;
  }
}

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
}

const MAX_STEPS = 6;

const located = (p: Place, roleArn: string | undefined): Location => ({ region: p.region, apiId: p.apiId, ...(roleArn ? { roleArn } : {}) });

export class ApiIntegrationReconciler {
  private readonly d: ReconcilerDeps;

  constructor(deps: ReconcilerDeps) {
    this.d = deps;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    let obj = this.d.get(key);
    if (!obj) return {};
    const log = this.d.logger.child({ namespace: obj.metadata.namespace, name: obj.metadata.name, generation: obj.metadata.generation });
    try {
      if (!obj.metadata.deletionTimestamp && !obj.status?.conditions?.length) {
        // Until this first write, kstatus (Flux, Helm --wait) would call a status-less object Current.
        obj = await this.d.store.patchStatus(obj, nextStatus(obj, { outcome: { kind: 'Progressing', reason: 'Reconciling', message: 'first reconcile in progress', readyUnknown: true } }, new Date(this.d.clock.now())), signal);
      }
      for (let step = 0; step < MAX_STEPS; step++) {
        const roleArn = await this.d.policy.roleFor(obj.metadata.namespace, obj.spec.roleArn);
        const { desired, invalid } = await this.desiredState(obj, roleArn, signal);
        const observation = await this.observe(obj, desired, roleArn, signal);
        const plan = decide({ obj, invalid, desired, observation });
        const result = await this.execute(obj, plan, roleArn, log, signal);
        if (result.obj) {
          obj = result.obj;
          if (result.again) continue;
        }
        if (plan.outcome && !obj.metadata.deletionTimestamp) await this.writeStatus(obj, plan, result.reported, desired?.protocol, signal);
        return this.requeueFor(plan);
      }
      // Not settled after several steps: let other keys run before trying again.
      return { requeueAfterMs: 1000 };
    } catch (err) {
      return this.handleError(obj, err, log, signal);
    }
  }

  private async desiredState(obj: ApiIntegration, roleArn: string | undefined, signal: AbortSignal): Promise<{ desired?: Desired; invalid?: string }> {
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

  private async observe(obj: ApiIntegration, desired: Desired | undefined, roleArn: string | undefined, signal: AbortSignal): Promise<Observation> {
    if (!obj.metadata.deletionTimestamp && !desired?.protocol) return {};
    const need = observationNeeds(obj, desired?.location);
    const at = (p: Place) => located(p, roleArn);
    switch (need.kind) {
      case 'none':
        return {};
      case 'list': {
        const all = await this.d.gateway.listIntegrations(at(need.place), signal);
        return { claimed: all === undefined ? null : all.filter((i) => ownerOf(i.description) === obj.metadata.uid) };
      }
      case 'get': {
        const found = (await this.d.gateway.getIntegration(at(need.place), need.integrationId, signal)) ?? null;
        return need.as === 'current' ? { current: found } : { adoptee: found };
      }
    }
  }

  private async execute(
    obj: ApiIntegration,
    plan: Plan,
    roleArn: string | undefined,
    log: Logger,
    signal: AbortSignal,
  ): Promise<{ obj?: ApiIntegration; again?: boolean; reported?: ReportedIntegration }> {
    const a: Action = plan.action;
    switch (a.type) {
      case 'None':
        return { reported: plan.report };
      case 'AddFinalizer':
        return { obj: await this.d.store.patchMetadata(obj, { finalizers: [...(obj.metadata.finalizers ?? []), FINALIZER] }, { precondition: true, signal }), again: true };
      case 'RemoveFinalizer':
        log.info({ action: 'RemoveFinalizer' }, 'releasing the object');
        await this.d.store.patchMetadata(obj, { finalizers: (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER) }, { precondition: true, signal });
        return {};
      case 'ClearPending':
        return { obj: await this.d.store.patchMetadata(obj, { annotations: clearPendingAnnotation() }, { precondition: true, signal }), again: true };
      case 'Record': {
        const next = await this.d.store.patchMetadata(obj, { annotations: recordAnnotations(a.integrationId, a.location, a.supersede) }, { precondition: true, signal });
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
        this.d.events.record(obj, drift ? 'Warning' : 'Normal', drift ? 'DriftCorrected' : 'Updated', `${drift ? 'corrected drift in' : 'updated'} integration ${a.integrationId}: ${a.changed.join(', ')}`);
        return { reported: { integrationId: a.integrationId, observed: updated, location: a.location } };
      }
      case 'Delete':
        return this.delete(obj, a, located(a.location, roleArn), log, signal);
    }
  }

  private async create(obj: ApiIntegration, a: Extract<Action, { type: 'Create' }>, log: Logger, signal: AbortSignal) {
    // The marker goes in first, with a resourceVersion precondition: a stale cache cannot lead to a
    // second create, and a crash after CreateIntegration leaves a trail that recovery follows.
    const marked = await this.d.store.patchMetadata(obj, { annotations: pendingAnnotation(a.location) }, { precondition: true, signal });
    let created: ObservedIntegration;
    try {
      created = await this.d.gateway.createIntegration(a.location, a.fields, signal);
    } catch (err) {
      // A refusal created nothing, so the marker can go; anything else may have created it.
      if (err instanceof AwsError && err.terminal) await this.d.store.patchMetadata(marked, { annotations: clearPendingAnnotation() }, { signal });
      throw err;
    }
    const record = () => this.d.store.patchMetadata(marked, { annotations: recordAnnotations(created.integrationId, a.location, a.supersede) }, { signal });
    const next = await pRetry(record, { retries: 5, minTimeout: 200, maxTimeout: 3000, signal });
    log.info({ action: a.event.reason, integrationId: created.integrationId }, a.event.message);
    this.d.events.record(obj, 'Normal', a.event.reason, `${a.event.message} (${created.integrationId})`);
    return { obj: next, reported: { integrationId: created.integrationId, observed: created, location: a.location } };
  }

  private async delete(obj: ApiIntegration, a: Extract<Action, { type: 'Delete' }>, loc: Location, log: Logger, signal: AbortSignal) {
    await this.d.gateway.deleteIntegration(loc, a.integrationId, signal);
    log.info({ action: 'Delete', integrationId: a.integrationId, why: a.why }, 'deleted integration');
    this.d.events.record(obj, 'Normal', 'Deleted', `deleted integration ${a.integrationId} (${a.why})`);
    if (a.then === 'RemoveFinalizer') {
      await this.d.store.patchMetadata(obj, { finalizers: (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER) }, { precondition: true, signal });
      return {};
    }
    if (a.then === 'ClearSuperseded') return { obj: await this.d.store.patchMetadata(obj, { annotations: clearSupersededAnnotation() }, { precondition: true, signal }), again: true };
    return { obj, again: false };
  }

  private async writeStatus(obj: ApiIntegration, plan: Plan, reported: ReportedIntegration | undefined, protocol: Protocol | undefined, signal: AbortSignal, outcome?: Outcome) {
    const r = reported ?? plan.report;
    const status = nextStatus(obj, { outcome: outcome ?? plan.outcome!, integrationId: r?.integrationId, observed: r?.observed, location: r?.location, protocol }, new Date(this.d.clock.now()));
    if (!statusChanged(obj.status, status)) return;
    await this.d.store.patchStatus(obj, status, signal);
  }

  private requeueFor(plan: Plan): ReconcileResult {
    if (plan.requeue === 'none') return {};
    // A positive delay: the controller, like controller-runtime, reads 0 as "do not requeue".
    if (plan.requeue === 'soon') return { requeueAfterMs: plan.action.type === 'None' ? (this.d.waitIntervalMs ?? 30_000) : 50 };
    // Jitter spreads drift checks so objects created together do not hit AWS together forever.
    const jitter = 0.8 + Math.random() * 0.4;
    return { requeueAfterMs: Math.round(this.d.driftIntervalMs * jitter) };
  }

  private async handleError(obj: ApiIntegration, err: unknown, log: Logger, signal: AbortSignal): Promise<ReconcileResult> {
    const fields = err instanceof AwsError ? { err: err.message, reason: err.reason, operation: err.operation, awsRequestId: err.requestId } : { err: String(err) };
    if (err instanceof AwsError && err.terminal) {
      log.warn(fields, 'AWS refused the request');
      this.d.events.record(obj, 'Warning', 'AwsRejected', err.message);
      await this.writeStatus(obj, { action: { type: 'None' }, requeue: 'none' }, undefined, undefined, signal, { kind: 'Stalled', reason: err.reason, message: `${err.message}${err.requestId ? ` (request id ${err.requestId})` : ''}` });
      return { requeueAfterMs: this.d.rejectedRetryMs ?? 10 * 60_000 };
    }
    if (err instanceof CredentialsError || err instanceof RoleNotAllowedError) {
      log.warn({ err: err.message, roleArn: err.roleArn, reason: err.reason }, 'no usable AWS role');
      await this.writeStatus(obj, { action: { type: 'None' }, requeue: 'none' }, undefined, undefined, signal, { kind: 'Stalled', reason: err.reason, message: err.message });
      return { requeueAfterMs: this.d.rejectedRetryMs ?? 10 * 60_000 };
    }
    if (err instanceof ConflictError) {
      // Our view was stale (the object changed under us); the watch brings the new one shortly.
      log.debug({ err: err.message }, 'object changed while reconciling; retrying');
      throw new RetryAfterError(err.message, 200, err);
    }
    const localWait = err instanceof AwsError && err.operation === 'budget';
    if (err instanceof AwsError && !localWait && !obj.metadata.deletionTimestamp && obj.status?.observedGeneration !== obj.metadata.generation) {
      await this.writeStatus(obj, { action: { type: 'None' }, requeue: 'none' }, undefined, undefined, signal, { kind: 'Progressing', reason: err.reason, message: err.message }).catch(() => {});
    }
    if (localWait) log.debug(fields, 'waiting for the AWS call budget');
    else log.warn(fields, 'reconcile failed; will retry');
    if (err instanceof AwsError && err.kind === 'Conflict') throw new RetryAfterError(err.message, 1000, err);
    throw err;
  }
}

type ReportedIntegration = { integrationId: string; observed: ObservedIntegration; location: Place };
