// A start-up check (the operator's AWS identity) on the fake clock: tried at once, retried on a
// backoff of 1 s doubling to 1 min with jitter until it passes, one warning per failure and one
// info line on the pass, /readyz failing with the reason until then, and quiet after a shutdown.
import { afterEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { FakeClock } from '../../../src/runtime/clock.ts';
import { ProbeServer } from '../../../src/runtime/health.ts';
import { StartupCheck } from '../../../src/runtime/startup-check.ts';

interface Identity {
  arn: string;
  account: string;
}
const IDENTITY: Identity = { arn: 'arn:aws:sts::111122223333:assumed-role/apigw-operator/x', account: '111122223333' };

class NoCredentials extends Error {
  readonly reason = 'AwsCredentials';
  constructor() {
    super("the operator's AWS credentials do not work: Could not load credentials from any providers; check IRSA");
  }
}

/** An attempt that fails `failures` times, then answers; records the clock at each call. */
function flakyAttempt(clock: FakeClock, failures: number) {
  const calls: number[] = [];
  const attempt = async () => {
    calls.push(clock.now());
    if (calls.length <= failures) throw new NoCredentials();
    return IDENTITY;
  };
  return { calls, attempt };
}

function setup(failures: number, random = () => 0) {
  const clock = new FakeClock();
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const { calls, attempt } = flakyAttempt(clock, failures);
  const check = new StartupCheck<Identity>({
    name: 'aws-identity',
    attempt,
    describe: (id) => ({ arn: id.arn, account: id.account }),
    messages: { failed: 'identity check failed', passed: 'identity confirmed' },
    clock,
    logger,
    random,
  });
  const started = clock.now();
  const seconds = () => calls.map((t) => (t - started) / 1000);
  return { clock, check, lines, calls, seconds };
}

const servers: ProbeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('StartupCheck', () => {
  it('tries at once, then after 1 s doubling up to 1 min, and stops once it passes', async () => {
    const { clock, check, seconds } = setup(9);
    check.start(new AbortController().signal);
    await clock.advance(10 * 60_000);
    // Waits of 1, 2, 4, 8, 16, 32, then 60, 60, 60 s.
    expect(seconds()).toEqual([0, 1, 3, 7, 15, 31, 63, 123, 183, 243]);
    expect(check.passed()).toBe(true);
    expect(check.value()).toEqual(IDENTITY);
    expect(clock.pending()).toBe(0);
  });

  it('jitters each wait down by up to a fifth, so replicas that failed together do not retry together', async () => {
    const { clock, check, seconds } = setup(3, () => 1);
    check.start(new AbortController().signal);
    await clock.advance(60_000);
    expect(seconds()).toEqual([0, 0.8, 2.4, 5.6]);
  });

  it('logs one warning per failure with the reason and the message, and the identity once at info', async () => {
    const { clock, check, lines } = setup(2);
    check.start(new AbortController().signal);
    await clock.advance(10_000);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({
        msg: 'identity check failed',
        check: 'aws-identity',
        reason: 'AwsCredentials',
        err: expect.stringContaining('check IRSA'),
        attempt: 1,
        retryInMs: 1000,
      }),
      expect.objectContaining({ attempt: 2, retryInMs: 2000 }),
    ]);
    const infos = lines.filter((l) => l.level === 30);
    expect(infos).toEqual([expect.objectContaining({ msg: 'identity confirmed', ...IDENTITY })]);
  });

  it('keeps /readyz failing with the reason until an attempt passes', async () => {
    const { clock, check } = setup(1);
    const probes = new ProbeServer();
    servers.push(probes);
    probes.addReadyzCheck('synced', () => true);
    probes.addReadyzCheck('aws-identity', check.readiness, { showFailure: true });
    const port = await probes.listen('127.0.0.1:0');
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      return { status: res.status, body: await res.text() };
    };

    expect(() => check.readiness()).toThrow('aws-identity: first attempt in progress');
    check.start(new AbortController().signal);
    await clock.advance(0);
    const failing = await readyz();
    expect(failing.status).toBe(500);
    expect(failing.body).toContain(
      "[-]aws-identity failed: AwsCredentials: the operator's AWS credentials do not work: Could not load credentials from any providers; check IRSA (failed 1 time; retrying)",
    );
    expect(failing.body).toContain('[+]synced ok');

    await clock.advance(1000);
    expect(await readyz()).toEqual({ status: 200, body: 'ok' });
  });

  it('stops retrying, and reports nothing, once the process shuts down', async () => {
    const clock = new FakeClock();
    const lines: unknown[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const stop = new AbortController();
    let calls = 0;
    const check = new StartupCheck({
      name: 'aws-identity',
      // Fails when the signal aborts it, as an SDK call does.
      attempt: (signal) => {
        calls++;
        return new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      describe: () => ({}),
      messages: { failed: 'failed', passed: 'passed' },
      clock,
      logger,
    });
    check.start(stop.signal);
    await clock.advance(0);
    stop.abort();
    await clock.advance(10 * 60_000);
    expect(calls).toBe(1);
    expect(lines).toEqual([]);
    expect(clock.pending()).toBe(0);
    expect(check.passed()).toBe(false);
  });
});
