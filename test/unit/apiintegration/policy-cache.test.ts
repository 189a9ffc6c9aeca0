// The shared function policy reads: one GetPolicy per function, qualifier and role answers every
// object on it until the next drift check, a write drops it, a failure is not kept, and the
// operator's account is asked once.
import { describe, expect, it } from '@jest/globals';
import { SharedPolicies } from '../../../src/apiintegration/policy-cache.ts';
import type { FunctionAt, LambdaPolicies, PolicyRead } from '../../../src/apiintegration/permission-ports.ts';
import { FakeClock } from '../../../src/runtime/clock.ts';

const fn = {
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
  partition: 'aws',
  region: 'us-east-1',
  account: '123456789012',
};
const at: FunctionAt = { fn };

function counting(fail = false) {
  const calls: string[] = [];
  const inner: LambdaPolicies = {
    accountOf: async () => {
      calls.push('accountOf');
      if (fail) throw new Error('sts down');
      return '123456789012';
    },
    getPolicy: async (a): Promise<PolicyRead> => {
      calls.push(`get ${a.fn.qualifier ?? ''}`);
      if (fail) throw new Error('timeout');
      return { kind: 'policy', policy: undefined };
    },
    addPermission: async () => (calls.push('add'), 'done'),
    removePermission: async () => (calls.push('remove'), 'done'),
  };
  return { inner, calls };
}

describe('SharedPolicies', () => {
  it('shares one read per function and qualifier within the drift window', async () => {
    const clock = new FakeClock(0);
    const { inner, calls } = counting();
    const shared = new SharedPolicies(inner, { clock, ttlMs: 1000 });
    await Promise.all([
      shared.getPolicy(at),
      shared.getPolicy(at),
      shared.getPolicy({ fn: { ...fn, qualifier: 'live' } }),
    ]);
    expect(calls).toEqual(['get ', 'get live']);
    await shared.getPolicy(at, undefined, true);
    expect(calls).toHaveLength(3);
    await clock.advance(1000);
    await shared.getPolicy(at);
    expect(calls).toHaveLength(4);
  });
  it('drops the copy on a write, so the next decision reads what the write did', async () => {
    const { inner, calls } = counting();
    const shared = new SharedPolicies(inner, { clock: new FakeClock(0), ttlMs: 60_000 });
    await shared.getPolicy(at);
    await shared.addPermission(at, {} as never);
    await shared.getPolicy(at);
    expect(calls).toEqual(['get ', 'add', 'get ']);
  });
  it('keeps no failure, and asks for the account once', async () => {
    const failing = counting(true);
    const shared = new SharedPolicies(failing.inner, { clock: new FakeClock(0), ttlMs: 60_000 });
    await expect(shared.getPolicy(at)).rejects.toThrow('timeout');
    await expect(shared.getPolicy(at)).rejects.toThrow('timeout');
    await expect(shared.accountOf(undefined)).rejects.toThrow('sts down');
    await expect(shared.accountOf(undefined)).rejects.toThrow('sts down');
    expect(failing.calls).toEqual(['get ', 'get ', 'accountOf', 'accountOf']);
    const ok = counting();
    const good = new SharedPolicies(ok.inner, { clock: new FakeClock(0), ttlMs: 60_000 });
    expect(await good.accountOf(undefined)).toBe('123456789012');
    await good.accountOf(undefined);
    expect(ok.calls).toEqual(['accountOf']);
  });
});
