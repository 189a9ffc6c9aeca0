// The conditions every kind reports, following the Kubernetes API conventions and kstatus: exactly
// one of Ready, Reconciling and Stalled is True. lastTransitionTime moves only when a condition's
// status flips, so a steady object's status (and resourceVersion) does not change across resyncs.
// A kind may add Live: whether callers are served what the object stands for (a stage's deployment
// holds a snapshot of the API, so "in AWS" and "served" differ). kstatus and the Argo CD checks
// read only the first three, so Live never holds up a wait on Ready.
import type { ConditionT } from './group.ts';

/** What a pass concluded; `reason` comes from the kind's own vocabulary. */
export interface Outcome<Reason extends string> {
  kind: 'Ready' | 'Progressing' | 'Stalled';
  reason: Reason;
  message: string;
}

/** The condition type for "served to callers", usable by every kind. */
export const LIVE = 'Live' as const;

/** What a kind says about Live; Unknown while it cannot tell (e.g. the stage cannot be read). */
export interface Liveness<Reason extends string = string> {
  status: 'True' | 'False' | 'Unknown';
  reason: Reason;
  message: string;
}

interface Said {
  type: 'Ready' | 'Reconciling' | 'Stalled' | typeof LIVE;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

function said({ kind, reason, message }: Outcome<string>): Said[] {
  const is = (k: Outcome<string>['kind']) => (kind === k ? 'True' : 'False');
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

/** The conditions said, stamped with the generation and the time of each flip. */
function stamped(said: Said[], prev: ConditionT[] | undefined, at: { generation: number; now: string }): ConditionT[] {
  return said.map((c) => {
    const old = prev?.find((p) => p.type === c.type);
    return {
      type: c.type,
      status: c.status,
      observedGeneration: at.generation,
      lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : at.now,
      reason: c.reason,
      message: c.message,
    };
  });
}

/** RFC 3339 without fractions, as Kubernetes writes condition times. */
const conditionTime = (now: Date): string => now.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The observed generation and the conditions of an object's next status: Ready, Reconciling and
 * Stalled for `outcome`, then Live when the kind reports it.
 */
export function observedConditions(
  obj: { metadata: { generation: number }; status?: { conditions?: ConditionT[] } },
  outcome: Outcome<string>,
  now: Date,
  live?: Liveness,
): { observedGeneration: number; conditions: ConditionT[] } {
  const at = { generation: obj.metadata.generation, now: conditionTime(now) };
  const all: Said[] = live ? [...said(outcome), { type: LIVE, ...live }] : said(outcome);
  return { observedGeneration: at.generation, conditions: stamped(all, obj.status?.conditions, at) };
}

export function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Whether writing `next` would change anything; steady objects must not be rewritten. */
export function statusChanged(prev: object | undefined, next: object): boolean {
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
