// Every way a pass can fail, on the in-memory ports: what the object then says, what a person sees,
// and how soon the key comes back. Failures never create twice, never hide, and never flap a
// settled object's status.
import { describe, expect, it } from '@jest/globals';
import { AwsError, BudgetWait, CredentialsError, RoleNotAllowedError } from '../../../src/kind/errors.ts';
import { object } from './fixtures.ts';
import { setup } from './memory-ports.ts';

const aws = (kind: ConstructorParameters<typeof AwsError>[0], operation: string, extra = {}) =>
  new AwsError(kind, `${operation}: ${kind}`, { operation, ...extra });
/** A known wait: returned, never thrown, and leaving the work queue's error backoff as it stands. */
const heldUpFor = (ms: number) => ({ requeueAfterMs: ms, unfinished: true });

describe('AWS refusals that retrying will not fix', () => {
  it('a refused create clears its marker, reports Stalled with the request id, warns, and comes back slowly', async () => {
    const t = setup();
    t.gateway.fail.CreateIntegration = () =>
      new AwsError('QuotaExceeded', 'CreateIntegration: Maximum number of Integrations for this API has been reached', {
        operation: 'CreateIntegration',
        httpStatus: 429,
        requestId: 'req-1',
      });
    const r = await t.run();
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'QuotaExceeded' });
    expect(t.condition('Stalled')).toMatchObject({ status: 'True' });
    expect(t.condition('Stalled')?.message).toMatch(/has been reached \(request id req-1\)$/);
    expect(t.annotation('create-pending')).toBeUndefined();
    expect(r.requeueAfterMs).toBe(600_000);
    expect(t.events).toEqual(['Warning:AwsRejected']);
  });

  it('comes back after the configured wait, since an IAM fix does not change the object', async () => {
    const t = setup(object({ finalizers: [] }), { rejectedRetryMs: 60_000 });
    t.gateway.fail.CreateIntegration = () => aws('AccessDenied', 'CreateIntegration', { httpStatus: 403 });
    expect(await t.run()).toEqual({ requeueAfterMs: 60_000 });
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'AwsAccessDenied' });
  });

  it('a refusal whose status cannot be written goes back to the queue instead of waiting ten minutes', async () => {
    const t = setup();
    t.gateway.fail.CreateIntegration = () => aws('Rejected', 'CreateIntegration', { httpStatus: 400 });
    t.store.fail.status = () => new Error('etcd unavailable');
    expect((await t.failure())?.message).toBe('etcd unavailable');
  });

  it('a role the namespace does not allow stalls the object before any AWS call', async () => {
    const err = new RoleNotAllowedError('arn:aws:iam::1:role/r', 'team-a');
    const t = setup(object({ finalizers: [] }), {
      policy: {
        roleFor: async () => {
          throw err;
        },
      },
    });
    expect(await t.run()).toEqual({ requeueAfterMs: 600_000 });
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'RoleNotAllowed', message: err.message });
    expect(t.gateway.calls).toEqual([]);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });
});

describe('credentials that do not work', () => {
  const noCredentials = () =>
    new CredentialsError(undefined, "the operator's AWS credentials do not work: Could not load credentials");

  it('stall the object at once as AwsCredentials, clear the create marker, and look again on a backoff to minutes', async () => {
    const t = setup();
    t.gateway.fail.CreateIntegration = noCredentials;
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 8; i++) delays.push((await t.run()).requeueAfterMs);
    // 5 s doubling to 5 min, each jittered within its upper half (random 0.5 here).
    expect(delays).toEqual([3750, 7500, 15_000, 30_000, 60_000, 120_000, 225_000, 225_000]);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'AwsCredentials' });
    expect(t.condition('Stalled')).toMatchObject({
      status: 'True',
      reason: 'AwsCredentials',
      message: noCredentials().message,
    });
    expect(t.condition('Reconciling')).toMatchObject({ status: 'False' });
    expect(t.annotation('create-pending')).toBeUndefined();
    expect(t.events).toEqual([]);
  });

  it('recover by themselves once credentials work, and the backoff starts over', async () => {
    const t = setup();
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    // A settled object says so too: credentials that stop working are not a passing blip.
    t.gateway.fail.GetIntegration = noCredentials;
    for (let i = 0; i < 3; i++) await t.run();
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'AwsCredentials' });
    delete t.gateway.fail.GetIntegration;
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(t.condition('Stalled')).toMatchObject({ status: 'False' });
    expect(t.gateway.count('CreateIntegration')).toBe(1);
    t.gateway.fail.GetIntegration = noCredentials;
    expect(await t.run()).toEqual({ requeueAfterMs: 3750 });
  });
});

describe('failures worth retrying', () => {
  it('a create with no answer keeps its marker and does not create again until a listing has had time to show it', async () => {
    const t = setup();
    t.gateway.fail.CreateIntegration = () => aws('Transient', 'CreateIntegration');
    expect(await t.failure()).toBeInstanceOf(AwsError);
    expect(t.annotation('create-pending')).toMatch(/^us-east-1\/api1@\d+$/);
    delete t.gateway.fail.CreateIntegration;
    const r = await t.run();
    expect(t.gateway.count('CreateIntegration')).toBe(1);
    expect(t.ready()).toMatchObject({ reason: 'CreateInDoubt' });
    expect(r.requeueAfterMs).toBe(30_000);
    await t.clock.advance(30_000);
    await t.run();
    expect(t.gateway.count('CreateIntegration')).toBe(2);
    expect(t.ready()).toMatchObject({ status: 'True' });
  });

  it('a new generation that fails says why it is not applied yet', async () => {
    const t = setup();
    await t.run();
    t.store.edit({ timeoutInMillis: 5000 });
    t.gateway.fail.UpdateIntegration = () => aws('Transient', 'UpdateIntegration');
    expect(await t.failure()).toBeInstanceOf(AwsError);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'AwsUnavailable', observedGeneration: 2 });
    expect(t.condition('Reconciling')).toMatchObject({ status: 'True', reason: 'AwsUnavailable' });
  });

  it('a settled object keeps its status through a transient failure instead of flapping', async () => {
    const t = setup();
    await t.run();
    t.gateway.fail.GetIntegration = () => aws('Throttled', 'GetIntegration', { httpStatus: 429 });
    t.store.writes = [];
    expect(await t.failure()).toBeInstanceOf(AwsError);
    expect(t.store.writes).toEqual([]);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
  });

  it('the AWS error, not a failed status write, is what the queue sees', async () => {
    const t = setup();
    t.gateway.fail.CreateIntegration = () => aws('Transient', 'CreateIntegration');
    t.store.fail.status = () => new Error('etcd unavailable');
    expect((await t.failure())?.message).toBe('CreateIntegration: Transient');
  });

  it('a concurrent modification backs off exponentially with jitter, and success resets it', async () => {
    const t = setup();
    t.gateway.fail.CreateIntegration = () => aws('Conflict', 'CreateIntegration', { httpStatus: 409 });
    const waits = [];
    for (let i = 0; i < 4; i++) waits.push(await t.run());
    expect(waits).toEqual([750, 1500, 3000, 6000].map((ms) => heldUpFor(ms)));
    // A refused create made nothing: its marker is gone, so the next try need not wait to look for it.
    expect(t.annotation('create-pending')).toBeUndefined();
    delete t.gateway.fail.CreateIntegration;
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True' });
    t.gateway.fail.UpdateIntegration = () => aws('Conflict', 'UpdateIntegration', { httpStatus: 409 });
    t.store.edit({ timeoutInMillis: 5000 });
    expect(await t.run()).toEqual(heldUpFor(750));
  });

  it('a concurrent-modification backoff stops growing at a minute', async () => {
    const t = setup();
    t.gateway.fail.CreateIntegration = () => aws('Conflict', 'CreateIntegration', { httpStatus: 409 });
    let last = {};
    for (let i = 0; i < 10; i++) last = await t.run();
    expect(last).toEqual(heldUpFor(45_000));
  });

  it('a stale view of the object is retried quickly, without AWS writes', async () => {
    const t = setup(object({ finalizers: [] }));
    const stale = t.store.obj;
    await t.store.patchMetadata(stale, { annotations: { touched: 'yes' } });
    const s = setup(stale, { store: t.store, gateway: t.gateway, get: () => stale });
    expect(await s.run()).toEqual(heldUpFor(200));
    expect(t.gateway.calls).toEqual([]);
  });

  it('an AWS budget wait is not an error the user sees: nothing is written', async () => {
    const t = setup();
    t.gateway.fail.CreateIntegration = () => new BudgetWait('default/us-east-1', 400);
    expect(await t.run()).toEqual(heldUpFor(400));
    expect(t.store.obj.status?.conditions).toBeUndefined();
  });

  it('a failure outside AWS goes back to the queue as it is, and the object says nothing', async () => {
    const t = setup();
    const down = new Error('connect ECONNREFUSED 10.0.0.1:443');
    t.store.fail.metadata = () => down;
    expect(await t.failure()).toBe(down);
    expect(t.gateway.calls).toEqual([]);
    expect(t.store.obj.status).toBeUndefined();
  });

  it('recording a made integration is retried on the spot, so a blip never leads to a second create', async () => {
    const t = setup();
    let writes = 0;
    t.store.fail.metadata = () => (++writes === 2 ? new Error('etcd leader changed') : undefined);
    await t.run();
    expect(t.gateway.count('CreateIntegration')).toBe(1);
    expect(t.annotation('integration-id')).toBe('i1');
    expect(t.ready()).toMatchObject({ status: 'True' });
  });
});

describe('failures while deleting', () => {
  it('a delete that fails keeps the finalizer and writes no status; the next pass finishes', async () => {
    const t = setup();
    await t.run();
    t.store.delete();
    t.gateway.fail.DeleteIntegration = () => aws('Transient', 'DeleteIntegration');
    t.store.writes = [];
    expect(await t.failure()).toBeInstanceOf(AwsError);
    expect(t.store.writes).toEqual([]);
    expect(t.store.obj.metadata.finalizers).toHaveLength(1);
    delete t.gateway.fail.DeleteIntegration;
    await t.run();
    expect(t.gateway.items.size).toBe(0);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });

  it.each([
    ['already gone', aws('Transient', 'UpdateIntegration', { httpStatus: 404 })],
    ['refused for good', aws('AccessDenied', 'UpdateIntegration', { httpStatus: 403 })],
  ])('Retain lets the object go even when the integration is %s', async (_what, err) => {
    const t = setup(object({ finalizers: [], spec: { deletionPolicy: 'Retain' } }));
    await t.run();
    t.store.delete();
    t.gateway.fail.UpdateIntegration = () => err;
    expect(await t.run()).toEqual({});
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });

  it('Retain keeps the object while stripping the marker fails for a passing reason', async () => {
    const t = setup(object({ finalizers: [], spec: { deletionPolicy: 'Retain' } }));
    await t.run();
    t.store.delete();
    t.gateway.fail.UpdateIntegration = () => aws('Transient', 'UpdateIntegration', { httpStatus: 503 });
    expect(await t.failure()).toBeInstanceOf(AwsError);
    expect(t.store.obj.metadata.finalizers).toHaveLength(1);
  });
});
