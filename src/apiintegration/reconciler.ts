// The ApiIntegration kind on the generic shell (src/kind/reconciler.ts): its seam gathers what
// decide needs (the namespace's role and tenancy, the desired state, the reads decide asks for),
// carries the plan's action out (execute.ts), and words its status and failures.
import type { ApiIntegration, ApiIntegrationStatusT } from '../api/v1alpha1/types.ts';
import { KindReconciler, type Decision, type KindDeps, type Pass } from '../kind/reconciler.ts';
import { executeStep, type StepContext } from './execute.ts';
import { failureResponse } from './failure.ts';
import { decideWithReads, desiredState, lambdaContext } from './observe.ts';
import { liveBlockerOf } from './live-blocker.ts';
import type { LambdaPolicies } from './permission-ports.ts';
import { ownedRecords, recordOwner } from './permission-record.ts';
import type { Observation, Plan } from './plan.ts';
import type { IntegrationGateway, IntegrationTenancy } from './ports.ts';
import type { EventReason } from './reasons.ts';
import { recordedOf } from './recorded.ts';
import { nextStatus } from './status.ts';

export interface ReconcilerDeps extends KindDeps<
  ApiIntegration,
  ApiIntegrationStatusT,
  EventReason,
  IntegrationGateway
> {
  /** Which APIs each namespace may touch, and which roles its integrations may pass; absent: any. */
  tenancy?: IntegrationTenancy;
  /** Whether an ApiIntegration with this uid exists (adoption of an orphan's integration). */
  ownerExists?: (uid: string) => boolean;
  /** Lambda function policies, for spec.lambdaPermission; absent: permissions are not looked at. */
  lambda?: LambdaPolicies;
  /** Whether lambdaPermission Managed may write function policies (--manage-lambda-permissions). */
  lambdaWrites?: boolean;
}

/** The other ApiIntegrations that exist among those whose statements `obj` records: theirs are not its to remove. */
function liveRecordOwners(obj: ApiIntegration, ownerExists: ((uid: string) => boolean) | undefined): string[] {
  const uids = ownedRecords(obj).flatMap((r) => recordOwner(r)?.uid ?? []);
  return uids.filter((uid) => uid !== obj.metadata.uid && (ownerExists?.(uid) ?? false));
}

type Learned = Pick<Observation, 'inUse' | 'permission'>;

/** What decide needs for `obj`, gathered and decided, reading AWS as decide asks. */
async function decideIntegration(d: ReconcilerDeps, pass: Pass<Learned>, obj: ApiIntegration): Promise<Decision<Plan>> {
  const roleArn = await d.policy.roleFor(obj.metadata.namespace, obj.spec.roleArn);
  const allowedApis = await d.tenancy?.allowedApis(obj.metadata.namespace);
  const allowedCredentials = await d.tenancy?.allowedCredentials(obj.metadata.namespace);
  const { gateway, defaultRegion, ownerExists, createSettleMs, notFoundGraceMs, lambda } = d;
  const tenancy = { allowedApis, allowedCredentials };
  const reads = { gateway, defaultRegion, ownerExists, signal: pass.signal, roleArn, lambda, ...tenancy };
  const { desired, invalid } = await desiredState(reads, obj);
  const observation: Observation = { ...pass.learned };
  const now = d.clock.now();
  const lambdaInput = invalid ? undefined : await lambdaContext(reads, obj);
  const input = { obj, invalid, desired, observation, now, createSettleMs, notFoundGraceMs, ...tenancy };
  const permissions = { lambdaWrites: d.lambdaWrites ?? false, liveRecordOwners: liveRecordOwners(obj, ownerExists) };
  const plan = await decideWithReads(reads, { ...input, ...permissions, lambda: lambdaInput });
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
        execute: (ctx, obj, plan) => executeStep({ ...ctx, lambda: deps.lambda } as StepContext, obj, plan),
        status: nextStatus,
        failure: failureResponse,
        recordedPlace: (obj) => recordedOf(obj).location,
        liveBlocker: liveBlockerOf,
      },
      deps,
    );
  }
}
