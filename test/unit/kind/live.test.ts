// Live: an object Ready in AWS is served only once every ApiStage of its API serves its generation.
import { describe, expect, it } from '@jest/globals';
import { liveOf, type StageView } from '../../../src/kind/live.ts';

const API1 = { region: 'us-east-1', apiId: 'api1' };
const API2 = { region: 'us-east-1', apiId: 'api2' };
const route = { kind: 'ApiRoute' as const, namespace: 'team-a', name: 'items', generation: 3, place: API1 };
const stage = (key: string, served: Record<string, number>, place = API1): StageView => ({ key, place, served });

describe('liveOf', () => {
  it('is Unknown when no ApiStage covers the API, and False (NotCreated) while the object is not in AWS', () => {
    expect(liveOf(route, [])).toMatchObject({ status: 'Unknown', reason: 'NoManagedStage' });
    expect(liveOf(route, [stage('team-a/other-api', {}, API2)])).toMatchObject({ status: 'Unknown' });
    expect(liveOf({ ...route, place: undefined }, [stage('team-a/prod', {})])).toMatchObject({
      status: 'False',
      reason: 'NotCreated',
    });
  });

  it('is True only when every stage of the API serves this generation, naming the stages behind', () => {
    const now = { 'ApiRoute/team-a/items': 3 };
    const old = { 'ApiRoute/team-a/items': 2 };
    expect(liveOf(route, [stage('team-a/prod', now), stage('team-a/dev', now)])).toMatchObject({
      status: 'True',
      reason: 'Served',
    });
    const behind = liveOf(route, [stage('team-a/prod', now), stage('team-a/dev', old), stage('team-a/qa', {})]);
    expect(behind).toMatchObject({ status: 'False', reason: 'AwaitingDeployment' });
    expect(behind.message).toBe('generation 3 is not yet deployed to ApiStage team-a/dev, team-a/qa');
    // Another kind's object of the same name is another object.
    expect(liveOf({ ...route, kind: 'ApiIntegration' }, [stage('team-a/prod', now)]).status).toBe('False');
  });
});

describe('liveOf with a stage that serves a deployment made outside the operator', () => {
  const foreign: StageView = { ...stage('team-a/prod', {}), foreignDeployment: 'dep1' };
  it('is Unknown, naming the stage and its deployment and how to hand deployment over, not AwaitingDeployment', () => {
    const live = liveOf(route, [foreign]);
    expect(live).toMatchObject({ status: 'Unknown', reason: 'DeployedOutsideOperator' });
    expect(live.message).toMatch(/ApiStage team-a\/prod \(deployment dep1\).*apigw.dev\/deploy-requested-at/);
  });
  it('a stage of the operator that is behind still reads AwaitingDeployment; one that serves it reads Served', () => {
    expect(liveOf(route, [foreign, stage('team-a/dev', {})])).toMatchObject({ reason: 'AwaitingDeployment' });
    const now = { 'ApiRoute/team-a/items': 3 };
    expect(liveOf(route, [{ ...foreign, served: now }])).toMatchObject({ status: 'True', reason: 'Served' });
  });
});

describe('liveOf with what the kind knows keeps callers out', () => {
  const blocker = {
    status: 'False' as const,
    reason: 'LambdaPermissionMissing',
    message: 'run: aws lambda add-permission …',
  };
  it('outranks every stage reason, not NotCreated', () => {
    const now = { 'ApiRoute/team-a/items': 3 };
    expect(liveOf(route, [stage('team-a/prod', now)], blocker)).toEqual(blocker);
    expect(liveOf(route, [], blocker)).toEqual(blocker);
    expect(liveOf(route, [stage('team-a/prod', {})], blocker)).toEqual(blocker);
    expect(liveOf({ ...route, place: undefined }, [], blocker)).toMatchObject({ reason: 'NotCreated' });
  });
});
