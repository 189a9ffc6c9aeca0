// The ApiStage kind of the running operator: its reconciler and its watches of ApiIntegrations and
// ApiRoutes (a change on an API queues that API's stages at once and restarts its quiet period, so
// the stages read Reconciling while a burst lasts and make one deployment after it). operator.ts
// registers it beside the other kinds, with the same AWS budget, write serialization, namespace
// policy and fencing. A cluster without its CRD runs without it.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP } from './api/v1alpha1/group.ts';
import type { ApiRoute } from './api/v1alpha1/route-types.ts';
import { STAGE_PLURAL } from './api/v1alpha1/stage-schema.ts';
import type { ApiStage } from './api/v1alpha1/stage-types.ts';
import type { ApiIntegration } from './api/v1alpha1/types.ts';
import { STAGE_GATEWAY_VERBS, type StageEventRecorder, type StageGateway } from './apistage/ports.ts';
import { ApiStageReconciler } from './apistage/reconciler.ts';
import { memberSignature } from './apistage/revision.ts';
import { recordedStageOf } from './apistage/recorded.ts';
import {
  placesOf,
  stageClaimedBy,
  stagePlace,
  stagesConcerned,
  stageWorthReconciling,
  trimStageForCache,
} from './apistage/setup.ts';
import { locationKey, type Place } from './kind/record.ts';
import type { StageView } from './kind/live.ts';
import { KubeApiStageStore } from './adapters/kubernetes/store.ts';
import type { Config } from './config.ts';
import { FencedEvents, FencedStore, fencedGateway } from './fencing.ts';
import type { ApiTenancy, NamespacePolicy } from './kind/ports.ts';
import type { Clock } from './runtime/clock.ts';
import type { RuntimeMetrics } from './runtime/metrics.ts';
import { KindWorkers, type Change, type Watch } from './operator-kind.ts';

export const STAGE_CONTROLLER = 'apistage';

export interface StageControllerDeps {
  cfg: Config;
  kc: KubeConfig;
  clock: Clock;
  logger: Logger;
  metrics: RuntimeMetrics;
  /** Built on the integration gateway's call machinery: one budget and one write queue per API. */
  gateway: StageGateway;
  events: StageEventRecorder;
  policy: NamespacePolicy;
  tenancy: ApiTenancy;
  integrations(): Iterable<ApiIntegration>;
  routes(): Iterable<ApiRoute>;
  /** Whether the ApiIntegration and ApiRoute caches have listed everything. */
  servedSynced(): boolean;
  isLeading(): boolean;
}

/** The ApiStage kind; every write of its reconciler goes through a fence that drops it once this replica stops leading. */
export function stageKind(deps: StageControllerDeps): KindWorkers<ApiStage> {
  const { cfg, clock } = deps;
  /** API → when one of its ApiIntegrations or ApiRoutes last changed: deployments wait for a pause. */
  const changedAt = new Map<string, number>();
  // The stages of the API look at once, so they read Reconciling while the change is under way.
  const concerned = (change: Change<ApiIntegration | ApiRoute>) => {
    if (change.old && memberSignature(change.old) === memberSignature(change.cur)) return [];
    const now = clock.now();
    for (const api of [...placesOf(change.old, cfg.region), ...placesOf(change.cur, cfg.region)])
      changedAt.set(api, now);
    return stagesConcerned(change, kind.list(), cfg.region);
  };
  const quietUntil = (place: Place) => {
    const at = changedAt.get(locationKey(place));
    return at === undefined ? undefined : at + cfg.deployQuietMs;
  };
  const kind: KindWorkers<ApiStage> = new KindWorkers<ApiStage>({
    ...deps,
    name: STAGE_CONTROLLER,
    plural: STAGE_PLURAL,
    informerName: (namespace) => `${STAGE_PLURAL}/${namespace ?? 'all-namespaces'}`,
    transform: trimStageForCache,
    worth: stageWorthReconciling,
    reconciler: (stages) => {
      const reconciler = reconcilerOf(deps, stages, quietUntil);
      return (key, signal) => reconciler.reconcile(key, signal);
    },
    watches: [
      { source: 'apiintegration', keys: concerned },
      { source: 'apiroute', keys: concerned },
    ],
    optional: {
      crd: `${STAGE_PLURAL}.${GROUP}`,
      warning:
        'the ApiStage CRD is not installed: ApiStages are not reconciled; install the CRD and restart the operator',
    },
  });
  return kind;
}

function reconcilerOf(
  deps: StageControllerDeps,
  stages: KindWorkers<ApiStage>,
  quietUntil: (place: Place) => number | undefined,
): ApiStageReconciler {
  const { cfg, kc, clock, logger, isLeading } = deps;
  return new ApiStageReconciler({
    get: (key) => stages.get(key),
    claimedBy: (place, stageName, self) => stageClaimedBy(stages.list(), place, stageName, self),
    served: { integrations: deps.integrations, routes: deps.routes, synced: deps.servedSynced, quietUntil },
    store: new FencedStore(new KubeApiStageStore(kc), isLeading),
    gateway: fencedGateway(deps.gateway, STAGE_GATEWAY_VERBS, isLeading),
    events: new FencedEvents(deps.events, isLeading),
    policy: deps.policy,
    tenancy: deps.tenancy,
    clock,
    logger: logger.child({ controller: STAGE_CONTROLLER }),
    defaultRegion: cfg.region,
    driftIntervalMs: cfg.driftIntervalMs,
    createSettleMs: 2 * cfg.awsRequestTimeoutMs,
    notFoundGraceMs: cfg.notFoundGraceMs,
    deployMaxWaitMs: cfg.deployMaxWaitMs,
  });
}

/** The ApiStages as the Live condition of the objects they serve reads them. */
export function stageViews(stages: Iterable<ApiStage>, defaultRegion: string): StageView[] {
  // Only a stage the operator made or took over covers an object's Live: one refused (a name taken)
  // or going serves nothing of the operator's, and an ObserveOnly one records nothing it serves.
  const managed = [...stages].filter(
    (s) => s.spec.managementPolicy !== 'ObserveOnly' && !s.metadata.deletionTimestamp && !!recordedStageOf(s).stageName,
  );
  return managed.map((s) => {
    const { deploymentId, deployedRevision } = s.status ?? {};
    // A Manual stage taken over (`import` writes them) serves what someone else deployed until asked to deploy.
    const foreign = s.spec.deploymentPolicy === 'Manual' && deploymentId && !deployedRevision;
    return {
      key: `${s.metadata.namespace}/${s.metadata.name}`,
      place: stagePlace(s, defaultRegion),
      served: s.status?.servedObjects ?? {},
      ...(foreign ? { foreignDeployment: deploymentId } : {}),
    };
  });
}

/** Whether a stage's change may change what its API's objects say of Live. */
function servingChanged({ type, old, cur }: Change<ApiStage>): boolean {
  if (type !== 'update' || !old) return true;
  const view = (s: ApiStage) => JSON.stringify(stageViews([s], 'any'));
  return view(old) !== view(cur);
}

/**
 * A kind a stage serves follows the stages: when a stage's served objects change (or a stage comes
 * or goes), that kind's objects on the stage's API are queued, so their Live condition follows.
 */
export function followStages<
  T extends Parameters<typeof placesOf>[0] & { metadata: { namespace: string; name: string } },
>(objects: () => Iterable<NonNullable<T>>, defaultRegion: string): Watch<ApiStage> {
  return {
    source: STAGE_CONTROLLER,
    keys: (change) => {
      if (!servingChanged(change)) return [];
      const api = locationKey(stagePlace(change.cur, defaultRegion));
      const keys: string[] = [];
      for (const o of objects())
        if (placesOf(o, defaultRegion).includes(api)) keys.push(`${o.metadata.namespace}/${o.metadata.name}`);
      return keys;
    },
  };
}
