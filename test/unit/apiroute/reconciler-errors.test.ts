// Every way an ApiRoute pass can fail, on the in-memory ports: what the object then says, what a
// person sees, and how soon the key comes back. Failures never create twice, never hide, and never
// flap a settled object's status.
import { describe, expect, it } from '@jest/globals';
import { AwsError, BudgetWait, CredentialsError, RoleNotAllowedError } from '../../../src/kind/errors.ts';
import { RouteKeyExistsError, routeReasonOf } from '../../../src/apiroute/errors.ts';
import { ConflictError } from '../../../src/runtime/ports.ts';
import { pendingFor, routeObject } from './fixtures.ts';
import { setup } from './memory-ports.ts';

const aws = (kind: ConstructorParameters<typeof AwsError>[0], operation: string, extra = {}) =>
  new AwsError(kind, `${operation}: ${kind}`, { operation, ...extra });
/** A known wait: returned, never thrown, and leaving the work queue's error backoff as it stands. */
const heldUpFor = (ms: number) => ({ requeueAfterMs: ms, unfinished: true });

describe('AWS refusals that retrying will not fix', () => {
  it('a refused create clears its marker, stalls with the request id, warns, and comes back slowly', async () => {
    const t = setup();
    t.gateway.fail.CreateRoute = () => aws('Rejected', 'CreateRoute', { httpStatus: 400, requestId: 'req-1' });
    expect(await t.run()).toEqual({ requeueAfterMs: 600_000 });
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'AwsRejected' });
    expect(t.condition('Stalled')?.message).toBe('CreateRoute: Rejected (request id req-1)');
    expect(t.ready()).toMatchObject({ status: 'False' });
    expect(t.annotation('create-pending')).toBeUndefined();
    expect(t.events).toEqual(['Warning:AwsRejected']);
  });

  it('comes back after the configured wait, since an IAM fix does not change the object', async () => {
    const t = setup(routeObject({ finalizers: [] }), { rejectedRetryMs: 60_000 });
    t.gateway.fail.CreateRoute = () => aws('AccessDenied', 'CreateRoute', { httpStatus: 403 });
    expect(await t.run()).toEqual({ requeueAfterMs: 60_000 });
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'AwsAccessDenied' });
  });

  it('a refusal of a create sent while an earlier one is in doubt keeps the marker: that one may land yet', async () => {
    const t = setup(routeObject({ annotations: pendingFor() }));
    t.gateway.fail.CreateRoute = () => aws('QuotaExceeded', 'CreateRoute', { httpStatus: 429 });
    await t.run();
    expect(t.condition('Stalled')).toMatchObject({ reason: 'QuotaExceeded' });
    expect(t.annotation('create-pending')).toBeDefined();
  });

  it('a refusal whose status cannot be written goes back to the queue instead of waiting ten minutes', async () => {
    const t = setup();
    t.gateway.fail.CreateRoute = () => aws('Rejected', 'CreateRoute', { httpStatus: 400 });
    t.store.fail.status = () => new Error('etcd unavailable');
    expect((await t.failure())?.message).toBe('etcd unavailable');
  });

  it('a role the namespace does not allow stalls the object before any AWS call', async () => {
    const err = new RoleNotAllowedError('arn:aws:iam::1:role/r', 'team-a');
    const roleFor = async () => {
      throw err;
    };
    const t = setup(routeObject({ finalizers: [] }), { policy: { roleFor } });
    expect(await t.run()).toEqual({ requeueAfterMs: 600_000 });
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'RoleNotAllowed', message: err.message });
    expect(t.gateway.calls).toEqual([]);
  });
});

describe('credentials that do not work', () => {
  const roleRefused = () =>
    new CredentialsError('arn:aws:iam::1:role/r', 'cannot use role arn:aws:iam::1:role/r: AssumeRole: AccessDenied');

  it('stall the route at once as AwsCredentials, clear the create marker, and look again on a backoff to minutes', async () => {
    const t = setup();
    t.gateway.fail.CreateRoute = roleRefused;
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 8; i++) delays.push((await t.run()).requeueAfterMs);
    expect(delays).toEqual([3750, 7500, 15_000, 30_000, 60_000, 120_000, 225_000, 225_000]);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'AwsCredentials' });
    expect(t.condition('Stalled')).toMatchObject({
      status: 'True',
      reason: 'AwsCredentials',
      message: roleRefused().message,
    });
    expect(t.annotation('create-pending')).toBeUndefined();
  });

  it('recover by themselves once credentials work', async () => {
    const t = setup();
    t.gateway.fail.CreateRoute = roleRefused;
    await t.run();
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'AwsCredentials' });
    delete t.gateway.fail.CreateRoute;
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(t.condition('Stalled')).toMatchObject({ status: 'False' });
  });
});

describe('failures worth retrying', () => {
  it('a create with no answer keeps its marker and says why the new generation is not applied yet', async () => {
    const t = setup();
    t.gateway.fail.CreateRoute = () => aws('Transient', 'CreateRoute');
    expect(await t.failure()).toBeInstanceOf(AwsError);
    expect(t.annotation('create-pending')).toBeDefined();
    expect(t.condition('Reconciling')).toMatchObject({ status: 'True', reason: 'AwsUnavailable' });
    expect(t.events).toEqual([]);
  });

  it('a throttled create created nothing: the marker goes and the work queue backs off', async () => {
    const t = setup();
    t.gateway.fail.CreateRoute = () => aws('Throttled', 'CreateRoute', { httpStatus: 429 });
    expect(await t.failure()).toBeInstanceOf(AwsError);
    expect(t.annotation('create-pending')).toBeUndefined();
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'AwsThrottled' });
  });

  it('a settled object keeps its status through a transient failure', async () => {
    const t = setup();
    await t.run();
    const before = t.store.obj.status;
    t.gateway.fail.GetRoute = () => aws('Transient', 'GetRoute');
    expect(await t.failure()).toBeInstanceOf(AwsError);
    expect(t.store.obj.status).toBe(before);
  });

  it('a status that cannot be written does not hide the failure itself', async () => {
    const t = setup();
    t.gateway.fail.CreateRoute = () => aws('Transient', 'CreateRoute');
    t.store.fail.status = () => new Error('etcd unavailable');
    expect((await t.failure())?.message).toBe('CreateRoute: Transient');
  });

  it('our own call budget is no failure: nothing is said, the pass returns the wait for its next token', async () => {
    const t = setup();
    t.gateway.fail.CreateRoute = () => new BudgetWait('us-east-1', 700);
    expect(await t.run()).toEqual(heldUpFor(700));
    expect(t.store.obj.status).toBeUndefined();
  });

  it('a concurrent modification comes back later each time it repeats, and starts over after a success', async () => {
    const t = setup();
    await t.run();
    t.store.edit({ authorizationType: 'AWS_IAM' });
    t.gateway.fail.UpdateRoute = () => aws('Conflict', 'UpdateRoute', { httpStatus: 409 });
    const waits = [];
    for (let i = 0; i < 3; i++) waits.push(await t.run());
    expect(waits).toEqual([750, 1500, 3000].map((ms) => heldUpFor(ms)));
    expect(t.ready()).toMatchObject({ reason: 'ConcurrentModification' });
    delete t.gateway.fail.UpdateRoute;
    await t.run();
    t.store.edit({ authorizationType: 'NONE' });
    t.gateway.fail.UpdateRoute = () => aws('Conflict', 'UpdateRoute', { httpStatus: 409 });
    expect(await t.run()).toEqual(heldUpFor(750));
  });

  it('a stale copy of the object comes back shortly, without a status', async () => {
    const t = setup();
    t.store.fail.metadata = () => new ConflictError();
    expect(await t.run()).toEqual(heldUpFor(200));
    expect(t.gateway.count('CreateRoute')).toBe(0);
    expect(t.store.obj.status).toBeUndefined();
  });

  it('anything else goes back to the work queue as it is', async () => {
    const t = setup();
    t.gateway.fail.CreateRoute = () => new TypeError('boom');
    expect((await t.failure())?.message).toBe('boom');
    expect(t.store.obj.status).toBeUndefined();
  });

  it('a failed delete leaves the finalizer and writes no status on the object going away', async () => {
    const t = setup();
    await t.run();
    t.store.delete();
    const status = t.store.obj.status;
    t.gateway.fail.DeleteRoute = () => aws('Throttled', 'DeleteRoute', { httpStatus: 429 });
    expect(await t.failure()).toBeInstanceOf(AwsError);
    expect(t.store.obj.metadata.finalizers).toEqual(['apigw.dev/finalizer']);
    expect(t.store.obj.status).toBe(status);
  });
});

describe('the route error', () => {
  it('a taken key is a refusal that names the key; every AWS failure has a route reason', () => {
    const err = new RouteKeyExistsError('GET /x', 'Route with key GET /x already exists for this API', {
      operation: 'CreateRoute',
    });
    expect(err).toMatchObject({ name: 'RouteKeyExistsError', routeKey: 'GET /x', terminal: true });
    expect(routeReasonOf(aws('InUse', 'DeleteRoute'))).toBe('AwsRejected');
    expect(routeReasonOf(aws('Throttled', 'GetRoute'))).toBe('AwsThrottled');
  });
});
