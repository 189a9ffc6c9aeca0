// A token bucket on an injected clock, shared by every call into a rate-limited remote API (for
// AWS: one bucket per account and region, sized below the account quota). It slows down on its
// own when the remote side throttles (multiplicative decrease) and recovers gradually (additive
// increase), so a shared quota that others also spend is not hammered with retries.
//
// Waiting for a token happens inside the caller's own reconcile: a reconcile for account A waits
// on A's bucket only, so keys of other accounts or regions keep flowing on the other workers.
import { systemClock, type Clock } from './clock.ts';

export interface TokenBucketOptions {
  /** Tokens per second at full speed. */
  ratePerSec: number;
  /** Bucket size: how many calls may go at once after a quiet period. */
  burst: number;
  clock?: Clock;
  /** Rate multiplier applied on each throttle signal (default 0.5). */
  slowdownFactor?: number;
  /** The rate never drops below this (default 10 % of ratePerSec). */
  minRatePerSec?: number;
  /** Rate regained per second without throttling (default 10 % of ratePerSec per second). */
  recoveryPerSec?: number;
  /**
   * Throttle signals within this window of the last slow-down are one event: concurrent calls
   * that hit the same exhausted quota must not halve the rate once each (default 1 s).
   */
  slowdownCooldownMs?: number;
}

// Float arithmetic on fractional refills must not leave a waiter one ulp short of a token.
const EPSILON = 1e-9;

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class TokenBucket {
  private readonly clock: Clock;
  private readonly maxRate: number;
  private readonly burst: number;
  private readonly factor: number;
  private readonly minRate: number;
  private readonly recovery: number;
  private readonly cooldownMs: number;
  private tokens: number;
  private refilledAt: number;
  /** Set while slowed: the reduced rate and when it was set; the rate climbs from there. */
  private slowed: { rate: number; at: number } | undefined;
  private waiters: Waiter[] = [];
  private timer: unknown;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.ratePerSec > 0) || !(opts.burst >= 1))
      throw new RangeError('token bucket needs ratePerSec > 0 and burst >= 1');
    this.clock = opts.clock ?? systemClock;
    this.maxRate = opts.ratePerSec;
    this.burst = opts.burst;
    this.factor = opts.slowdownFactor ?? 0.5;
    this.minRate = Math.min(opts.ratePerSec, opts.minRatePerSec ?? opts.ratePerSec / 10);
    this.recovery = opts.recoveryPerSec ?? opts.ratePerSec / 10;
    this.cooldownMs = opts.slowdownCooldownMs ?? 1000;
    this.tokens = opts.burst;
    this.refilledAt = this.clock.now();
  }

  /** The current refill rate in tokens per second. */
  rate(): number {
    return this.rateAt(this.clock.now());
  }

  /** Tokens available now (fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Takes a token if one is free and nobody is queued ahead; never waits. */
  tryTake(): boolean {
    this.refill();
    if (this.waiters.length > 0 || this.tokens < 1 - EPSILON) return false;
    this.tokens -= 1;
    return true;
  }

  /** Waits for a token in arrival order; rejects with the signal's reason if it aborts first. */
  take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryTake()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(signal?.reason);
          this.schedule();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.schedule();
    });
  }

  /** How long a take() started now would wait, given the queue ahead of it. */
  estimatedWaitMs(): number {
    this.refill();
    const deficit = this.waiters.length + 1 - this.tokens;
    return deficit <= EPSILON ? 0 : Math.ceil((deficit / this.rateAt(this.clock.now())) * 1000);
  }

  /** The remote side said "too many requests": slow down, and spend no saved-up burst. */
  onThrottled(): void {
    const now = this.clock.now();
    this.refill();
    this.tokens = 0;
    if (this.slowed && now - this.slowed.at < this.cooldownMs) return;
    this.slowed = { rate: Math.max(this.minRate, this.rateAt(now) * this.factor), at: now };
    this.schedule();
  }

  private rateAt(t: number): number {
    if (!this.slowed) return this.maxRate;
    return Math.min(this.maxRate, this.slowed.rate + (this.recovery * (t - this.slowed.at)) / 1000);
  }

  /** Tokens earned between t1 and t2, integrating the linearly recovering rate exactly. */
  private earned(t1: number, t2: number): number {
    if (t2 <= t1) return 0;
    if (!this.slowed) return (this.maxRate * (t2 - t1)) / 1000;
    const fullAt =
      this.recovery > 0 ? this.slowed.at + ((this.maxRate - this.slowed.rate) / this.recovery) * 1000 : Infinity;
    const rampEnd = Math.min(t2, fullAt);
    let sum = 0;
    if (rampEnd > t1) sum += (((this.rateAt(t1) + this.rateAt(rampEnd)) / 2) * (rampEnd - t1)) / 1000;
    const flatStart = Math.max(t1, fullAt);
    if (t2 > flatStart) sum += (this.maxRate * (t2 - flatStart)) / 1000;
    return sum;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + this.earned(this.refilledAt, now));
    this.refilledAt = now;
    if (this.slowed && this.rateAt(now) >= this.maxRate) this.slowed = undefined;
  }

  /** Serves queued waiters that can be served, then sleeps until the head could be. */
  private schedule(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.refill();
    while (this.waiters.length > 0 && this.tokens >= 1 - EPSILON) {
      const w = this.waiters.shift()!;
      this.tokens -= 1;
      w.signal?.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
    if (this.waiters.length === 0) return;
    // The rate only rises while recovering, so this estimate is an upper bound; we re-check then.
    const ms = Math.max(1, Math.ceil(((1 - this.tokens) / this.rateAt(this.clock.now())) * 1000));
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, ms);
  }
}

/** Buckets by key (e.g. `${account}/${region}`), created on first use with options for that key. */
export class TokenBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly optionsFor: (key: string) => TokenBucketOptions;

  constructor(optionsFor: TokenBucketOptions | ((key: string) => TokenBucketOptions)) {
    this.optionsFor = typeof optionsFor === 'function' ? optionsFor : () => optionsFor;
  }

  get(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.optionsFor(key));
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  keys(): string[] {
    return [...this.buckets.keys()];
  }
}
