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

type ConditionType = 'Ready' | 'Reconciling' | 'Stalled';

/** What one condition says, before it is stamped with the generation and transition time. */
interface Said {
  type: ConditionType;
  status: 'True' | 'False';
  reason: ConditionReason;
  message: string;
}

/** The three conditions an outcome sets: exactly one of Ready, Reconciling and Stalled is True. */
function conditionsFor(outcome: Outcome): Said[] {
  const { kind, reason, message } = outcome;
  const is = (k: Outcome['kind']) => (kind === k ? 'True' : 'False');
  return [
    { type: 'Ready', status: is('Ready'), reason, message },
    kind === 'Progressing'
      ? { type: 'Reconciling', status: 'True', reason, message }
      : { type: 'Reconciling', status: 'False', reason: kind === 'Ready' ? 'Reconciled' : reason, message: '' },
    kind === 'Stalled'
      ? { type: 'Stalled', status: 'True', reason, message }
      : { type: 'Stalled', status: 'False', reason: 'NotStalled', message: '' },
  ];
}

function stamped(prev: ConditionT[] | undefined, c: Said, at: { generation: number; now: string }): ConditionT {
  const old = prev?.find((p) => p.type === c.type);
  return {
    type: c.type,
    status: c.status,
    observedGeneration: at.generation,
    lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : at.now,
    reason: c.reason,
    message: c.message,
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
  const at = { generation: obj.metadata.generation, now: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  const conditions = conditionsFor(input.outcome).map((c) => stamped(prev?.conditions, c, at));
  // A pass that names no integration (a failure, a wait) keeps what the last one reported.
  const kept = input.integrationId === undefined ? prev?.observed : undefined;
  return withoutUndefined({
    observedGeneration: at.generation,
    conditions,
    integrationId: (input.integrationId ?? prev?.integrationId) || undefined,
    observed: observedBlock(input) ?? kept,
    lastHandledReconcileAt: (input.handledRequest ?? prev?.lastHandledReconcileAt) || undefined,
  });
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
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
