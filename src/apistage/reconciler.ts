// The ApiStage kind on the generic shell (src/kind/reconciler.ts): its seam gathers what decide needs
// (the namespace's role and tenancy, the desired state, what the API's objects say should be served,
// the reads decide asks for), carries the plan's action out (execute.ts), and words its status.
import type { Logger } from 'pino';
import type { ApiStage, ApiStageStatusT } from '../api/v1alpha1/stage-types.ts';
import { failureOf, type FailureResponse } from '../kind/failure.ts';
import type { ApiTenancy, NamespacePolicy } from '../kind/ports.ts';
import { KindReconciler, type Decision, type KindSeam, type Pass, type StatusInput } from '../kind/reconciler.ts';
import type { Place } from '../kind/record.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Result } from '../runtime/controller.ts';
import { executeStageStep } from './execute.ts';
import { decideStageWithReads, desiredStageState, type ServedObjects } from './observe.ts';
import type { StagePlan, StageReport } from './plan.ts';
import type { ApiStageStore, StageEventRecorder, StageGateway } from './ports.ts';
import type { StageConditionReason, StageEventReason } from './reasons.ts';
import { membersAt, settlementOf } from './revision.ts';
import { nextStageStatus, statusChanged } from './status.ts';

export interface StageReconcilerDeps {
  get(key: string): ApiStage | undefined;
  /** Another ApiStage that records the stage `stageName` at `place`, other than `self` (namespace/name). */
  claimedBy(place: Place, stageName: string, self: string): string | undefined;
  served: ServedObjects;
  store: ApiStageStore;
  gateway: StageGateway;
  events: StageEventRecorder;
  policy: NamespacePolicy;
  tenancy?: ApiTenancy;
  clock: Clock;
  logger: Logger;
  defaultRegion: string;
  driftIntervalMs: number;
  waitIntervalMs?: number;
  rejectedRetryMs?: number;
  createSettleMs?: number;
  notFoundGraceMs?: number;
  /** How long churn may hold a due deployment back (--deploy-max-wait). */
  deployMaxWaitMs?: number;
  random?: () => number;
}

class StageSeam implements KindSeam<ApiStage, ApiStageStatusT, StagePlan, never> {
  readonly kind = 'ApiStage';
  readonly store: ApiStageStore;
  readonly events: StageEventRecorder;
  private readonly d: StageReconcilerDeps;

  constructor(d: StageReconcilerDeps) {
    this.d = d;
    this.store = d.store;
    this.events = d.events;
  }

  async decide(pass: Pass<never>, obj: ApiStage): Promise<Decision<StagePlan>> {
    const { namespace, name } = obj.metadata;
    const roleArn = await this.d.policy.roleFor(namespace, obj.spec.roleArn);
    const allowedApis = await this.d.tenancy?.allowedApis(namespace);
    const { gateway, defaultRegion, createSettleMs, notFoundGraceMs, deployMaxWaitMs } = this.d;
    const reads = { gateway, defaultRegion, signal: pass.signal, roleArn, allowedApis };
    const { desired, invalid } = await desiredStageState(reads, obj);
    const place = desired?.location ?? { apiId: obj.spec.apiId, region: obj.spec.region ?? defaultRegion };
    const objects = { integrations: this.d.served.integrations(), routes: this.d.served.routes() };
    const settlement = settlementOf(membersAt(place, defaultRegion, objects));
    const claimedBy = this.d.claimedBy(place, obj.spec.stageName, `${namespace}/${name}`);
    const input = {
      obj,
      now: this.d.clock.now(),
      invalid,
      desired,
      observation: {},
      settlement,
      ...(claimedBy ? { claimedBy } : {}),
      allowedApis,
      createSettleMs,
      notFoundGraceMs,
      deployMaxWaitMs,
    };
    const plan = await decideStageWithReads(reads, input);
    return { plan, protocol: desired?.protocol, roleArn };
  }

  execute(pass: Pass<never>, obj: ApiStage, d: Decision<StagePlan>) {
    const { store, gateway, events, clock } = this.d;
    const ctx = { store, gateway, events, clock, log: pass.log, signal: pass.signal, roleArn: d.roleArn };
    return executeStageStep(ctx, obj, d.plan);
  }

  status(obj: ApiStage, input: StatusInput<StageConditionReason, StageReport>, now: Date) {
    return nextStageStatus(obj, input, now);
  }

  statusChanged = statusChanged;

  failure(err: unknown, obj: ApiStage): FailureResponse<StageConditionReason, StageEventReason> {
    return failureOf(err, { obj, reasonOf: (e) => (e.reason === 'IntegrationInUse' ? 'AwsRejected' : e.reason) });
  }
}

/** The ApiStage reconciler: the generic shell over this kind's seam. */
export class ApiStageReconciler {
  private readonly shell: KindReconciler<ApiStage, ApiStageStatusT, StagePlan, never>;

  constructor(deps: StageReconcilerDeps) {
    this.shell = new KindReconciler<ApiStage, ApiStageStatusT, StagePlan, never>(new StageSeam(deps), deps);
  }

  reconcile(key: string, signal: AbortSignal): Promise<Result> {
    return this.shell.reconcile(key, signal);
  }
}
