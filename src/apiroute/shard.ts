// Sharding by --label-selector: both informers hold only the objects that match, so a route whose
// ApiIntegration lacks the shard's label would read it as "does not exist" and wait forever. When
// the cache lacks a referenced ApiIntegration, one GET of that object says whether it exists at
// all. The answer is remembered for a while, and shared by concurrent asks: the routes of one path
// ask about the same object, and a stranded route is looked at again on a backoff anyway. Only an
// operator started with a selector builds this (operator-routes.ts); without one the cache holds
// every ApiIntegration of the watched namespaces and is never second-guessed.
import type { Clock } from '../runtime/clock.ts';
import type { ShardLookup } from './ports.ts';

/** How long an answer is reused: the wait interval between a stranded route's looks. */
export const SHARD_ANSWER_TTL_MS = 30_000;

export interface SelectedShardDeps {
  labelSelector: string;
  /** Whether the ApiIntegration exists, by a GET that ignores the selector (false on 404). */
  exists(namespace: string, name: string, signal: AbortSignal): Promise<boolean>;
  clock: Clock;
  ttlMs?: number;
}

export class SelectedShard implements ShardLookup {
  private readonly d: SelectedShardDeps;
  private readonly answers = new Map<string, { at: number; exists: Promise<boolean> }>();

  constructor(deps: SelectedShardDeps) {
    this.d = deps;
  }

  async outsideSelector(namespace: string, name: string, signal: AbortSignal): Promise<string | undefined> {
    return (await this.exists(namespace, name, signal)) ? this.d.labelSelector : undefined;
  }

  private exists(namespace: string, name: string, signal: AbortSignal): Promise<boolean> {
    const now = this.d.clock.now();
    const ttl = this.d.ttlMs ?? SHARD_ANSWER_TTL_MS;
    for (const [k, a] of this.answers) if (now - a.at >= ttl) this.answers.delete(k);
    const key = `${namespace}/${name}`;
    const known = this.answers.get(key);
    if (known) return known.exists;
    const exists = this.d.exists(namespace, name, signal);
    this.answers.set(key, { at: now, exists });
    // A failed ask is not remembered: the next pass asks again.
    void exists.catch(() => this.answers.get(key)?.exists === exists && this.answers.delete(key));
    return exists;
  }
}
