// A check the process must pass once before it reports ready, such as "the cloud credentials work":
// tried at start, then again in the background on a growing, jittered backoff until it passes.
// Only readiness waits for it: the rest of the process runs meanwhile and meets the same failure in
// its own way. Each failed attempt is one warning with the failure's reason and message; the pass
// is one info line.
import { ItemExponentialBackoff, type Random } from './backoff.ts';
import { sleep, type Clock } from './clock.ts';
import type { Check } from './health.ts';
import { silentLogger, type Logger } from './log.ts';

export interface StartupCheckOptions<T> {
  /** Names the check in logs and in /readyz. */
  name: string;
  attempt: (signal: AbortSignal) => Promise<T>;
  /** The fields the pass is logged with; never secrets. */
  describe: (value: T) => Record<string, unknown>;
  /** The log messages of a failed attempt and of the pass. */
  messages: { failed: string; passed: string };
  clock: Clock;
  logger?: Logger;
  /** First retry delay (1 s), doubled per failure up to `maxMs` (1 min). */
  initialMs?: number;
  maxMs?: number;
  /** Fraction of each delay removed at random (0.2), so replicas that fail together do not retry together. */
  jitter?: number;
  random?: Random;
}

type State<T> =
  | { kind: 'pending' }
  | { kind: 'failed'; reason: string; message: string; attempts: number }
  | { kind: 'passed'; value: T };

/** The CamelCase reason a failure carries (the closed error set), or its class name. */
function reasonOf(err: unknown): string {
  const reason = (err as { reason?: unknown } | undefined)?.reason;
  if (typeof reason === 'string') return reason;
  return err instanceof Error ? err.name : 'Error';
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class StartupCheck<T> {
  private readonly opts: StartupCheckOptions<T>;
  private readonly backoff: ItemExponentialBackoff<string>;
  private readonly log: Logger;
  private state: State<T> = { kind: 'pending' };

  constructor(opts: StartupCheckOptions<T>) {
    this.opts = opts;
    this.log = opts.logger ?? silentLogger();
    this.backoff = new ItemExponentialBackoff<string>({
      baseMs: opts.initialMs ?? 1000,
      maxMs: opts.maxMs ?? 60_000,
      jitter: opts.jitter ?? 0.2,
      random: opts.random,
    });
  }

  /** Starts the attempts in the background; they stop once one passes or `signal` aborts. */
  start(signal: AbortSignal): void {
    // run() settles on its own and never rejects: every failure is caught, logged and retried.
    void this.run(signal);
  }

  passed(): boolean {
    return this.state.kind === 'passed';
  }

  /** What the check found once it passed. */
  value(): T | undefined {
    return this.state.kind === 'passed' ? this.state.value : undefined;
  }

  /**
   * The readiness check: passes once an attempt has passed, and until then fails with the last
   * failure's reason and message, which are meant to be read by whoever asks /readyz.
   */
  readonly readiness: Check = () => {
    const s = this.state;
    if (s.kind === 'passed') return true;
    if (s.kind === 'pending') throw new Error(`${this.opts.name}: first attempt in progress`);
    throw new Error(`${s.reason}: ${s.message} (failed ${s.attempts} time${s.attempts === 1 ? '' : 's'}; retrying)`);
  };

  private async run(signal: AbortSignal): Promise<void> {
    const { name, attempt, clock } = this.opts;
    for (let attempts = 1; !signal.aborted; attempts++) {
      try {
        const value = await attempt(signal);
        this.state = { kind: 'passed', value };
        this.log.info({ check: name, ...this.opts.describe(value) }, this.opts.messages.passed);
        return;
      } catch (err) {
        // A shutdown aborts the attempt in flight: that is no failure to report.
        if (signal.aborted) return;
        const delay = Math.round(this.backoff.when(name));
        const reason = reasonOf(err);
        this.state = { kind: 'failed', reason, message: messageOf(err), attempts };
        this.log.warn(
          { check: name, reason, err: messageOf(err), attempt: attempts, retryInMs: delay },
          this.opts.messages.failed,
        );
        const slept = await sleep(clock, delay, signal).then(
          () => true,
          () => false,
        );
        if (!slept) return;
      }
    }
  }
}
