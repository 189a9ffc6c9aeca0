// Builders for ApiStage objects, observed stages and deployments, and the API's ApiIntegrations and
// ApiRoutes (the members a stage serves), used by the decision tables and the in-memory shell.
import type { ConditionT } from '../../../src/api/v1alpha1/group.ts';
import { FINALIZER } from '../../../src/api/v1alpha1/group.ts';
import type { ApiRoute } from '../../../src/api/v1alpha1/route-types.ts';
import type { ApiStage, ApiStageSpecT, ApiStageStatusT } from '../../../src/api/v1alpha1/stage-types.ts';
import type { ApiIntegration } from '../../../src/api/v1alpha1/types.ts';
import { desiredStageFields } from '../../../src/apistage/diff.ts';
import type { StageDecideInput, StageObservation } from '../../../src/apistage/plan.ts';
import type { ObservedDeployment, ObservedStage } from '../../../src/apistage/ports.ts';
import { deploymentDescription } from '../../../src/apistage/recorded.ts';
import { settlementOf, type Member, type MemberState, type Settlement } from '../../../src/apistage/revision.ts';

export const PLACE = { region: 'us-east-1', apiId: 'api1' };

/** The decision tables' clock: 2026-01-01T00:10:00Z. */
export const NOW = Date.parse('2026-01-01T00:10:00Z');
export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const stageSpec: ApiStageSpecT = { apiId: 'api1', stageName: 'prod' };

export function stageObject(
  over: {
    spec?: Partial<ApiStageSpecT>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deleting?: boolean;
    generation?: number;
    status?: ApiStageStatusT;
  } = {},
): ApiStage {
  return {
    apiVersion: 'apigw.dev/v1alpha1',
    kind: 'ApiStage',
    metadata: {
      name: 'prod',
      namespace: 'team-a',
      uid: '5d1c7c57-0000-4000-8000-00000000beef',
      generation: over.generation ?? 1,
      resourceVersion: '7',
      finalizers: over.finalizers ?? [FINALIZER],
      annotations: over.annotations ?? {},
      ...(over.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { ...stageSpec, ...over.spec } as ApiStageSpecT,
    ...(over.status ? { status: over.status } : {}),
  };
}

/** The annotations of a stage this object created (or adopted) at `apiId`, recorded at `at`. */
export const recordedStage = (apiId = 'api1', at = NOW - 3_600_000) => ({
  'apigw.dev/stage-name': 'prod',
  'apigw.dev/location': `us-east-1/${apiId}`,
  'apigw.dev/recorded-at': new Date(at).toISOString(),
});

export const createPending = (since: number, apiId = 'api1') => ({
  'apigw.dev/create-pending': `us-east-1/${apiId}@${since}`,
});

export const deployPending = (revision: string, since: number) => ({
  'apigw.dev/deploy-pending': `${revision}@${since}`,
});

export function observedStage(over: Partial<ObservedStage> = {}): ObservedStage {
  return { stageName: 'prod', autoDeploy: false, ...over };
}

export function deployment(id: string, revision: string | undefined, createdDate = NOW - 60_000): ObservedDeployment {
  return {
    deploymentId: id,
    createdDate,
    ...(revision ? { description: deploymentDescription(revision, 'prod') } : {}),
  };
}

/** A member of the API, for settlements built without objects. */
export function member(name: string, state: MemberState = 'ready', generation = 1): Member {
  return { kind: 'ApiRoute', namespace: 'team-a', name, generation, state, id: `r-${name}→i-a`, reason: 'Synced' };
}

/** A settlement of the members: settled when none is pending. */
export const settlementWith = (...members: Member[]): Settlement => settlementOf(members);

/** Conditions as the shell writes them for an outcome, at `since`. */
export function conditionsAt(kind: 'Ready' | 'Progressing' | 'Stalled', reason: string, since: number): ConditionT[] {
  const c = (type: string, on: boolean): ConditionT => ({
    type,
    status: on ? 'True' : 'False',
    observedGeneration: 1,
    reason,
    message: '',
    lastTransitionTime: iso(since),
  });
  return [c('Ready', kind === 'Ready'), c('Reconciling', kind === 'Progressing'), c('Stalled', kind === 'Stalled')];
}

/** The status of a stage that serves `deploymentId` of `revision`, as the shell last wrote it. */
export function servingStatus(revision: string, deploymentId = 'd1', over: Partial<ApiStageStatusT> = {}) {
  return {
    observedGeneration: 1,
    apiId: 'api1',
    region: 'us-east-1',
    stageName: 'prod',
    deploymentId,
    deployedRevision: revision,
    conditions: conditionsAt('Ready', 'Served', NOW - 3_600_000),
    ...over,
  } satisfies ApiStageStatusT;
}

export function stageInput(
  obj: ApiStage,
  observation: StageObservation = {},
  opts: { settlement?: Settlement; protocol?: 'HTTP' | 'WEBSOCKET' | null } = {},
): StageDecideInput {
  return {
    obj,
    now: NOW,
    observation,
    desired: {
      location: { region: 'us-east-1', apiId: obj.spec.apiId },
      protocol: opts.protocol === null ? undefined : (opts.protocol ?? 'HTTP'),
      fields: desiredStageFields(obj.spec),
    },
    settlement: opts.settlement ?? settlementWith(member('a')),
  };
}

// The API's ApiIntegrations and ApiRoutes as the operator's caches hold them.

type State = 'ready' | 'pending' | 'stalled';

function memberConditions(state: State, generation: number): ConditionT[] {
  const c = (type: string, on: boolean, reason: string): ConditionT => ({
    type,
    status: on ? 'True' : 'False',
    observedGeneration: generation,
    reason,
    message: '',
    lastTransitionTime: '2026-01-01T00:00:00Z',
  });
  const reason = state === 'ready' ? 'Synced' : state === 'stalled' ? 'InvalidSpec' : 'Reconciling';
  return [c('Ready', state === 'ready', reason), c('Stalled', state === 'stalled', reason)];
}

/** An ApiIntegration on api1 that recorded `id`, in `state` for `generation`. */
export function integrationOn(name: string, state: State = 'ready', generation = 1, id = `i-${name}`): ApiIntegration {
  return {
    apiVersion: 'apigw.dev/v1alpha1',
    kind: 'ApiIntegration',
    metadata: {
      name,
      namespace: 'team-a',
      uid: `uid-${name}`,
      generation,
      resourceVersion: '3',
      annotations: { 'apigw.dev/integration-id': id, 'apigw.dev/location': 'us-east-1/api1' },
    },
    spec: {
      apiId: 'api1',
      integrationType: 'HTTP_PROXY',
      integrationUri: 'https://example.com',
      integrationMethod: 'ANY',
    },
    status: { observedGeneration: generation, conditions: memberConditions(state, generation), integrationId: id },
  } as ApiIntegration;
}

/** An ApiRoute on api1 targeting integration `target`, in `state` for `generation`. */
export function routeOn(name: string, state: State = 'ready', generation = 1, target = 'i-items'): ApiRoute {
  return {
    apiVersion: 'apigw.dev/v1alpha1',
    kind: 'ApiRoute',
    metadata: {
      name,
      namespace: 'team-a',
      uid: `uid-${name}`,
      generation,
      resourceVersion: '3',
      annotations: { 'apigw.dev/route-id': `r-${name}`, 'apigw.dev/location': 'us-east-1/api1' },
    },
    spec: { apiId: 'api1', routeKey: `GET /${name}`, integrationRef: { name: 'items' } },
    status: {
      observedGeneration: generation,
      conditions: memberConditions(state, generation),
      routeId: `r-${name}`,
      integrationId: target,
    },
  } as ApiRoute;
}
