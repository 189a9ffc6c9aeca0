// Backoff arithmetic: per-key exponential delays for the work queue (client-go's
// ItemExponentialFailureRateLimiter), a resetting single-stream backoff for the informer's
// reconnects, and jitter helpers. Pure apart from the injected random source and clock.
import type { Clock } from './clock.ts';

export type Random = () => number;

/** Uniform in [0, ms): spreads retries of many callers that failed together (AWS "full jitter"). */
export function fullJitter(ms: number, random: Random = Math.random): number {
  return Math.max(0, ms) * random();
}

/**
 * Shortens `ms` by up to `fraction` of itself. Jittering downwards keeps a configured maximum a
 * true upper bound, which matters when the maximum is a promise (e.g. "retried within 30 s").
 */
export function jitterDown(ms: number, fraction: number, random: Random = Math.random): number {
  const f = Math.min(1, Math.max(0, fraction));
  return ms * (1 - f * random());
}

/** Lengthens `ms` by up to `factor` × `ms` (client-go `wait.Jitter`). */
export function jitterUp(ms: number, factor: number, random: Random = Math.random): number {
  return factor > 0 ? ms + random() * factor * ms : ms;
}

/** What the work queue needs from a rate limiter. */
export interface RateLimiter<K> {
  /** The delay before `key` may be retried; counts one more failure. */
  when(key: K): number;
  /** Clears the failure count of `key` (it succeeded or will not be retried). */
  forget(key: K): void;
  /** How many failures `key` has had since it was last forgotten. */
  retries(key: K): number;
}

export interface ItemBackoffOptions {
  /** First delay; client-go uses 5 ms. */
  baseMs?: number;
  /** Cap; controller-runtime uses 1000 s. */
  maxMs?: number;
  /** Fraction of each delay removed at random (0 = client-go's exact sequence). */
  jitter?: number;
  random?: Random;
}

/** Per-key delay = base × 2^failures, capped at max, optionally jittered down. */
export class ItemExponentialBackoff<K = string> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: Random;

  constructor(opts: ItemBackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 5;
    this.maxMs = opts.maxMs ?? 1_000_000;
    this.jitter = opts.jitter ?? 0;
    this.random = opts.random ?? Math.random;
  }

  when(key: K): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2 ** n overflows to Infinity for large n, which Math.min caps correctly.
    const delay = Math.min(this.maxMs, this.baseMs * 2 ** n);
    return this.jitter > 0 ? jitterDown(delay, this.jitter, this.random) : delay;
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  retries(key: K): number {
    return this.failures.get(key) ?? 0;
  }
}

export interface ResettingBackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** Fraction removed at random from each delay. */
  jitter?: number;
  /** A failure this long after the previous one starts again from `initialMs`. */
  resetAfterMs: number;
  clock: Clock;
  random?: Random;
}

/**
 * One stream of retries (a reconnect loop): grows by `factor` per failure up to `maxMs`, and
 * forgets its history after a healthy period, as client-go's reflector backoff manager does.
 */
export class ResettingBackoff {
  private readonly opts: Required<Omit<ResettingBackoffOptions, 'clock'>> & { clock: Clock };
  private current = 0;
  private lastFailureAt: number | undefined;

  constructor(opts: ResettingBackoffOptions) {
    this.opts = { factor: 2, jitter: 0, random: Math.random, ...opts };
  }

  /** The delay to wait before the next attempt. */
  next(): number {
    const { clock, initialMs, maxMs, factor, jitter, random, resetAfterMs } = this.opts;
    const now = clock.now();
    if (this.lastFailureAt === undefined || now - this.lastFailureAt > resetAfterMs) this.current = 0;
    this.lastFailureAt = now;
    this.current = this.current === 0 ? initialMs : Math.min(maxMs, this.current * factor);
    return jitterDown(this.current, jitter, random);
  }

  reset(): void {
    this.current = 0;
    this.lastFailureAt = undefined;
  }
}
