// Lease-based leader election over the LeaseStore port, following client-go's
// tools/leaderelection: acquire by polling every retryPeriod (jittered), treat another holder's
// lease as valid from the LOCAL time we last saw the record change (so clock skew between nodes
// does not matter), renew every retryPeriod, and stop leading the moment renewals have failed for
// renewDeadline — before the lease (leaseDuration) can expire for the others. client-node has no
// such helper (see reference §1.6), so this is ours.
import { jitterUp, type Random } from './backoff.ts';
import { sleep, systemClock, type Clock } from './clock.ts';
import { errorFields, silentLogger, type Logger } from './log.ts';
import type { LeaseRecord, LeaseStore } from './ports.ts';

/** RFC 3339 with microseconds: the API server rejects MicroTime with 3 fraction digits. */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export type StoppedReason = 'lost' | 'stopped';

export interface LeaderElectorOptions {
  store: LeaseStore;
  /** Unique per process; controller-runtime uses `${hostname}_${uuid}`. */
  identity: string;
  /** The lease name, for logs. */
  name?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Acquire polls wait retryPeriod × (1 + jitterFactor × random); client-go uses 1.2. */
  jitterFactor?: number;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  metrics?: { leading(isLeader: boolean): void };
  /** Called once when leadership starts; `signal` aborts when it ends. */
  onStartedLeading?: (signal: AbortSignal) => void;
  /** Called once when leadership ends: 'lost' (renewals failed or taken over) or 'stopped'. */
  onStoppedLeading?: (reason: StoppedReason) => void;
  onNewLeader?: (identity: string) => void;
}

interface Observed {
  record: LeaseRecord;
  resourceVersion: string;
  /** Local time at which we saw this version: the start of its validity for us. */
  at: number;
}

const noop = () => undefined;

interface Timings {
  leaseMs: number;
  renewDeadlineMs: number;
  retryMs: number;
  jitterFactor: number;
}

/** client-go's defaults, and the checks its NewLeaderElector makes on them. */
function timingsOf(opts: LeaderElectorOptions): Timings {
  const t: Timings = {
    leaseMs: opts.leaseDurationMs ?? 15_000,
    renewDeadlineMs: opts.renewDeadlineMs ?? 10_000,
    retryMs: opts.retryPeriodMs ?? 2_000,
    jitterFactor: opts.jitterFactor ?? 1.2,
  };
  if (!opts.identity) throw new RangeError('leader election needs a non-empty identity');
  if (!(t.leaseMs > t.renewDeadlineMs)) throw new RangeError('leaseDuration must be greater than renewDeadline');
  if (!(t.renewDeadlineMs > t.jitterFactor * t.retryMs))
    throw new RangeError('renewDeadline must be greater than jitterFactor × retryPeriod');
  if (!(t.retryMs > 0)) throw new RangeError('retryPeriod must be positive');
  return t;
}

export class LeaderElector {
  readonly identity: string;
  private readonly store: LeaseStore;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly jitterFactor: number;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly log: Logger;
  private readonly opts: LeaderElectorOptions;
  private readonly leadingCtl = new AbortController();
  private readonly runCtl = new AbortController();
  private observed: Observed | undefined;
  private leading = false;
  private running: Promise<void> | undefined;

  constructor(opts: LeaderElectorOptions) {
    this.opts = opts;
    this.identity = opts.identity;
    this.store = opts.store;
    const t = timingsOf(opts);
    this.leaseMs = t.leaseMs;
    this.renewDeadlineMs = t.renewDeadlineMs;
    this.retryMs = t.retryMs;
    this.jitterFactor = t.jitterFactor;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.log = (opts.logger ?? silentLogger()).child({ lease: opts.name ?? 'lease', identity: opts.identity });
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Aborts when this elector stops leading (or stops running without having led). */
  get leadingSignal(): AbortSignal {
    return this.leadingCtl.signal;
  }

  /** The holder we last observed, if any. */
  leader(): string | undefined {
    return this.observed?.record.holderIdentity || undefined;
  }

  /**
   * Campaigns until leading, then renews until the lease is lost or `signal` aborts. Resolves when
   * leadership (or the campaign) has ended; an elector runs once, as in client-go.
   */
  run(signal?: AbortSignal): Promise<void> {
    if (this.running) throw new Error('leader elector already ran');
    signal?.addEventListener('abort', () => this.runCtl.abort(signal.reason), { once: true });
    if (signal?.aborted) this.runCtl.abort(signal.reason);
    this.running = this.campaign(this.runCtl.signal);
    return this.running;
  }

  /**
   * Stops campaigning/renewing and, if we hold the lease, hands it back: empty holder and a 1 s
   * duration, so a successor takes over at its next poll instead of a whole lease later.
   */
  async release(signal?: AbortSignal): Promise<boolean> {
    this.runCtl.abort(new Error('released'));
    await this.running;
    const obs = this.observed;
    if (!obs || obs.record.holderIdentity !== this.identity) return false;
    const now = this.clock.now();
    const record: LeaseRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaseTransitions: obs.record.leaseTransitions ?? 0,
    };
    try {
      const rv = await this.store.update(record, obs.resourceVersion, signal);
      this.observe(record, rv);
      this.log.info('released the lease');
      return true;
    } catch (err) {
      this.log.warn({ ...errorFields(err) }, 'could not release the lease');
      return false;
    }
  }

  private async campaign(signal: AbortSignal): Promise<void> {
    this.opts.metrics?.leading(false);
    const acquired = await this.acquire(signal);
    if (!acquired) {
      this.leadingCtl.abort(new Error('stopped before leading'));
      return;
    }
    this.leading = true;
    this.opts.metrics?.leading(true);
    this.log.info('became leader');
    this.opts.onStartedLeading?.(this.leadingCtl.signal);
    await this.renewUntilLost(signal);
    this.stepDown(signal.aborted ? 'stopped' : 'lost');
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.info('attempting to acquire the lease');
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(signal)) return true;
      await sleep(this.clock, jitterUp(this.retryMs, this.jitterFactor, this.random), signal).catch(noop);
    }
    return false;
  }

  /** Renews every retryPeriod; returns once no renewal succeeded for renewDeadline, or on abort. */
  private async renewUntilLost(signal: AbortSignal): Promise<void> {
    const deadline = new AbortController();
    const stop = AbortSignal.any([signal, deadline.signal]);
    let handle: unknown;
    const armDeadline = () => {
      this.clock.clearTimeout(handle);
      // Fires even while a store call hangs: stepping down must not wait for the network.
      handle = this.clock.setTimeout(() => {
        this.log.error({ renewDeadlineMs: this.renewDeadlineMs }, 'failed to renew the lease in time');
        deadline.abort(new Error('renew deadline passed'));
        this.stepDown('lost');
      }, this.renewDeadlineMs);
    };
    armDeadline();
    while (!stop.aborted) {
      await sleep(this.clock, this.retryMs, stop).catch(noop);
      if (stop.aborted) break;
      if (await this.tryAcquireOrRenew(stop)) {
        if (!stop.aborted) armDeadline();
      } else if (this.leader() !== undefined && this.leader() !== this.identity) {
        this.log.error({ holder: this.leader() }, 'the lease was taken over');
        break;
      }
    }
    this.clock.clearTimeout(handle);
  }

  private stepDown(reason: StoppedReason): void {
    if (!this.leading) return;
    this.leading = false;
    this.opts.metrics?.leading(false);
    this.leadingCtl.abort(new Error(`leadership ${reason}`));
    this.log.info({ reason }, 'stopped leading');
    this.opts.onStoppedLeading?.(reason);
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.clock.now();
    const desired: LeaseRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.max(1, Math.floor(this.leaseMs / 1000)),
      acquireTime: formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaseTransitions: 0,
    };
    const obs = this.observed;
    // Fast path: a leader renews against the version it last wrote, without a read.
    if (this.leading && obs && this.leaseValid(now)) {
      const renewed = await this.write(
        { ...desired, acquireTime: obs.record.acquireTime, leaseTransitions: obs.record.leaseTransitions ?? 0 },
        obs.resourceVersion,
        signal,
      );
      if (renewed) return true;
    }
    return this.slowPath(desired, signal);
  }

  private async slowPath(desired: LeaseRecord, signal: AbortSignal): Promise<boolean> {
    let current: Awaited<ReturnType<LeaseStore['get']>>;
    try {
      current = await this.store.get(signal);
    } catch (err) {
      this.log.warn({ ...errorFields(err) }, 'could not read the lease');
      return false;
    }
    if (!current) {
      try {
        this.observe(desired, await this.store.create(desired, signal));
        return true;
      } catch (err) {
        this.log.info({ ...errorFields(err) }, 'could not create the lease');
        return false;
      }
    }
    if (this.observed?.resourceVersion !== current.resourceVersion)
      this.observe(current.record, current.resourceVersion);
    const holder = current.record.holderIdentity;
    if (holder && holder !== this.identity && this.leaseValid(this.clock.now())) return false;
    const transitions = current.record.leaseTransitions ?? 0;
    const record =
      holder === this.identity
        ? { ...desired, acquireTime: current.record.acquireTime, leaseTransitions: transitions }
        : { ...desired, leaseTransitions: transitions + 1 };
    return this.write(record, current.resourceVersion, signal);
  }

  private async write(record: LeaseRecord, resourceVersion: string, signal: AbortSignal): Promise<boolean> {
    try {
      this.observe(record, await this.store.update(record, resourceVersion, signal));
      return true;
    } catch (err) {
      this.log.debug({ ...errorFields(err) }, 'lease update failed');
      return false;
    }
  }

  private observe(record: LeaseRecord, resourceVersion: string): void {
    const previous = this.observed?.record.holderIdentity;
    this.observed = { record, resourceVersion, at: this.clock.now() };
    const holder = record.holderIdentity;
    if (holder && holder !== previous) this.opts.onNewLeader?.(holder);
  }

  /** Valid for leaseDurationSeconds from when WE saw the record change, not from its renewTime. */
  private leaseValid(now: number): boolean {
    const obs = this.observed;
    if (!obs) return false;
    return obs.at + (obs.record.leaseDurationSeconds ?? 0) * 1000 > now;
  }
}
