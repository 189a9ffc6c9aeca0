// The part of a status every kind reports alike: the kstatus conditions, the deletion policy that
// applies, the reconcile request handled last, and where the AWS object lives. A kind's status.ts
// adds its own ids and what AWS reports of its fields.
import { observedConditions, type Liveness, type Outcome } from '../api/v1alpha1/conditions.ts';
import { effectiveDeletionPolicy, type DeletionPolicySpec } from '../api/v1alpha1/deletion-policy.ts';
import type { ConditionT, Protocol } from '../api/v1alpha1/group.ts';
import type { Place } from './record.ts';

/** What every kind's status is made from, beside its own ids and fields. */
export interface StatusBasis<Reason extends string> {
  outcome: Outcome<Reason>;
  /** Where the reported AWS object lives. */
  location?: Place;
  protocol?: Protocol;
  /** A reconcile request (annotation value) this pass has acted on. */
  handledRequest?: string;
  /** Whether callers are served the object (the kinds a stage serves); absent: no Live condition. */
  live?: Liveness;
}

interface Reporting {
  metadata: { generation: number };
  spec: DeletionPolicySpec;
  status?: { conditions?: ConditionT[]; lastHandledReconcileAt?: string };
}

/** The conditions, the deletion policy and the last reconcile request handled, for `obj` at `now`. */
export function sharedStatus<R extends string>(obj: Reporting, input: StatusBasis<R>, now: Date) {
  return {
    ...observedConditions(obj, input.outcome, now, input.live),
    deletionPolicy: effectiveDeletionPolicy(obj.spec),
    lastHandledReconcileAt: (input.handledRequest ?? obj.status?.lastHandledReconcileAt) || undefined,
  };
}

/** The head of every kind's observed block: the API the object is on, and its protocol. */
export function observedWhere(input: Pick<StatusBasis<string>, 'location' | 'protocol'>): Record<string, unknown> {
  return { apiId: input.location?.apiId, region: input.location?.region, protocolType: input.protocol };
}
