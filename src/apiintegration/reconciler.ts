// The ApiIntegration kind on the generic shell (src/kind/reconciler.ts): its seam gathers what
// decide needs (the namespace's role and tenancy, the desired state, the reads decide asks for),
// carries the plan's action out (execute.ts), and words its status and failures.
import type { Logger } from 'pino';
import type { ApiIntegration, ApiIntegrationStatusT } from '../api/v1alpha1/types.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Result } from '../runtime/controller.ts';
import { KindReconciler, type Decision, type Pass } from '../kind/reconciler.ts';
import type { StageView } from '../kind/live.ts';
import type { NamespacePolicy } from '../kind/ports.ts';
import { executeStep } from './execute.ts';
import { failureResponse } from './failure.ts';
import { decideWithReads, desiredState } from './observe.ts';
import type { Observation, Plan } from './plan.ts';
import type { ApiIntegrationStore, EventRecorder, IntegrationGateway, IntegrationTenancy } from './ports.ts';
import { recordedOf } from './recorded.ts';
import { nextStatus } from './status.ts';

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
  /** The ApiStages, for the Live condition; absent: none reported. */
  stages?: () => readonly StageView[];
}

type Learned = Pick<Observation, 'inUse'>;

/** What decide needs for `obj`, gathered and decided, reading AWS as decide asks. */
async function decideIntegration(d: ReconcilerDeps, pass: Pass<Learned>, obj: ApiIntegration): Promise<Decision<Plan>> {
  const roleArn = await d.policy.roleFor(obj.metadata.namespace, obj.spec.roleArn);
  const allowedApis = await d.tenancy?.allowedApis(obj.metadata.namespace);
  const allowedCredentials = await d.tenancy?.allowedCredentials(obj.metadata.namespace);
  const { gateway, defaultRegion, ownerExists, createSettleMs, notFoundGraceMs } = d;
  const tenancy = { allowedApis, allowedCredentials };
  const reads = { gateway, defaultRegion, ownerExists, signal: pass.signal, roleArn, ...tenancy };
  const { desired, invalid } = await desiredState(reads, obj);
  const observation: Observation = { ...pass.learned };
  const now = d.clock.now();
  const input = { obj, invalid, desired, observation, now, createSettleMs, notFoundGraceMs, ...tenancy };
  const plan = await decideWithReads(reads, input);
  return { plan, protocol: desired?.protocol, roleArn };
}

/** The ApiIntegration reconciler: the generic shell over this kind's seam. */
export class ApiIntegrationReconciler extends KindReconciler<
  ApiIntegration,
  ApiIntegrationStatusT,
  Plan,
  Learned,
  IntegrationGateway
> {
  constructor(deps: ReconcilerDeps) {
    super(
      {
        kind: 'ApiIntegration',
        decide: (pass, obj) => decideIntegration(deps, pass, obj),
        execute: executeStep,
        status: nextStatus,
        failure: failureResponse,
        liveSubject: (obj, reported) => ({
          kind: 'ApiIntegration',
          ...obj.metadata,
          place: reported?.location ?? recordedOf(obj).location,
        }),
      },
      deps,
    );
  }
}
