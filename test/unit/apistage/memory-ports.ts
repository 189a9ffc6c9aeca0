// In-memory ports for the ApiStage reconciler shell. They keep state the way the API server and API
// Gateway do (resourceVersion preconditions, stage names unique per API, UpdateStage merging, a
// deployment made with a stage name served by that stage at once), so the shell is checked against
// behaviour, not calls.
import { pino } from 'pino';
import type { Protocol } from '../../../src/api/v1alpha1/group.ts';
import type { ApiRoute } from '../../../src/api/v1alpha1/route-types.ts';
import type { ApiStage, ApiStageStatusT } from '../../../src/api/v1alpha1/stage-types.ts';
import type { ApiIntegration } from '../../../src/api/v1alpha1/types.ts';
import type {
  ApiStageStore,
  ObservedDeployment,
  ObservedStage,
  RouteSettings,
  StageFields,
  StageGateway,
} from '../../../src/apistage/ports.ts';
import { ApiStageReconciler, type StageReconcilerDeps } from '../../../src/apistage/reconciler.ts';
import { stageClaimedBy } from '../../../src/apistage/setup.ts';
import { AwsError } from '../../../src/kind/errors.ts';
import type { Location } from '../../../src/kind/ports.ts';
import { FakeClock } from '../../../src/runtime/clock.ts';
import { ConflictError } from '../../../src/runtime/ports.ts';
import { integrationOn, routeOn, stageObject } from './fixtures.ts';

export const KEY = 'team-a/prod';
export const signal = new AbortController().signal;

type MetadataPatch = { finalizers?: string[]; annotations?: Record<string, string | null> };

export class MemoryStageStore implements ApiStageStore {
  obj: ApiStage;
  writes: string[] = [];
  constructor(obj: ApiStage) {
    this.obj = obj;
  }
  private bump(next: ApiStage): ApiStage {
    const resourceVersion = String(Number(next.metadata.resourceVersion) + 1);
    this.obj = { ...next, metadata: { ...next.metadata, resourceVersion } };
    return this.obj;
  }
  async patchMetadata(obj: ApiStage, patch: MetadataPatch, opts: { precondition?: boolean } = {}) {
    if (opts.precondition && obj.metadata.resourceVersion !== this.obj.metadata.resourceVersion)
      throw new ConflictError();
    this.writes.push('metadata');
    const annotations = { ...this.obj.metadata.annotations };
    for (const [k, v] of Object.entries(patch.annotations ?? {})) {
      if (v === null) delete annotations[k];
      else annotations[k] = v;
    }
    const finalizers = patch.finalizers ?? this.obj.metadata.finalizers;
    return this.bump({ ...this.obj, metadata: { ...this.obj.metadata, annotations, finalizers } });
  }
  async patchStatus(_obj: ApiStage, status: ApiStageStatusT) {
    this.writes.push('status');
    return this.bump({ ...this.obj, status });
  }
  /** What a user does: edit the spec (a new generation), annotate, or delete the object. */
  edit(spec: Partial<ApiStage['spec']>): void {
    const m = this.obj.metadata;
    this.obj = { ...this.obj, spec: { ...this.obj.spec, ...spec }, metadata: { ...m, generation: m.generation + 1 } };
  }
  annotate(annotations: Record<string, string>): void {
    const m = this.obj.metadata;
    this.obj = { ...this.obj, metadata: { ...m, annotations: { ...m.annotations, ...annotations } } };
  }
  delete(): void {
    this.obj = { ...this.obj, metadata: { ...this.obj.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
  }
}

const mergeSettings = (had: Record<string, RouteSettings> | undefined, sent: Record<string, RouteSettings>) =>
  Object.fromEntries(
    [...new Set([...Object.keys(had ?? {}), ...Object.keys(sent)])].map((k) => [k, { ...had?.[k], ...sent[k] }]),
  );

/** UpdateStage's merge: fields left out stay, a stage variable sent empty goes, settings merge per route. */
function merged(had: ObservedStage, f: StageFields & { deploymentId?: string }): ObservedStage {
  const next: ObservedStage = { ...had };
  if (f.description !== undefined) next.description = f.description;
  if (f.autoDeploy !== undefined) next.autoDeploy = f.autoDeploy;
  if (f.deploymentId !== undefined) next.deploymentId = f.deploymentId;
  if (f.stageVariables)
    next.stageVariables = Object.fromEntries(
      Object.entries({ ...had.stageVariables, ...f.stageVariables }).filter(([, v]) => v !== ''),
    );
  if (f.defaultRouteSettings) next.defaultRouteSettings = { ...had.defaultRouteSettings, ...f.defaultRouteSettings };
  if (f.routeSettings) next.routeSettings = mergeSettings(had.routeSettings, f.routeSettings);
  if (f.accessLogSettings) next.accessLogSettings = f.accessLogSettings;
  return next;
}

export class MemoryStageGateway implements StageGateway {
  /** The APIs that exist, with their protocols. */
  apis = new Map<string, Protocol>([
    ['api1', 'HTTP'],
    ['api2', 'HTTP'],
  ]);
  /** `apiId/stageName` → the stage. */
  stages = new Map<string, ObservedStage>();
  /** apiId → its deployments. */
  deployments = new Map<string, ObservedDeployment[]>();
  calls: string[] = [];
  /** GetApi calls (kept out of `calls`, which lists stage and deployment operations). */
  apiReads = 0;
  /** The next CreateDeployment is made (and served) but its answer is lost (a timeout). */
  loseDeploy = false;
  /** Routes AWS holds on each API, made by anyone (the ApiRoutes of the caches, or another tool). */
  routeCount = new Map<string, number>([['api1', 1]]);
  private seq = 0;
  private readonly clock: FakeClock;
  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  async getApiProtocol(loc: Location) {
    this.apiReads++;
    return this.apis.get(loc.apiId);
  }
  async getStage(loc: Location, stageName: string) {
    this.calls.push('GetStage');
    return this.stages.get(`${loc.apiId}/${stageName}`);
  }
  async createStage(loc: Location, stageName: string, f: StageFields) {
    this.calls.push('CreateStage');
    if (this.stages.has(`${loc.apiId}/${stageName}`))
      throw new AwsError('Conflict', `Stage ${stageName} already exists`, {
        operation: 'CreateStage',
        httpStatus: 409,
      });
    return this.put(loc.apiId, merged({ stageName, autoDeploy: false }, f));
  }
  async updateStage(loc: Location, stageName: string, f: StageFields & { deploymentId?: string }) {
    this.calls.push('UpdateStage');
    return this.put(loc.apiId, merged(this.stage(loc, stageName), f));
  }
  async deleteRouteSettings(loc: Location, stageName: string, routeKey: string) {
    this.calls.push('DeleteRouteSettings');
    const had = this.stage(loc, stageName);
    const { [routeKey]: _gone, ...rest } = had.routeSettings ?? {};
    this.put(loc.apiId, { ...had, routeSettings: rest });
  }
  async deleteAccessLogSettings(loc: Location, stageName: string) {
    this.calls.push('DeleteAccessLogSettings');
    const { accessLogSettings: _gone, ...rest } = this.stage(loc, stageName);
    this.put(loc.apiId, rest);
  }
  async deleteStage(loc: Location, stageName: string) {
    this.calls.push('DeleteStage');
    this.stages.delete(`${loc.apiId}/${stageName}`);
  }
  async createDeployment(loc: Location, input: { stageName?: string; description: string }) {
    this.calls.push('CreateDeployment');
    const made = this.deploy(loc.apiId, input.description);
    if (input.stageName) this.put(loc.apiId, { ...this.stage(loc, input.stageName), deploymentId: made.deploymentId });
    if (this.loseDeploy) {
      this.loseDeploy = false;
      throw new AwsError('Transient', 'CreateDeployment: socket hang up', { operation: 'CreateDeployment' });
    }
    return made;
  }
  async listDeployments(loc: Location) {
    this.calls.push('GetDeployments');
    return this.apis.has(loc.apiId) ? [...(this.deployments.get(loc.apiId) ?? [])] : undefined;
  }
  async hasRoutes(loc: Location) {
    this.calls.push('GetRoutes');
    return this.apis.has(loc.apiId) ? (this.routeCount.get(loc.apiId) ?? 0) > 0 : undefined;
  }
  async getDeployment(loc: Location, deploymentId: string) {
    this.calls.push('GetDeployment');
    return this.deployments.get(loc.apiId)?.find((d) => d.deploymentId === deploymentId);
  }
  /** A deployment made by anyone (the operator, a person in the console). */
  deploy(apiId: string, description?: string): ObservedDeployment {
    const made = { deploymentId: `d${++this.seq}`, createdDate: this.clock.now(), description };
    this.deployments.set(apiId, [...(this.deployments.get(apiId) ?? []), made]);
    return made;
  }
  /** A stage as AWS holds it, made by anyone. */
  put(apiId: string, s: ObservedStage): ObservedStage {
    this.stages.set(`${apiId}/${s.stageName}`, s);
    return s;
  }
  stage(loc: Pick<Location, 'apiId'>, stageName = 'prod'): ObservedStage {
    const s = this.stages.get(`${loc.apiId}/${stageName}`);
    if (!s) throw new AwsError('Rejected', `no stage ${stageName}`, { operation: 'GetStage', httpStatus: 404 });
    return s;
  }
  count(op: string): number {
    return this.calls.filter((c) => c === op).length;
  }
  /** Calls that change AWS. */
  writes(): string[] {
    return this.calls.filter((c) => !c.startsWith('Get'));
  }
}

export function setup(obj: ApiStage = stageObject({ finalizers: [] }), deps: Partial<StageReconcilerDeps> = {}) {
  const store = new MemoryStageStore(obj);
  const clock = new FakeClock(Date.parse('2026-01-01T00:10:00Z'));
  const gateway = new MemoryStageGateway(clock);
  /** The API's members in the operator's caches, by key. */
  const integrations = new Map<string, ApiIntegration>([['items', integrationOn('items')]]);
  const routes = new Map<string, ApiRoute>([['get-items', routeOn('get-items')]]);
  /** Other ApiStages in the cache; the object itself is in it too, as in a real informer. */
  const others: ApiStage[] = [];
  const events: string[] = [];
  const messages: string[] = [];
  /** Whether the caches have listed everything (they have, unless a test says not yet). */
  const caches = { synced: true };
  const reconciler = new ApiStageReconciler({
    get: () => store.obj,
    claimedBy: (place, stageName, self) => stageClaimedBy([store.obj, ...others], place, stageName, self),
    served: { integrations: () => integrations.values(), routes: () => routes.values(), synced: () => caches.synced },
    store,
    gateway,
    events: {
      record: (_o, type, reason, message) => {
        events.push(`${type}:${reason}`);
        messages.push(message);
      },
    },
    policy: { roleFor: async () => undefined },
    clock,
    logger: pino({ level: 'silent' }),
    defaultRegion: 'us-east-1',
    driftIntervalMs: 300_000,
    random: () => 0.5,
    ...deps,
  });
  const condition = (type: string) => store.obj.status?.conditions?.find((c) => c.type === type);
  const ready = () => condition('Ready');
  const annotation = (name: string) => store.obj.metadata.annotations?.[`apigw.dev/${name}`];
  const run = () => reconciler.reconcile(KEY, signal);
  /** Runs a pass and hands back what it threw. */
  const failure = async () =>
    (await run()
      .then(() => undefined)
      .catch((e: unknown) => e)) as Error | undefined;
  /** Forgets the calls and writes so far. */
  const reset = () => {
    gateway.calls = [];
    store.writes = [];
    events.length = 0;
    messages.length = 0;
  };
  return {
    caches,
    store,
    gateway,
    integrations,
    routes,
    others,
    events,
    messages,
    clock,
    condition,
    ready,
    annotation,
    run,
    failure,
    reset,
  };
}
