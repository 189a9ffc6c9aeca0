// Whether callers are served what an ApiIntegration or ApiRoute stands for: AWS serves a stage's
// deployment, a snapshot of the API, so an object Ready in AWS is Live only once every ApiStage of
// its API serves its current generation. Each ApiStage records which objects (and generations) its
// deployment holds; this compares an object with those records.
import type { Liveness } from '../api/v1alpha1/conditions.ts';
import { samePlace, type Place } from './record.ts';

/** The stages' reasons; a kind's blocker brings its own (ApiIntegration: LambdaPermissionMissing, ...). */
export type LiveReason = 'Served' | 'AwaitingDeployment' | 'NoManagedStage' | 'NotCreated' | 'DeployedOutsideOperator';

/** An ApiStage as far as Live is concerned. */
export interface StageView {
  /** namespace/name */
  key: string;
  place: Place;
  /** `Kind/namespace/name` → the generation its deployment holds. */
  served: Record<string, number>;
  /**
   * The deployment it serves was made outside the operator (an adopted Manual stage that has not
   * deployed since), so what that deployment holds is not known: its id, for the message.
   */
  foreignDeployment?: string;
}

export interface LiveSubject {
  /** ApiIntegration or ApiRoute. */
  kind: string;
  namespace: string;
  name: string;
  generation: number;
  /** The API it is on; undefined until it has been made there. */
  place?: Place;
}

export const servedKey = (s: Pick<LiveSubject, 'kind' | 'namespace' | 'name'>) => `${s.kind}/${s.namespace}/${s.name}`;

/**
 * `blocker`: what the kind knows keeps callers from being served whatever the stages deploy (a
 * Lambda function API Gateway may not invoke); it outranks the stages, not NotCreated.
 */
export function liveOf(subject: LiveSubject, stages: readonly StageView[], blocker?: Liveness): Liveness {
  const place = subject.place;
  const covering = place ? stages.filter((s) => samePlace(s.place, place)) : [];
  if (!place) return { status: 'False', reason: 'NotCreated', message: 'not in AWS yet, so not served' };
  if (blocker) return blocker;
  if (covering.length === 0)
    return {
      status: 'Unknown',
      reason: 'NoManagedStage',
      message: `no ApiStage manages a stage of API ${place.apiId}; whether callers are served is not known`,
    };
  const key = servedKey(subject);
  const notServing = covering.filter((s) => s.served[key] !== subject.generation);
  const behind = notServing.filter((s) => !s.foreignDeployment).map((s) => s.key);
  if (notServing.length === 0)
    return { status: 'True', reason: 'Served', message: `served by every stage of API ${place.apiId}` };
  if (behind.length === 0) {
    const foreign = notServing.map((s) => `ApiStage ${s.key} (deployment ${s.foreignDeployment})`).join(', ');
    return {
      status: 'Unknown',
      reason: 'DeployedOutsideOperator',
      message: `${foreign} serves a deployment made outside the operator; whether it holds this object is not known until the operator deploys (annotate the ApiStage apigw.dev/deploy-requested-at, or make it OnChange)`,
    };
  }
  return {
    status: 'False',
    reason: 'AwaitingDeployment',
    message: `generation ${subject.generation} is not yet deployed to ApiStage ${behind.join(', ')}`,
  };
}
