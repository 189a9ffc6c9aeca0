// What deleting an object does to what it stands for in AWS, for every kind. spec.deletionPolicy
// says it when set. Unset, an object that adopted an existing integration, route or stage keeps it: the
// operator did not make it, and the first prune or `kubectl delete` of an adopting manifest must not
// take a production resource down with it. Objects that made their resource delete it, and
// ObserveOnly objects never write to AWS, so they keep it whatever the spec says. The CRDs default
// nothing, so "unset" stays visible; status.deletionPolicy shows the answer.
import { Type } from '@sinclair/typebox';
import { DELETION_POLICIES, type MANAGEMENT_POLICIES } from './group.ts';

export type DeletionPolicy = (typeof DELETION_POLICIES)[number];

const policy = (description: string) =>
  Type.Optional(Type.Unsafe<DeletionPolicy>({ type: 'string', enum: [...DELETION_POLICIES], description }));

/** What each kind's Retain leaves behind, and the spec field by which it adopts. */
const KINDS = {
  integration: {
    kept: "leaves it in AWS without the operator's ownership marker, so another ApiIntegration can adopt it",
    adoptField: 'spec.integrationId',
  },
  route: {
    kept: 'leaves it in AWS, where another ApiRoute can adopt it with spec.routeId',
    adoptField: 'spec.routeId',
  },
  stage: {
    kept: 'leaves it in AWS, serving its last deployment, where another ApiStage can adopt it with spec.adopt',
    adoptField: 'spec.adopt',
  },
};

/** The kinds, as their status and spec descriptions name what they manage. */
export type DeletionPolicyKind = keyof typeof KINDS;

/** A kind's spec.deletionPolicy. */
export const deletionPolicySpecSchema = (what: DeletionPolicyKind) =>
  policy(
    `Delete deletes the ${what} with the object; Retain ${KINDS[what].kept}. Unset: Retain when the object adopts (${KINDS[what].adoptField}), else Delete; status.deletionPolicy shows which applies.`,
  );

/** A kind's status.deletionPolicy: the policy that applies, from effectiveDeletionPolicy. */
export const deletionPolicyStatusSchema = (what: DeletionPolicyKind) =>
  policy(
    `What deleting the object does to the ${what}: spec.deletionPolicy, or when unset Retain for an adopted ${what} (${KINDS[what].adoptField}) and Delete for one the operator created. Always Retain with ObserveOnly.`,
  );

export interface DeletionPolicySpec {
  deletionPolicy?: DeletionPolicy;
  managementPolicy?: (typeof MANAGEMENT_POLICIES)[number];
  /** ApiIntegration: the adopted integration. */
  integrationId?: string;
  /** ApiRoute: the adopted route. */
  routeId?: string;
  /** ApiStage: takes over the existing stage of its name. */
  adopt?: boolean;
}

/** The policy deleting an object of any kind follows; decide and status.deletionPolicy both use it. */
export function effectiveDeletionPolicy(spec: DeletionPolicySpec): DeletionPolicy {
  if (spec.managementPolicy === 'ObserveOnly') return 'Retain';
  if (spec.deletionPolicy) return spec.deletionPolicy;
  return spec.integrationId || spec.routeId || spec.adopt === true ? 'Retain' : 'Delete';
}
