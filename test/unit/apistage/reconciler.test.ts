// The ApiStage reconciler shell on in-memory ports and a fake clock: create, deploy once the API has
// settled, no call when nothing changed, one deployment per settled change, a lost CreateDeployment
// answer found by listing instead of deploying twice, out-of-band deployments, settings repairs,
// adoption, restarts, and deletion with Delete and Retain.
import { describe, expect, it } from '@jest/globals';
import { FINALIZER } from '../../../src/api/v1alpha1/group.ts';
import { deploymentDescription } from '../../../src/apistage/recorded.ts';
import { PLACE, integrationOn, observedStage, recordedStage, routeOn, stageObject } from './fixtures.ts';
import { setup } from './memory-ports.ts';

/** A stage created and deployed by a first pass, with the calls and events of that pass forgotten. */
async function deployed(obj = stageObject({ finalizers: [] })) {
  const t = setup(obj);
  await t.run();
  expect(t.gateway.count('CreateDeployment')).toBe(1);
  t.reset();
  return t;
}

describe('a new ApiStage on an API whose objects have settled', () => {
  it('creates the stage and deploys the API to it once, and is Ready when the stage serves it', async () => {
    const t = setup();
    const r = await t.run();
    expect(t.gateway.calls).toEqual(['GetStage', 'CreateStage', 'GetStage', 'GetDeployments', 'CreateDeployment']);
    const status = t.store.obj.status!;
    expect(t.gateway.stage(PLACE)).toMatchObject({ stageName: 'prod', deploymentId: 'd1' });
    expect(t.gateway.deployments.get('api1')).toEqual([
      {
        deploymentId: 'd1',
        createdDate: t.clock.now(),
        description: deploymentDescription(status.deployedRevision!, 'prod'),
      },
    ]);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Served' });
    expect(t.condition('Reconciling')).toMatchObject({ status: 'False' });
    expect(status).toMatchObject({
      observedGeneration: 1,
      apiId: 'api1',
      region: 'us-east-1',
      stageName: 'prod',
      deploymentId: 'd1',
      deployedRevision: expect.stringMatching(/^[0-9a-f]{16}$/),
      lastDeployedAt: '2026-01-01T00:10:00.000Z',
      deletionPolicy: 'Delete',
      observed: { protocolType: 'HTTP', autoDeploy: false },
    });
    expect(status.waitingOn).toBeUndefined();
    expect(t.store.obj.metadata.finalizers).toEqual([FINALIZER]);
    expect(t.annotation('stage-name')).toBe('prod');
    expect(t.annotation('location')).toBe('us-east-1/api1');
    expect(t.annotation('create-pending')).toBeUndefined();
    expect(t.annotation('deploy-pending')).toBeUndefined();
    expect(t.events).toEqual(['Normal:Created', 'Normal:Deployed']);
    expect(t.messages[1]).toBe(`deployed revision ${status.deployedRevision} to stage prod (d1)`);
    // The drift check comes at the API's slot.
    expect(r.requeueAfterMs).toBeGreaterThan(150_000);
    expect(r.requeueAfterMs).toBeLessThanOrEqual(450_000);
  });

  it('a second pass reads the stage and does nothing else', async () => {
    const t = await deployed();
    await t.run();
    expect(t.gateway.calls).toEqual(['GetStage']);
    expect(t.store.writes).toEqual([]);
    expect(t.events).toEqual([]);
  });

  it('makes exactly one more deployment once an object’s new generation is Ready, none while it is not', async () => {
    const t = await deployed();
    const before = t.store.obj.status!.deployedRevision;
    t.routes.set('get-items', routeOn('get-items', 'pending', 2));
    expect(await t.run()).toEqual({ requeueAfterMs: 60_000 });
    expect(t.gateway.writes()).toEqual([]);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'AwaitingSettle' });
    expect(t.store.obj.status!.waitingOn).toEqual([
      { kind: 'ApiRoute', namespace: 'team-a', name: 'get-items', reason: 'Reconciling' },
    ]);

    t.routes.set('get-items', routeOn('get-items', 'ready', 2));
    await t.run();
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateDeployment']);
    expect(t.gateway.stage(PLACE).deploymentId).toBe('d2');
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Served' });
    expect(t.store.obj.status).toMatchObject({ deploymentId: 'd2' });
    expect(t.store.obj.status!.deployedRevision).not.toBe(before);
    expect(t.store.obj.status!.waitingOn).toBeUndefined();
  });

  it('deploys a removed object’s absence too', async () => {
    const t = await deployed();
    t.integrations.delete('items');
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateDeployment']);
  });

  it('deploys routes made outside the operator, though no ApiRoute is Ready', async () => {
    const t = await deployed();
    t.routes.delete('get-items');
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateDeployment']);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Served' });
  });

  it('says the last route cannot be deployed away: AWS refuses to deploy an API without routes', async () => {
    const t = await deployed();
    t.routes.delete('get-items');
    t.gateway.routeCount.set('api1', 0);
    await t.run();
    expect(t.gateway.writes()).toEqual([]);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'NothingToDeploy' });
    expect(t.ready()?.message).toContain('delete the stage to stop serving');
  });

  it('waits for the API to settle before the first deployment, with the stage already made', async () => {
    const t = setup();
    t.integrations.set('orders', integrationOn('orders', 'pending'));
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateStage']);
    expect(t.ready()).toMatchObject({ reason: 'AwaitingSettle' });
  });
});

describe('a CreateDeployment whose answer was lost', () => {
  it('is found by listing on the next pass and recorded, never made twice', async () => {
    const t = setup();
    t.gateway.loseDeploy = true;
    expect((await t.failure())?.message).toBe('CreateDeployment: socket hang up');
    expect(t.annotation('deploy-pending')).toMatch(/^[0-9a-f]{16}@\d+$/);
    // AWS made it and the stage serves it; the operator does not know yet.
    expect(t.gateway.stage(PLACE).deploymentId).toBe('d1');
    expect(t.store.obj.status?.deploymentId).toBeUndefined();

    t.reset();
    await t.clock.advance(1000);
    await t.run();
    expect(t.gateway.calls).toEqual(['GetStage', 'GetDeployments']);
    expect(t.gateway.count('CreateDeployment')).toBe(0);
    expect(t.gateway.deployments.get('api1')).toHaveLength(1);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Served' });
    expect(t.store.obj.status).toMatchObject({ deploymentId: 'd1', lastDeployedAt: '2026-01-01T00:10:00.000Z' });
    expect(t.annotation('deploy-pending')).toBeUndefined();

    t.reset();
    await t.run();
    expect(t.gateway.calls).toEqual(['GetStage']);
  });

  it('one that never landed is waited for, then made once its settle window has passed', async () => {
    const t = setup();
    t.gateway.loseDeploy = true;
    await t.failure();
    // It never happened after all.
    t.gateway.deployments.clear();
    t.gateway.put('api1', { ...t.gateway.stage(PLACE), deploymentId: undefined });
    t.reset();
    const r = await t.run();
    expect(t.gateway.writes()).toEqual([]);
    expect(t.ready()).toMatchObject({ reason: 'DeployInDoubt' });
    expect(r.requeueAfterMs).toBe(30_000);
    await t.clock.advance(30_000);
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateDeployment']);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Served' });
  });
});

describe('what others do to the stage', () => {
  it('records a deployment made out of band with one Warning, and does not undo it', async () => {
    const t = await deployed();
    const byHand = t.gateway.deploy('api1', 'hotfix');
    t.gateway.put('api1', { ...t.gateway.stage(PLACE), deploymentId: byHand.deploymentId });
    await t.run();
    await t.run();
    expect(t.gateway.writes()).toEqual([]);
    expect(t.events).toEqual(['Warning:DeployedOutOfBand']);
    expect(t.store.obj.status).toMatchObject({ deploymentId: 'd2' });
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Served' });
  });

  it('repairs settings changed by hand, removals included, without deploying', async () => {
    const t = await deployed(stageObject({ finalizers: [], spec: { stageVariables: { a: '1' } } }));
    t.gateway.put('api1', {
      ...t.gateway.stage(PLACE),
      stageVariables: { a: '2', b: 'x' },
      routeSettings: { 'GET /get-items': { throttlingRateLimit: 1 } },
    });
    await t.run();
    expect(t.gateway.writes()).toEqual(['UpdateStage', 'DeleteRouteSettings']);
    expect(t.gateway.stage(PLACE)).toMatchObject({ stageVariables: { a: '1' }, routeSettings: {}, deploymentId: 'd1' });
    expect(t.events).toEqual(['Warning:DriftCorrected']);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Served' });
  });

  it('recreates a stage deleted outside the operator and deploys the API to it again', async () => {
    const t = await deployed();
    t.gateway.stages.clear();
    await t.clock.advance(3_600_000);
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateStage', 'CreateDeployment']);
    expect(t.gateway.stage(PLACE).deploymentId).toBe('d2');
    expect(t.events).toEqual(['Normal:Recreated', 'Normal:Deployed']);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Served' });
  });
});

describe('deployment policies', () => {
  it('Manual: deploys nothing until asked, then once per request', async () => {
    const t = setup(stageObject({ finalizers: [], spec: { deploymentPolicy: 'Manual' } }));
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateStage']);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(t.ready()!.message).toMatch(/not deployed yet/);

    t.store.annotate({ 'apigw.dev/deploy-requested-at': '2026-01-01T00:11:00Z' });
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateStage', 'CreateDeployment']);
    expect(t.store.obj.status).toMatchObject({ deploymentId: 'd1', lastHandledDeployAt: '2026-01-01T00:11:00Z' });
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Served' });
    // Handled: later passes neither deploy again nor rewrite the status.
    t.reset();
    await t.run();
    expect(t.gateway.writes()).toEqual([]);
    expect(t.store.writes).toEqual([]);
  });

  it('autoDeploy: never deploys itself, and is served once AWS shows its own deployment', async () => {
    const t = setup(stageObject({ finalizers: [], spec: { autoDeploy: true } }));
    expect(await t.run()).toEqual({ requeueAfterMs: 5000 });
    expect(t.gateway.stage(PLACE).autoDeploy).toBe(true);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'AwaitingAutoDeploy' });
    const byAws = t.gateway.deploy('api1', 'Automatic deployment triggered by changes to the Api configuration');
    t.gateway.put('api1', { ...t.gateway.stage(PLACE), deploymentId: byAws.deploymentId });
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Served' });
    expect(t.store.obj.status).toMatchObject({ deploymentId: 'd1' });
    expect(t.gateway.count('CreateDeployment')).toBe(0);
  });
});

describe('adoption and restarts', () => {
  it('adopts an existing stage with spec.adopt and deploys the API to it once', async () => {
    const t = setup(stageObject({ finalizers: [], spec: { adopt: true } }));
    t.gateway.put('api1', observedStage({ deploymentId: t.gateway.deploy('api1', 'old').deploymentId }));
    await t.run();
    expect(t.gateway.writes()).toEqual(['CreateDeployment']);
    expect(t.events).toEqual(['Normal:Adopted', 'Normal:Deployed']);
    expect(t.store.obj.status).toMatchObject({ deploymentId: 'd2', deletionPolicy: 'Retain' });
  });

  it('leaves a stage it did not make alone without spec.adopt', async () => {
    const t = setup();
    t.gateway.put('api1', observedStage({ description: 'by hand' }));
    await t.run();
    expect(t.gateway.writes()).toEqual([]);
    expect(t.condition('Stalled')).toMatchObject({ status: 'True', reason: 'StageNameTaken' });
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });

  it('a status lost in a restore makes no deployment: the stage serves one that names the revision', async () => {
    const t = await deployed();
    t.store.obj = { ...t.store.obj, status: { observedGeneration: 0 } };
    await t.run();
    expect(t.gateway.writes()).toEqual([]);
    expect(t.store.obj.status).toMatchObject({ deploymentId: 'd1', stageName: 'prod' });
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Served' });
  });
});

describe('deleting', () => {
  it('deletes the stage and lets the object go', async () => {
    const t = await deployed();
    t.store.delete();
    expect(await t.run()).toEqual({});
    expect(t.gateway.calls).toEqual(['DeleteStage']);
    expect(t.gateway.stages.size).toBe(0);
    expect(t.store.obj.metadata.finalizers).toEqual([]);
    expect(t.events).toEqual(['Normal:Deleted']);
  });

  it('with Retain, keeps the stage serving what it served', async () => {
    const t = await deployed(stageObject({ finalizers: [], spec: { deletionPolicy: 'Retain' } }));
    t.store.delete();
    await t.run();
    expect(t.gateway.calls).toEqual([]);
    expect(t.gateway.stage(PLACE).deploymentId).toBe('d1');
    expect(t.store.obj.metadata.finalizers).toEqual([]);
  });

  it('never deletes on an API its namespace may not touch, whatever its annotations say, and says so', async () => {
    const allowedApis = async () => ({ any: false as const, ids: ['api1'], missing: false });
    const t = setup(stageObject({ annotations: recordedStage('api2') }), { tenancy: { allowedApis } });
    t.gateway.put('api2', observedStage());
    t.store.delete();
    await t.run();
    expect(t.gateway.calls).toEqual([]);
    expect(t.gateway.stage({ apiId: 'api2' })).toBeDefined();
    expect(t.store.obj.metadata.finalizers).toEqual([]);
    expect(t.events).toEqual(['Warning:ApiNotAllowed']);
  });

  it('an object that recorded a stage elsewhere in its annotations deletes only where it recorded it', async () => {
    const t = setup(stageObject({ annotations: recordedStage('api2') }));
    t.gateway.put('api2', observedStage());
    t.gateway.put('api1', observedStage());
    t.store.delete();
    await t.run();
    expect(t.gateway.calls).toEqual(['DeleteStage']);
    expect([...t.gateway.stages.keys()]).toEqual(['api1/prod']);
  });
});

describe('right after a start, while the caches are still listing', () => {
  it('decides nothing: no AWS call, no status write, and looks again a second later', async () => {
    const t = await deployed();
    t.caches.synced = false;
    // A half-listed cache would read as the route gone, or as a new revision to deploy.
    t.routes.clear();
    t.gateway.routeCount.set('api1', 0);
    expect(await t.run()).toEqual({ requeueAfterMs: 1000 });
    expect(t.gateway.calls).toEqual([]);
    expect(t.store.writes).toEqual([]);
    t.caches.synced = true;
    await t.run();
    expect(t.ready()).toMatchObject({ reason: 'NothingToDeploy' });
  });
});
