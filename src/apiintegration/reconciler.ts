// The ApiIntegration kind on the generic shell (src/kind/reconciler.ts): its seam gathers what
// decide needs (the namespace's role and tenancy, the desired state, the reads decide asks for),
// carries the plan's action out (execute.ts), and words its status and failures.
import type { Logger } from 'pino';
import type { ApiIntegration, ApiIntegrationStatusT } from '../api/v1alpha1/types.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Result } from '../runtime/controller.ts';
import { KindReconciler, type Decision, type KindSeam, type Pass, type StatusInput } from '../kind/reconciler.ts';
import type { NamespacePolicy } from '../kind/ports.ts';
import { executeStep } from './execute.ts';
import { failureResponse } from './failure.ts';
import { decideWithReads, desiredState } from './observe.ts';
import type { Observation, Plan, ReportedIntegration } from './plan.ts';
import type { ApiIntegrationStore, EventRecorder, IntegrationGateway, IntegrationTenancy } from './ports.ts';
import type { ConditionReason } from './reasons.ts';
import { nextStatus, statusChanged } from './status.ts';

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

type Learned = Pick<Observation, 'inUse'>;

class IntegrationSeam implements KindSeam<ApiIntegration, ApiIntegrationStatusT, Plan, Learned> {
  readonly kind = 'ApiIntegration';
  readonly store: ApiIntegrationStore;
  readonly events: EventRecorder;
  private readonly d: ReconcilerDeps;

  constructor(d: ReconcilerDeps) {
    this.d = d;
    this.store = d.store;
    this.events = d.events;
  }

  async decide(pass: Pass<Learned>, obj: ApiIntegration): Promise<Decision<Plan>> {
    const roleArn = await this.d.policy.roleFor(obj.metadata.namespace, obj.spec.roleArn);
    const allowedApis = await this.d.tenancy?.allowedApis(obj.metadata.namespace);
    const allowedCredentials = await this.d.tenancy?.allowedCredentials(obj.metadata.namespace);
    const { gateway, defaultRegion, ownerExists, createSettleMs, notFoundGraceMs } = this.d;
    const tenancy = { allowedApis, allowedCredentials };
    const reads = { gateway, defaultRegion, ownerExists, signal: pass.signal, roleArn, ...tenancy };
    const { desired, invalid } = await desiredState(reads, obj);
    const observation: Observation = { ...pass.learned };
    const now = this.d.clock.now();
    const input = { obj, invalid, desired, observation, now, createSettleMs, notFoundGraceMs, ...tenancy };
    const plan = await decideWithReads(reads, input);
    return { plan, protocol: desired?.protocol, roleArn };
  }

  execute(pass: Pass<Learned>, obj: ApiIntegration, d: Decision<Plan>) {
    const { store, gateway, events, clock } = this.d;
    const ctx = { store, gateway, events, clock, log: pass.log, signal: pass.signal, roleArn: d.roleArn };
    return executeStep(ctx, obj, d.plan);
  }

  status(obj: ApiIntegration, input: StatusInput<ConditionReason, ReportedIntegration>, now: Date) {
    const { reported, ...rest } = input;
    return nextStatus(obj, { ...rest, ...reported }, now);
  }

  statusChanged = statusChanged;

  failure = failureResponse;
}

/** The ApiIntegration reconciler: the generic shell over this kind's seam. */
export class ApiIntegrationReconciler {
  private readonly shell: KindReconciler<ApiIntegration, ApiIntegrationStatusT, Plan, Learned>;

  constructor(deps: ReconcilerDeps) {
    this.shell = new KindReconciler<ApiIntegration, ApiIntegrationStatusT, Plan, Learned>(
      new IntegrationSeam(deps),
      deps,
    );
  }

  reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    return this.shell.reconcile(key, signal);
  }
}
