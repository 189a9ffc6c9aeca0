// The schema parts every kind's spec and status are assembled from, once: the operator's settings
// each spec carries (region, roleArn, managementPolicy), status.observed's fields taken from a kind's
// field table, and the status object around a kind's own fields. They build on group.ts and
// deletion-policy.ts (which itself builds on group.ts, hence a file of their own); each kind's schema
// passes in only its words and its fields.
import {
  Type,
  type Static,
  type TObject,
  type TOptional,
  type TProperties,
  type TSchema,
  type TUnsafe,
} from '@sinclair/typebox';
import { deletionPolicyStatusSchema, type DeletionPolicyKind } from './deletion-policy.ts';
import { COMMON_STATUS, IAM_ROLE_ARN, MANAGEMENT_POLICIES, REGION_PATTERN, StringEnum } from './group.ts';

/** spec.region; `changing` says what a new value does to the AWS resource, where it does something. */
export const regionField = (changing?: string) =>
  Type.Optional(
    Type.String({
      description: `AWS region of the API; the operator's default region when left out.${changing ? ` Changing it ${changing}.` : ''}`,
      pattern: REGION_PATTERN,
      maxLength: 32,
    }),
  );

/** How the kinds other than ApiIntegration, which states the rule in full, describe spec.roleArn. */
const ROLE_ARN_AS_FOR_INTEGRATION =
  "IAM role to act through, as for ApiIntegration: refused unless the Namespace allows it (apigw.dev/role-arn or apigw.dev/allowed-role-arns). Defaults to the namespace's role, else the operator's own identity.";

/** spec.roleArn: the role the operator acts through for the object. */
export const roleArnField = (description = ROLE_ARN_AS_FOR_INTEGRATION) =>
  Type.Optional(Type.String({ description, maxLength: 2048, pattern: IAM_ROLE_ARN }));

/** spec.managementPolicy, described in the kind's words. */
export const managementPolicyField = (description: string) =>
  Type.Optional(StringEnum(MANAGEMENT_POLICIES, description));

/** A reported value: enumerations widen to strings, since AWS reports values the schema does not offer. */
export type Reported<T> = T extends string ? string : T;

/** The rows of a kind's field table that status.observed reports: those with an `observed` description. */
export type ObservedRow<Table> = {
  [K in keyof Table]: Table[K] extends { observed: string } ? K : never;
}[keyof Table];

/** A kind's field table: for each spec field, its SDK member and, if status.observed reports it, how. */
type FieldTable = Readonly<Record<string, { readonly aws: string; readonly observed?: string }>>;

export const observedRows = <Table extends FieldTable>(table: Table): ObservedRow<Table>[] =>
  Object.keys(table).filter((f) => table[f]?.observed !== undefined) as ObservedRow<Table>[];

/** status.observed's property for each observed row of the field table: the spec property's type, any value. */
export function observedFieldSchemas<Spec extends TObject, Row extends string & keyof Static<Spec>>(
  spec: Spec,
  table: FieldTable,
  rows: readonly Row[],
): { [K in Row]: TOptional<TUnsafe<Reported<NonNullable<Static<Spec>[K]>>>> } {
  return Object.fromEntries(
    rows.map((f) => [
      f,
      Type.Optional(
        Type.Unsafe({
          description: table[f]?.observed,
          type: (spec.properties[f] as TSchema).type as string,
        }),
      ),
    ]),
  ) as { [K in Row]: TOptional<TUnsafe<Reported<NonNullable<Static<Spec>[K]>>>> };
}

/**
 * A kind's status: its own fields, then what every kind reports (the deletion policy that applies,
 * the generation, conditions and handled request) and what AWS reports, in `observed`.
 */
export const statusSchema = <Own extends TProperties, Observed extends TSchema>(
  what: DeletionPolicyKind,
  own: Own,
  observed: Observed,
) =>
  Type.Object(
    { ...own, deletionPolicy: deletionPolicyStatusSchema(what), ...COMMON_STATUS, observed: Type.Optional(observed) },
    {
      description: 'Observed state, written by the operator only.',
      // Applied whenever the API server reads an object that has no status yet: a new object then reads
      // as generation 1 / observed 0, which kstatus (Helm 4 --wait, Flux) calls InProgress instead of
      // Current until the operator's first pass.
      default: { observedGeneration: 0 },
    },
  );
