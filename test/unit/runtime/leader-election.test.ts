// Leader election as users of a two-replica Deployment rely on it: one leader at a time, a
// standby that takes over once the lease expires, a leader that stops at once when it cannot
// renew, and a hand-over without waiting a whole lease on graceful shutdown.
import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../../../src/runtime/clock.ts';
import { LeaderElector, formatMicroTime, type LeaderElectorOptions } from '../../../src/runtime/leader-election.ts';
import { MemoryLeaseStore } from './fakes.ts';

const LEASE = 15_000;
const RENEW = 10_000;
const RETRY = 2_000;

function world() {
  const clock = new FakeClock();
  const store = new MemoryLeaseStore(() => clock.now());
  const candidates = new Map<string, ReturnType<typeof candidate>>();
  function candidate(identity: string, extra: Partial<LeaderElectorOptions> = {}) {
    const client = store.client(identity);
    const log = { startedAt: undefined as number | undefined, stopped: [] as { reason: string; at: number }[] };
    const elector = new LeaderElector({
      store: client,
      identity,
      clock,
      random: () => 0,
      onStartedLeading: () => (log.startedAt = clock.now()),
      onStoppedLeading: (reason) => log.stopped.push({ reason, at: clock.now() }),
      ...extra,
    });
    const ctl = new AbortController();
    const done = elector.run(ctl.signal);
    const c = { elector, client, log, ctl, done };
    candidates.set(identity, c);
    return c;
  }
  return { clock, store, candidate };
}

describe('LeaderElector', () => {
  it('lets only one of two candidates lead', async () => {
    const { clock, store, candidate } = world();
    const a = candidate('a');
    const b = candidate('b');
    for (let t = 0; t < 60_000; t += 500) {
      await clock.advance(500);
      expect(Number(a.elector.isLeader()) + Number(b.elector.isLeader())).toBe(1);
    }
    expect(store.record?.holderIdentity).toBe('a');
    expect(store.record?.leaseTransitions).toBe(0);
    expect(b.elector.leader()).toBe('a');
    a.ctl.abort();
    b.ctl.abort();
  });

  it('a standby takes over once the lease expires, measured from when it last saw a change', async () => {
    const { clock, store, candidate } = world();
    const a = candidate('a');
    await clock.advance(1);
    const b = candidate('b');
    await clock.advance(20_000);
    expect(a.elector.isLeader()).toBe(true);
    // The leader vanishes without releasing (crash, partition): its renewals stop.
    a.client.hanging = true;
    const lastRenewAt = store.writes.at(-1)!.at;
    await clock.advance(60_000);
    expect(b.elector.isLeader()).toBe(true);
    const takeoverAt = b.log.startedAt!;
    // b's view of the lease starts at its first poll after the last renewal (≤ retryPeriod later).
    const seenAt = lastRenewAt + ((RETRY - ((lastRenewAt - 1) % RETRY)) % RETRY);
    expect(takeoverAt).toBeGreaterThanOrEqual(seenAt + LEASE);
    expect(takeoverAt - seenAt).toBeLessThanOrEqual(LEASE + RETRY);
    expect(store.record?.holderIdentity).toBe('b');
    expect(store.record?.leaseTransitions).toBe(1);
    // The old leader stepped down long before b took over.
    expect(a.log.stopped[0]!.at).toBeLessThanOrEqual(lastRenewAt + RENEW);
    b.ctl.abort();
  });

  it('a leader whose renewals fail stops leading within renewDeadline', async () => {
    const { clock, store, candidate } = world();
    const a = candidate('a');
    await clock.advance(10_000);
    expect(a.elector.isLeader()).toBe(true);
    const signal = a.elector.leadingSignal;
    a.client.failing = true;
    const lastRenewAt = store.writes.at(-1)!.at;
    await clock.advance(RENEW + RETRY);
    expect(a.elector.isLeader()).toBe(false);
    expect(signal.aborted).toBe(true);
    expect(a.log.stopped).toEqual([{ reason: 'lost', at: lastRenewAt + RENEW }]);
    await a.done;
  });

  it('steps down at the deadline even while a renewal hangs', async () => {
    const { clock, store, candidate } = world();
    const a = candidate('a');
    await clock.advance(4_000);
    a.client.hanging = true;
    const lastRenewAt = store.writes.at(-1)!.at;
    await clock.advance(RENEW);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.log.stopped[0]).toEqual({ reason: 'lost', at: lastRenewAt + RENEW });
  });

  it('release hands over at once: empty holder, 1 s lease, successor in at its next poll', async () => {
    const { clock, store, candidate } = world();
    const a = candidate('a');
    await clock.advance(1);
    const b = candidate('b');
    await clock.advance(10_000);
    expect(await a.elector.release()).toBe(true);
    expect(store.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(a.log.stopped[0]?.reason).toBe('stopped');
    const releasedAt = clock.now();
    await clock.advance(RETRY);
    expect(b.elector.isLeader()).toBe(true);
    expect(b.log.startedAt! - releasedAt).toBeLessThanOrEqual(RETRY);
    expect(store.record?.leaseTransitions).toBe(1);
    b.ctl.abort();
  });

  it('writes times as RFC 3339 MicroTime with six fraction digits', async () => {
    expect(formatMicroTime(Date.UTC(2026, 0, 1))).toBe('2026-01-01T00:00:00.000000Z');
    expect(formatMicroTime(Date.UTC(2026, 0, 1, 12, 30, 5, 278))).toBe('2026-01-01T12:30:05.278000Z');
    const { clock, store, candidate } = world();
    candidate('a');
    await clock.advance(1);
    expect(store.record?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(store.record?.acquireTime).toMatch(/\.\d{6}Z$/);
    expect(store.record?.leaseDurationSeconds).toBe(15);
  });

  it('rejects timings client-go would reject', () => {
    const store = new MemoryLeaseStore(() => 0).client('x');
    expect(() => new LeaderElector({ store, identity: 'x', leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(
      RangeError,
    );
    expect(() => new LeaderElector({ store, identity: 'x', renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow(
      RangeError,
    );
    expect(() => new LeaderElector({ store, identity: '' })).toThrow(RangeError);
  });
});
