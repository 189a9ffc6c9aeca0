// The ApiStage decision tables: each row is one situation a user can be in, and the single next step
// the operator must take from it; first for the stage itself (decideStage), then for what it serves
// and when it deploys (decideServing).
import { describe, expect, it } from '@jest/globals';
import type { ApiStage } from '../../../src/api/v1alpha1/stage-types.ts';
import { decideServing } from '../../../src/apistage/decide-deploy.ts';
import { deploymentDescription } from '../../../src/apistage/recorded.ts';
import { decideStage } from '../../../src/apistage/decide.ts';
import type { StageObservation } from '../../../src/apistage/plan.ts';
import type { ObservedDeployment, ObservedStage } from '../../../src/apistage/ports.ts';
import type { Settlement } from '../../../src/apistage/revision.ts';
import {
  NOW,
  PLACE,
  conditionsAt,
  createPending,
  deployPending,
  deployment,
  observedStage,
  recordedStage,
  servingStatus,
  settlementWith,
  member,
  stageInput,
  stageObject,
} from './fixtures.ts';

const SETTLE_MS = 30_000;
const REV = settlementWith(member('a')).revision;
/** A stage that serves the API as it is, so only the stage's own settings are decided. */
const serving = (over: Parameters<typeof stageObject>[0] = {}) =>
  stageObject({ annotations: recordedStage(), status: servingStatus(REV), ...over });
const inSync = observedStage({ deploymentId: 'd1' });

describe('decideStage: a new object', () => {
  it('reads the stage before deciding anything', () => {
    const plan = decideStage(stageInput(stageObject({ finalizers: [] })));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.need).toEqual({ kind: 'stage', place: PLACE, stageName: 'prod' });
  });

  it('creates a stage that does not exist, with the finalizer in the same write, and decides what it serves next', () => {
    const obj = stageObject({ finalizers: [], spec: { description: 'prod', stageVariables: { a: 'b' } } });
    const plan = decideStage(stageInput(obj, { stage: null }));
    expect(plan.action).toEqual({
      type: 'Create',
      location: PLACE,
      stageName: 'prod',
      fields: { description: 'prod', autoDeploy: false, stageVariables: { a: 'b' }, routeSettings: {} },
      withFinalizer: true,
    });
    expect(plan.event).toMatchObject({ type: 'Normal', reason: 'Created' });
    expect(plan.continues).toBe(true);
  });

  it('refuses a name another stage holds, saying how to adopt it, and adds no finalizer', () => {
    const plan = decideStage(stageInput(stageObject({ finalizers: [] }), { stage: observedStage() }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'StageNameTaken' });
    expect(plan.outcome!.message).toContain('set spec.adopt: true');
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'StageNameTaken' });
  });

  it('adopts an existing stage with spec.adopt: the finalizer first, then the record', () => {
    const adopting = { spec: { adopt: true } };
    const first = decideStage(stageInput(stageObject({ ...adopting, finalizers: [] }), { stage: observedStage() }));
    expect(first.action).toEqual({ type: 'AddFinalizer' });
    const plan = decideStage(stageInput(stageObject(adopting), { stage: observedStage() }));
    expect(plan.action).toEqual({ type: 'Record', location: PLACE, stageName: 'prod' });
    expect(plan.event).toMatchObject({ type: 'Normal', reason: 'Adopted' });
    expect(plan.continues).toBe(true);
  });

  it('does not create a stage it was told to adopt', () => {
    const plan = decideStage(stageInput(stageObject({ spec: { adopt: true } }), { stage: null }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'AdoptionFailed' });
    expect(plan.outcome!.message).toContain('replace this ApiStage with one without spec.adopt');
  });

  it('refuses a stage made by quick create, adopt or not', () => {
    for (const adopt of [true, false]) {
      const obj = stageObject({ spec: { adopt } });
      const plan = decideStage(stageInput(obj, { stage: observedStage({ apiGatewayManaged: true }) }));
      expect(plan.action).toEqual({ type: 'None' });
      expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'AdoptionRefused' });
      expect(plan.outcome!.message).toContain('quick create');
    }
  });

  it('names the ApiStage that manages the stage, even with spec.adopt', () => {
    const input = { ...stageInput(stageObject({ spec: { adopt: true } }), { stage: observedStage() }) };
    const plan = decideStage({ ...input, claimedBy: 'team-b/prod' });
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'StageNameTaken' });
    expect(plan.outcome!.message).toContain('managed by ApiStage team-b/prod');
  });
});

describe('decideStage: a create whose answer was lost', () => {
  const since = NOW - 10_000;

  it('takes the stage found under the marker as its own, and says so', () => {
    const plan = decideStage(
      stageInput(stageObject({ annotations: createPending(since) }), { stage: observedStage() }),
    );
    expect(plan.action).toEqual({ type: 'Record', location: PLACE, stageName: 'prod' });
    expect(plan.event).toMatchObject({ reason: 'Recovered' });
  });

  it('waits for a stage that may still show up, then clears the marker so that the create is tried again', () => {
    const waiting = decideStage(stageInput(stageObject({ annotations: createPending(since) }), { stage: null }));
    expect(waiting.action).toEqual({ type: 'None' });
    expect(waiting.requeue).toEqual({ kind: 'after', ms: SETTLE_MS - 10_000 });
    const late = stageObject({ annotations: createPending(NOW - SETTLE_MS - 1) });
    expect(decideStage(stageInput(late, { stage: null })).action).toEqual({ type: 'ClearPending' });
  });

  it('clears a marker for another API', () => {
    const obj = stageObject({ annotations: createPending(since, 'api9') });
    expect(decideStage(stageInput(obj, { stage: observedStage() })).action).toEqual({ type: 'ClearPending' });
  });

  it('does not take over a stage another ApiStage records: the marker goes and the name is reported taken', () => {
    const obj = stageObject({ annotations: createPending(since) });
    const plan = decideStage({ ...stageInput(obj, { stage: observedStage() }), claimedBy: 'team-b/prod' });
    expect(plan.action).toEqual({ type: 'ClearPending' });
  });

  it('does not take over a stage made by quick create', () => {
    const obj = stageObject({ annotations: createPending(since) });
    const plan = decideStage(stageInput(obj, { stage: observedStage({ apiGatewayManaged: true }) }));
    expect(plan.action).toEqual({ type: 'ClearPending' });
  });
});

describe('decideStage: a recorded stage', () => {
  it('waits out the settle window before recreating a stage that is gone, then recreates it and says so', () => {
    const fresh = stageObject({ annotations: recordedStage('api1', NOW - 5_000) });
    const waiting = decideStage(stageInput(fresh, { stage: null }));
    expect(waiting.action).toEqual({ type: 'None' });
    expect(waiting.requeue).toEqual({ kind: 'after', ms: SETTLE_MS - 5_000 });
    const plan = decideStage(stageInput(stageObject({ annotations: recordedStage() }), { stage: null }));
    expect(plan.action).toMatchObject({ type: 'Create', location: PLACE, stageName: 'prod' });
    expect(plan.action).not.toHaveProperty('withFinalizer');
    expect(plan.event).toMatchObject({ type: 'Normal', reason: 'Recreated' });
  });

  it('never recreates an adopted stage that is gone', () => {
    const obj = stageObject({ spec: { adopt: true }, annotations: recordedStage() });
    const plan = decideStage(stageInput(obj, { stage: null }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'AdoptedStageGone' });
  });

  it('does not move: a spec sent to another API creates nothing there and leaves the recorded stage alone', () => {
    const obj = stageObject({ spec: { apiId: 'api2' }, annotations: recordedStage('api1') });
    const plan = decideStage(stageInput(obj, { stage: null }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'InvalidSpec' });
    expect(plan.outcome!.message).toContain('API api1');
  });

  it('changes only the settings that differ; a settled object calls it drift, a new generation an update', () => {
    const spec = { description: 'live', stageVariables: { a: '1' } };
    const have = observedStage({ deploymentId: 'd1', description: 'live', stageVariables: { a: '2' } });
    const drifted = decideStage(stageInput(serving({ spec }), { stage: have }));
    expect(drifted.action).toEqual({
      type: 'Update',
      location: PLACE,
      stageName: 'prod',
      fields: { stageVariables: { a: '1' } },
      removeRouteSettings: [],
      removeAccessLog: false,
      changed: ['stageVariables'],
    });
    expect(drifted.event).toMatchObject({ type: 'Warning', reason: 'DriftCorrected' });
    expect(drifted.continues).toBe(true);
    const edited = decideStage(stageInput(serving({ spec, generation: 2 }), { stage: have }));
    expect(edited.event).toMatchObject({ type: 'Normal', reason: 'Updated' });
  });

  it('removes route settings and access logging the spec no longer has, with calls of their own', () => {
    const have = observedStage({
      deploymentId: 'd1',
      routeSettings: { 'GET /a': { throttlingBurstLimit: 5 } },
      accessLogSettings: {
        destinationArn: 'arn:aws:logs:us-east-1:123456789012:log-group:x',
        format: '$context.requestId',
      },
    });
    const plan = decideStage(stageInput(serving({ generation: 2 }), { stage: have }));
    expect(plan.action).toEqual({
      type: 'Update',
      location: PLACE,
      stageName: 'prod',
      removeRouteSettings: ['GET /a'],
      removeAccessLog: true,
      changed: ['routeSettings', 'accessLogSettings'],
    });
  });

  it('in sync and serving the API as it is: nothing to do until the next drift check', () => {
    const plan = decideStage(stageInput(serving(), { stage: inSync }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Served' });
    expect(plan.requeue).toEqual({ kind: 'drift', place: PLACE });
    expect(plan.need).toBeUndefined();
  });
});

describe('decideStage: ObserveOnly', () => {
  const observing = { spec: { adopt: true, managementPolicy: 'ObserveOnly' as const }, finalizers: [] };

  it('reports the stage and how it differs from the spec, writing nothing, not even a finalizer', () => {
    const have = observedStage({ deploymentId: 'd7', description: 'by hand' });
    const plan = decideStage(stageInput(stageObject(observing), { stage: have }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Observed' });
    expect(plan.outcome!.message).toContain('description');
    expect(plan.report).toMatchObject({ stage: have, served: { deploymentId: 'd7' } });
  });

  it('says a missing stage is not created', () => {
    const plan = decideStage(stageInput(stageObject(observing), { stage: null }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'NotFound' });
  });
});

describe('decideStage: deletion', () => {
  const deleting = (over: Parameters<typeof stageObject>[0] = {}) =>
    stageObject({ deleting: true, annotations: recordedStage(), ...over });

  it('deletes the stage it recorded, where it recorded it, without reading it first', () => {
    const plan = decideStage({ ...stageInput(deleting({ spec: { apiId: 'api2' } })), desired: undefined });
    expect(plan.action).toEqual({ type: 'Delete', location: PLACE, stageName: 'prod' });
    expect(plan.event).toMatchObject({ reason: 'Deleted' });
    expect(plan.need).toBeUndefined();
  });

  it.each([
    ['Retain', { deletionPolicy: 'Retain' as const }],
    ['an adopted stage with no policy', { adopt: true }],
    ['ObserveOnly', { adopt: true, managementPolicy: 'ObserveOnly' as const, deletionPolicy: 'Delete' as const }],
  ])('keeps the stage with %s and lets the object go', (_what, spec) => {
    const plan = decideStage({ ...stageInput(deleting({ spec })), desired: undefined });
    expect(plan.action).toEqual({ type: 'RemoveFinalizer' });
  });

  it('lets an object go that never made a stage, and does nothing without its finalizer', () => {
    expect(decideStage(stageInput(deleting({ annotations: {} }))).action).toEqual({ type: 'RemoveFinalizer' });
    expect(decideStage(stageInput(deleting({ finalizers: [] }))).action).toEqual({ type: 'None' });
  });

  it('with a create in doubt: reads the stage where the marker says, deletes it if the create made it', () => {
    const obj = deleting({ annotations: createPending(NOW - 1000) });
    expect(decideStage(stageInput(obj)).need).toEqual({ kind: 'stage', place: PLACE, stageName: 'prod' });
    expect(decideStage(stageInput(obj, { stage: null })).action).toEqual({ type: 'RemoveFinalizer' });
    expect(decideStage(stageInput(obj, { stage: observedStage() })).action).toMatchObject({ type: 'Delete' });
  });

  it('with a create in doubt: never deletes a stage another ApiStage records', () => {
    const obj = deleting({ annotations: createPending(NOW - 1000) });
    const plan = decideStage({ ...stageInput(obj, { stage: observedStage() }), claimedBy: 'team-b/prod' });
    expect(plan.action).toEqual({ type: 'RemoveFinalizer' });
  });

  it('leaves a stage in place on an API the namespace may not touch (annotations are the tenant’s to edit)', () => {
    const obj = deleting({ annotations: recordedStage('api9') });
    const input = { ...stageInput(obj), allowedApis: { any: false as const, ids: ['api1'], missing: false } };
    const plan = decideStage(input);
    expect(plan.action).toEqual({ type: 'RemoveFinalizer' });
    expect(plan.event).toMatchObject({ type: 'Warning', reason: 'ApiNotAllowed' });
    expect(plan.event!.message).toContain('left stage prod in place');
    const pending = deleting({ annotations: createPending(NOW - 1000, 'api9') });
    const read = decideStage({ ...input, obj: pending });
    expect(read.need).toBeUndefined();
    expect(read.action).toEqual({ type: 'RemoveFinalizer' });
  });
});

describe('decideStage: refusals and waits before any AWS call', () => {
  it('reports an invalid spec as Stalled with a Warning, reads nothing and does not come back by itself', () => {
    const plan = decideStage({ ...stageInput(stageObject()), desired: undefined, invalid: 'spec.stageName: bad' });
    expect(plan).toMatchObject({
      action: { type: 'None' },
      outcome: { kind: 'Stalled', reason: 'InvalidSpec', message: 'spec.stageName: bad' },
      notice: { type: 'Warning', reason: 'InvalidSpec' },
      requeue: { kind: 'none' },
    });
    expect(plan.need).toBeUndefined();
  });

  it('refuses an API the namespace may not name, without reading it', () => {
    const input = {
      ...stageInput(stageObject()),
      desired: undefined,
      allowedApis: { any: false as const, ids: ['api7'], missing: false },
    };
    const plan = decideStage(input);
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.need).toBeUndefined();
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'ApiNotAllowed' });
    expect(plan.outcome!.message).toContain('allows only api7');
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'ApiNotAllowed' });
  });

  it('waits for a missing API within the grace period, then says Stalled with a Warning', () => {
    const plan = decideStage(stageInput(stageObject(), {}, { protocol: null }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.need).toBeUndefined();
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'ApiNotFound' });
    expect(plan.requeue).toEqual({ kind: 'missing', wait: { stalled: false, graceLeftMs: 120_000 } });
    expect(plan.notice).toBeUndefined();

    const waited = stageObject({
      status: { observedGeneration: 1, conditions: conditionsAt('Progressing', 'ApiNotFound', NOW - 120_000) },
    });
    const late = decideStage(stageInput(waited, {}, { protocol: null }));
    expect(late.outcome).toMatchObject({ kind: 'Stalled', reason: 'ApiNotFound' });
    expect(late.outcome!.message).toContain('API api1 does not exist in us-east-1');
    expect(late.notice).toMatchObject({ type: 'Warning', reason: 'ApiNotFound' });
    expect(late.requeue).toMatchObject({ kind: 'missing', wait: { stalled: true } });
  });
});

describe('decideServing: OnChange', () => {
  const NEXT = settlementWith(member('a', 'ready', 2));
  const deployments = (...d: ReturnType<typeof deployment>[]) => ({ deployments: d });
  function serve(
    obj: ApiStage,
    stage: ObservedStage,
    settlement: Settlement,
    more: { observation?: StageObservation; deployMaxWaitMs?: number; quietUntil?: number } = {},
  ) {
    const input = { ...stageInput(obj, { stage, ...more.observation }, { settlement }), ...more };
    return decideServing(input, input.desired!, stage);
  }

  it('waits for the API to pause before deploying a settled change, and deploys once it has', () => {
    const changing = serve(serving(), inSync, NEXT, { quietUntil: NOW + 1500 });
    expect(changing.action).toEqual({ type: 'None' });
    expect(changing.outcome).toMatchObject({ kind: 'Progressing', reason: 'AwaitingSettle' });
    expect(changing.outcome!.message).toContain('changed moments ago');
    // Looked at again when the quiet period ends, not a wait interval later.
    expect(changing.requeue).toEqual({ kind: 'after', ms: 1500 });
    expect(serve(serving(), inSync, NEXT, { quietUntil: NOW }).action).toMatchObject({ type: 'Deploy' });
  });

  it('deploys a revision that comes back anew, never pointing the stage back at an older deployment', () => {
    const observation = deployments(deployment('d1', NEXT.revision, NOW - 60_000));
    const plan = serve(serving(), inSync, NEXT, { observation });
    expect(plan.action).toMatchObject({ type: 'Deploy', revision: NEXT.revision });
  });

  it('never takes a deployment made for another stage of the API for its own', () => {
    const other = { deploymentId: 'd7', description: deploymentDescription(NEXT.revision, 'canary') };
    const marked = serving({ annotations: { ...recordedStage(), ...deployPending(NEXT.revision, NOW - 60_000) } });
    const plan = serve(marked, inSync, NEXT, { observation: { deployments: [other] } });
    expect(plan.action).toMatchObject({ type: 'Deploy', revision: NEXT.revision });
  });

  it('waits for the objects that have not settled, naming them, and lists nothing yet', () => {
    const settlement = settlementWith(member('a', 'ready', 2), member('b', 'pending'));
    const plan = serve(serving(), inSync, settlement);
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.need).toBeUndefined();
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'AwaitingSettle' });
    // Objects wake the stage when they settle; if none does, it comes back when the longest wait ends.
    expect(plan.requeue).toEqual({ kind: 'after', ms: 60_000 });
    expect(plan.report!.waitingOn).toEqual([expect.objectContaining({ name: 'b', state: 'pending' })]);
  });

  it('deploys a settled new revision at once, listing nothing: no earlier answer of it was lost', () => {
    const plan = serve(serving(), inSync, NEXT);
    expect(plan.need).toBeUndefined();
    expect(plan.action).toEqual({ type: 'Deploy', location: PLACE, stageName: 'prod', revision: NEXT.revision });
    expect(plan.event).toMatchObject({ type: 'Normal', reason: 'Deployed' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Served' });
  });

  it('a deployment of the revision the stage already serves (a lost answer) is recorded without a call', () => {
    const stage = observedStage({ deploymentId: 'd2' });
    const observation = deployments(deployment('d1', REV), deployment('d2', NEXT.revision, NOW - 5000));
    // A status that lost what it deployed lists, as a lost answer does.
    const lost = serving({ status: { ...servingStatus(REV), deployedRevision: undefined } });
    expect(serve(lost, stage, NEXT).need).toEqual({ kind: 'deployments', place: PLACE });
    const plan = serve(lost, stage, NEXT, { observation });
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Served' });
    expect(plan.report!.served).toEqual({
      deploymentId: 'd2',
      revision: NEXT.revision,
      at: NOW - 5000,
      objects: NEXT.ready,
    });
    // With the marker of the lost CreateDeployment, the marker goes.
    const marked = serving({ annotations: { ...recordedStage(), ...deployPending(NEXT.revision, NOW - 5000) } });
    expect(serve(marked, stage, NEXT, { observation }).action).toEqual({ type: 'ClearDeployPending' });
  });

  it('a deployment of the revision the stage does not serve: the stage is pointed at the latest one', () => {
    const observation = deployments(
      deployment('d2', NEXT.revision, NOW - 9000),
      deployment('d3', NEXT.revision, NOW - 5000),
    );
    const marked = serving({ annotations: { ...recordedStage(), ...deployPending(NEXT.revision, NOW - 5000) } });
    expect(serve(marked, inSync, NEXT).need).toEqual({ kind: 'deployments', place: PLACE });
    const plan = serve(marked, inSync, NEXT, { observation });
    expect(plan.action).toEqual({ type: 'Point', location: PLACE, stageName: 'prod', deploymentId: 'd3' });
    expect(plan.event).toMatchObject({ reason: 'Deployed' });
    expect(plan.report!.served).toMatchObject({ deploymentId: 'd3', revision: NEXT.revision });
  });

  it('a CreateDeployment in doubt for this revision is waited for, not repeated, until its settle window ends', () => {
    const observation = deployments();
    const marked = (since: number) =>
      serving({ annotations: { ...recordedStage(), ...deployPending(NEXT.revision, since) } });
    const plan = serve(marked(NOW - 10_000), inSync, NEXT, { observation });
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'DeployInDoubt' });
    expect(plan.requeue).toEqual({ kind: 'after', ms: SETTLE_MS - 10_000 });
    expect(serve(marked(NOW - SETTLE_MS), inSync, NEXT, { observation }).action).toMatchObject({ type: 'Deploy' });
    // A marker for an older revision does not hold back a deployment of this one.
    const older = serving({ annotations: { ...recordedStage(), ...deployPending(REV, NOW - 1000) } });
    expect(serve(older, inSync, NEXT, { observation }).action).toMatchObject({ type: 'Deploy' });
  });

  it('serving the current revision: Ready, with no listing and no call', () => {
    const plan = serve(serving(), inSync, settlementWith(member('a')));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.need).toBeUndefined();
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Served' });
    expect(plan.notice).toBeUndefined();
    expect(plan.report!.served).toEqual({ deploymentId: 'd1', revision: REV, objects: { 'ApiRoute/team-a/a': 1 } });
  });

  it('a deployment made out of band is recorded with a Warning, never fought', () => {
    const plan = serve(serving(), observedStage({ deploymentId: 'd9' }), settlementWith(member('a')));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.need).toBeUndefined();
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Served' });
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'DeployedOutOfBand' });
    expect(plan.notice!.message).toContain('deployment d9');
    expect(plan.report!.served).toMatchObject({ deploymentId: 'd9', revision: REV });
  });

  it('churn holds a deployment back at most deployMaxWaitMs, then deploys what has settled so far', () => {
    const churning = settlementWith(member('a', 'ready', 2), member('b', 'pending'));
    const waitingSince = (since: number) =>
      serving({
        status: servingStatus(REV, 'd1', { conditions: conditionsAt('Progressing', 'AwaitingSettle', since) }),
      });
    const observation = deployments();
    const early = serve(waitingSince(NOW - 59_000), inSync, churning, { observation });
    expect(early.outcome).toMatchObject({ reason: 'AwaitingSettle' });
    const due = serve(waitingSince(NOW - 60_000), inSync, churning, { observation });
    expect(due.action).toEqual({ type: 'Deploy', location: PLACE, stageName: 'prod', revision: churning.revision });
    // The operator's --deploy-max-wait is what counts.
    const sooner = serve(waitingSince(NOW - 10_000), inSync, churning, { observation, deployMaxWaitMs: 10_000 });
    expect(sooner.action).toMatchObject({ type: 'Deploy' });
  });

  it('leaves Stalled objects out of what is deployed and names them', () => {
    // A Stalled object is served as AWS holds it: once deployed so, the stage stays served.
    const settlement = settlementWith(member('a'), member('b', 'stalled'));
    const plan = serve(serving({ status: servingStatus(settlement.revision) }), inSync, settlement);
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Served' });
    expect(plan.outcome!.message).toContain('1 Stalled object(s) served as AWS holds them');
    expect(plan.report!.waitingOn).toEqual([expect.objectContaining({ name: 'b', state: 'stalled' })]);
    const changed = settlementWith(member('a', 'ready', 2), member('b', 'stalled'));
    expect(serve(serving(), inSync, changed, { observation: deployments() }).action).toMatchObject({
      type: 'Deploy',
      revision: changed.revision,
    });
  });
});

describe('decideServing: Manual', () => {
  const NEXT = settlementWith(member('a', 'ready', 2));
  const manual = (annotations: Record<string, string> = {}, status = servingStatus(REV)) =>
    stageObject({ spec: { deploymentPolicy: 'Manual' }, annotations: { ...recordedStage(), ...annotations }, status });
  const requested = { 'apigw.dev/deploy-requested-at': '2026-01-01T00:09:00Z' };
  function serve(obj: ApiStage, settlement: Settlement, observation: StageObservation = {}) {
    const input = stageInput(obj, { stage: inSync, ...observation }, { settlement });
    return decideServing(input, input.desired!, inSync);
  }

  it('does not deploy a change nobody asked for, and says how to ask', () => {
    const plan = serve(manual(), NEXT);
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.need).toBeUndefined();
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Synced' });
    expect(plan.outcome!.message).toContain('apigw.dev/deploy-requested-at');
  });

  it('deploys once for a new request and reports the request as handled', () => {
    const plan = serve(manual(requested), NEXT);
    expect(plan.action).toEqual({ type: 'Deploy', location: PLACE, stageName: 'prod', revision: NEXT.revision });
    expect(plan.report!.handledDeploy).toBe('2026-01-01T00:09:00Z');
    const handled = manual(requested, servingStatus(REV, 'd1', { lastHandledDeployAt: '2026-01-01T00:09:00Z' }));
    expect(serve(handled, NEXT, { deployments: [] }).action).toEqual({ type: 'None' });
  });

  it('serving the current revision reads Served, as after a requested deployment', () => {
    const plan = serve(manual(), settlementWith(member('a')));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Served' });
  });

  it('a request waits for the API to settle, and stays unhandled meanwhile', () => {
    const plan = serve(manual(requested), settlementWith(member('a', 'pending', 2)));
    expect(plan.outcome).toMatchObject({ reason: 'AwaitingSettle' });
    expect(plan.report?.handledDeploy).toBeUndefined();
  });

  it('a request whose CreateDeployment is in doubt stays unhandled, so it deploys if that one never lands', () => {
    const obj = manual({ ...requested, ...deployPending(NEXT.revision, NOW - 10_000) });
    const plan = serve(obj, NEXT, { deployments: [] });
    expect(plan.outcome).toMatchObject({ reason: 'DeployInDoubt' });
    expect(plan.report?.handledDeploy).toBeUndefined();
  });
});

describe('decideServing: autoDeploy', () => {
  const NEXT = settlementWith(member('a', 'ready', 2));
  const auto = stageObject({ spec: { autoDeploy: true }, annotations: recordedStage(), status: servingStatus(REV) });
  /** The deployment the stage serves, as GetDeployment reads it. */
  const deployed = (stage: ObservedStage, over: Partial<ObservedDeployment> = {}) => ({
    deploymentId: stage.deploymentId!,
    deploymentStatus: 'DEPLOYED',
    ...over,
  });
  function serve(stage: ObservedStage, settlement: Settlement, deployment = deployed(stage)) {
    const input = stageInput(auto, { stage, deployments: [], deployment }, { settlement });
    return decideServing(input, input.desired!, stage);
  }
  const autoStage = (over: Partial<ObservedStage> = {}) =>
    observedStage({ autoDeploy: true, deploymentId: 'd1', ...over });

  it('stops waiting for AWS after the longest wait: a change that made no AWS call gets no deployment', () => {
    const reconciling = {
      type: 'Reconciling',
      status: 'True' as const,
      reason: 'AwaitingAutoDeploy',
      message: '',
      lastTransitionTime: new Date(NOW - 61_000).toISOString(),
    };
    const waited = stageObject({
      spec: { autoDeploy: true },
      annotations: recordedStage(),
      status: { ...servingStatus(REV), conditions: [reconciling] },
    });
    const input = {
      ...stageInput(waited, { stage: autoStage(), deployment: deployed(autoStage()) }, { settlement: NEXT }),
      deployMaxWaitMs: 60_000,
    };
    const plan = decideServing(input, input.desired!, autoStage());
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Served' });
    expect(plan.report!.served).toMatchObject({ deploymentId: 'd1', revision: NEXT.revision });
  });

  it('never deploys: waits for AWS to deploy a settled change, looking again soon', () => {
    const plan = serve(autoStage(), NEXT);
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.need).toBeUndefined();
    expect(plan.outcome).toMatchObject({ kind: 'Progressing', reason: 'AwaitingAutoDeploy' });
    expect(plan.requeue).toEqual({ kind: 'after', ms: 5000 });
  });

  it('is served once the stage shows a new deployment, recording it with the revision', () => {
    const plan = serve(autoStage({ deploymentId: 'd2' }), NEXT);
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Ready', reason: 'Served' });
    expect(plan.report!.served).toEqual({ deploymentId: 'd2', revision: NEXT.revision, objects: NEXT.ready });
    expect(serve(autoStage(), settlementWith(member('a'))).outcome).toMatchObject({ reason: 'Served' });
  });

  it('waits for the API to settle first', () => {
    const plan = serve(autoStage({ deploymentId: 'd2' }), settlementWith(member('a', 'pending', 2)));
    expect(plan.outcome).toMatchObject({ reason: 'AwaitingSettle' });
  });

  it('reads whether the automatic deployment failed from the deployment itself, and says so', () => {
    const stage = autoStage();
    const asked = stageInput(auto, { stage }, { settlement: NEXT });
    expect(decideServing(asked, asked.desired!, stage).need).toEqual({
      kind: 'deployment',
      place: PLACE,
      deploymentId: 'd1',
    });
    const message = 'Unable to deploy API because no routes exist in this API';
    const plan = serve(stage, NEXT, deployed(stage, { deploymentStatus: 'FAILED', deploymentStatusMessage: message }));
    expect(plan.action).toEqual({ type: 'None' });
    expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'AutoDeployFailed' });
    expect(plan.outcome!.message).toContain(message);
    expect(plan.notice).toMatchObject({ type: 'Warning', reason: 'AutoDeployFailed' });
  });
});
