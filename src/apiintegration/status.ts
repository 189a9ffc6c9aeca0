// Computes the status the controller reports: Ready / Reconciling / Stalled following the
// Kubernetes API conventions and kstatus. lastTransitionTime moves only when a condition's status
// flips, so a steady object's status (and resourceVersion) does not change across resyncs.
import { FIELD_NAMES, INTEGRATION_FIELDS, REPORTED_ONLY } from '../api/v1alpha1/fields.ts';
import type {
  ApiIntegration,
  ApiIntegrationStatusT,
  ConditionT,
  ObservedIntegrationT,
  Protocol,
} from '../api/v1alpha1/types.ts';
import type { Location, ObservedIntegration } from './ports.ts';
import type { ConditionReason } from './reasons.ts';

export type Outcome =
  | { kind: 'Ready'; reason: ConditionReason; message: string }
  | { kind: 'Progressing'; reason: ConditionReason; message: string }
  | { kind: 'Stalled'; reason: ConditionReason; message: string };

export interface StatusInput {
  outcome: Outcome;
  integrationId?: string;
  observed?: ObservedIntegration;
  location?: Pick<Location, 'region' | 'apiId'>;
  protocol?: Protocol;
  /** A reconcile request (annotation value) this pass has acted on. */
  handledRequest?: string;
}

function condition(
  prev: ConditionT[] | undefined,
  type: string,
  status: 'True' | 'False',
  reason: ConditionReason,
  message: string,
  generation: number,
  now: string,
): ConditionT {
  const old = prev?.find((c) => c.type === type);
  return {
    type,
    status,
    observedGeneration: generation,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
    reason,
    message,
  };
}

function observedBlock(input: StatusInput): ObservedIntegrationT | undefined {
  const o = input.observed;
  if (!o) return undefined;
  const block: Record<string, unknown> = {
    apiId: input.location?.apiId,
    region: input.location?.region,
    protocolType: input.protocol,
  };
  for (const f of FIELD_NAMES) if (INTEGRATION_FIELDS[f].observed) block[f] = o[f];
  for (const f of REPORTED_ONLY) block[f] = o[f];
  // AWS's documented default; moto leaves it out.
  block.connectionType ??= 'INTERNET';
  for (const k of Object.keys(block)) if (block[k] === undefined) delete block[k];
  return block as ObservedIntegrationT;
}

export function nextStatus(obj: ApiIntegration, input: StatusInput, now: Date): ApiIntegrationStatusT {
  const prev = obj.status;
  const gen = obj.metadata.generation;
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const { outcome } = input;
  const ready = outcome.kind === 'Ready';
  const conditions: ConditionT[] = [
    condition(prev?.conditions, 'Ready', ready ? 'True' : 'False', outcome.reason, outcome.message, gen, ts),
    condition(
      prev?.conditions,
      'Reconciling',
      outcome.kind === 'Progressing' ? 'True' : 'False',
      outcome.kind === 'Progressing' ? outcome.reason : outcome.kind === 'Ready' ? 'Reconciled' : outcome.reason,
      outcome.kind === 'Progressing' ? outcome.message : '',
      gen,
      ts,
    ),
    condition(
      prev?.conditions,
      'Stalled',
      outcome.kind === 'Stalled' ? 'True' : 'False',
      outcome.kind === 'Stalled' ? outcome.reason : 'NotStalled',
      outcome.kind === 'Stalled' ? outcome.message : '',
      gen,
      ts,
    ),
  ];
  const status: ApiIntegrationStatusT = { observedGeneration: gen, conditions };
  const id = input.integrationId ?? prev?.integrationId;
  if (id) status.integrationId = id;
  const observed = observedBlock(input) ?? (input.integrationId === undefined ? prev?.observed : undefined);
  if (observed) status.observed = observed;
  const handled = input.handledRequest ?? prev?.lastHandledReconcileAt;
  if (handled) status.lastHandledReconcileAt = handled;
  return status;
}

/** Whether writing `next` would change anything; steady objects must not be rewritten. */
export function statusChanged(prev: ApiIntegrationStatusT | undefined, next: ApiIntegrationStatusT): boolean {
  return JSON.stringify(canonical(prev ?? {})) !== JSON.stringify(canonical(next));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
  );
}
