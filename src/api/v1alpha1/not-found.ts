// Waiting on something that may never come. An API, or an ApiIntegration named by an ApiRoute,
// that does not exist may be on its way (created by the same sync, or by another tool) or may be a
// typo. Both kinds wait for it for a grace period (Reconciling), then call it Stalled so that kstatus
// waits (Flux, Helm 4) fail instead of running to their timeout, and keep looking on a backoff.
//
// How long an object has waited is read from its own conditions, so it survives restarts and costs
// no write: the wait began when Reconciling turned True with its reason (lastTransitionTime moves
// only when a condition's status flips, so a wait that follows another in-progress state counts
// from the start of that state). Once Stalled with the reason in the current generation, it stays
// Stalled; a new generation (a fixed spec, say) waits afresh.
import type { ConditionT } from './group.ts';

/** The operator's default for --not-found-grace. */
export const DEFAULT_NOT_FOUND_GRACE_MS = 2 * 60_000;

export type MissingWait =
  /** Within the grace period: still Reconciling; it ends after `graceLeftMs`. */
  | { stalled: false; graceLeftMs: number }
  /** Past it: Stalled, after waiting `waitedMs` in all (the backoff grows with it). */
  | { stalled: true; waitedMs: number };

interface Conditioned {
  metadata: { generation: number };
  status?: { conditions?: ConditionT[] };
}

const msSince = (time: string, now: number): number => {
  const at = Date.parse(time);
  return Number.isNaN(at) ? 0 : Math.max(0, now - at);
};

/** Where an object that finds something missing (named by `reason`) stands, at `now` (epoch ms). */
export function missingWait(obj: Conditioned, reason: string, now: number, graceMs: number): MissingWait {
  const conditions = obj.status?.conditions ?? [];
  const of = (type: string) => conditions.find((c) => c.type === type && c.status === 'True' && c.reason === reason);
  const stalled = of('Stalled');
  if (stalled && stalled.observedGeneration === obj.metadata.generation)
    return { stalled: true, waitedMs: graceMs + msSince(stalled.lastTransitionTime, now) };
  const reconciling = of('Reconciling');
  const waited = reconciling ? msSince(reconciling.lastTransitionTime, now) : 0;
  return waited >= graceMs ? { stalled: true, waitedMs: waited } : { stalled: false, graceLeftMs: graceMs - waited };
}

/** A grace period as a person writes it: 2m, 90s, 1h. */
export function graceText(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** What the object says: what is missing, for how long it is waited for, and what would fix it. */
export function missingMessage(w: MissingWait, graceMs: number, missing: { fact: string; fix: string }): string {
  return w.stalled
    ? `${missing.fact} (waited ${graceText(graceMs)}): ${missing.fix}; the operator keeps looking for it`
    : `${missing.fact}; waiting for it (Stalled after ${graceText(graceMs)}): ${missing.fix}`;
}
