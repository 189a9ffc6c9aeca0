// The status an ApiIntegration reports: the kstatus conditions (conditions.ts), the integration id
// and what AWS holds.
import { FIELD_NAMES, INTEGRATION_FIELDS, REPORTED_ONLY } from '../api/v1alpha1/fields.ts';
import type { ApiIntegration, ApiIntegrationStatusT, ObservedIntegrationT } from '../api/v1alpha1/types.ts';
import { withoutUndefined, type Outcome as ConditionOutcome } from '../api/v1alpha1/conditions.ts';
import { observedWhere, sharedStatus, type StatusBasis } from '../kind/status.ts';
import type { ObservedIntegration } from './ports.ts';
import type { PermissionReport } from './permission-ports.ts';
import type { ConditionReason } from './reasons.ts';

export type Outcome = ConditionOutcome<ConditionReason>;

export interface StatusInput extends StatusBasis<ConditionReason> {
  integrationId?: string;
  observed?: ObservedIntegration;
  /** spec.lambdaPermission's record; absent: as before. */
  permission?: PermissionReport;
}

function observedBlock(input: StatusInput): ObservedIntegrationT | undefined {
  const o = input.observed;
  if (!o) return undefined;
  const block = observedWhere(input);
  for (const f of FIELD_NAMES) if (INTEGRATION_FIELDS[f].observed) block[f] = o[f];
  for (const f of REPORTED_ONLY) block[f] = o[f];
  // AWS's documented default; moto leaves it out.
  block.connectionType ??= 'INTERNET';
  for (const k of Object.keys(block)) if (block[k] === undefined) delete block[k];
  return block as ObservedIntegrationT;
}

export function nextStatus(obj: ApiIntegration, input: StatusInput, now: Date): ApiIntegrationStatusT {
  const prev = obj.status;
  // A pass that names no integration (a failure, a wait) keeps what the last one reported.
  const kept = input.integrationId === undefined ? prev?.observed : undefined;
  return withoutUndefined({
    ...sharedStatus(obj, input, now),
    integrationId: (input.integrationId ?? prev?.integrationId) || undefined,
    observed: observedBlock(input) ?? kept,
    lambdaPermission: input.permission ? (input.permission.record ?? undefined) : prev?.lambdaPermission,
  });
}
