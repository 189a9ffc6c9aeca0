// Gathering what the ApiStage core needs: the desired state (the spec validated, first on its own,
// then against the API's protocol, before any AWS write), what the API's ApiIntegrations and
// ApiRoutes say should be served (from the caches), and the AWS reads decide asks for.
import type { ApiRoute } from '../api/v1alpha1/route-types.ts';
import type { ApiStage } from '../api/v1alpha1/stage-types.ts';
import { validateStageSpec } from '../api/v1alpha1/stage-validation.ts';
import { allows, type AllowedApis } from '../api/v1alpha1/tenancy.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { formatProblems } from '../api/v1alpha1/validation.ts';
import { located, type Place } from '../kind/record.ts';
import { decideStage } from './decide.ts';
import { desiredStageFields } from './diff.ts';
import type { DesiredStage, StageDecideInput, StageNeed, StageObservation, StagePlan } from './plan.ts';
import type { StageGateway } from './ports.ts';

export interface StageReadContext {
  gateway: StageGateway;
  signal: AbortSignal;
  /** The role the namespace policy chose for this object, if any. */
  roleArn: string | undefined;
  defaultRegion: string;
  allowedApis?: AllowedApis;
}

/** The operator's caches of the kinds a stage serves. */
export interface ServedObjects {
  integrations(): Iterable<ApiIntegration>;
  routes(): Iterable<ApiRoute>;
  /** Whether both caches have listed everything: until then, what they hold says nothing. */
  synced(): boolean;
  /** Until when the API counts as changing (its objects changed less than the quiet period ago). */
  quietUntil?(place: Place): number | undefined;
}

/** What AWS should hold, or the spec's problems; nothing for an object being deleted. */
export async function desiredStageState(
  ctx: StageReadContext,
  obj: ApiStage,
): Promise<{ desired?: DesiredStage; invalid?: string }> {
  if (obj.metadata.deletionTimestamp) return {};
  const structural = validateStageSpec(obj.spec);
  if (!structural.ok) return { invalid: formatProblems(structural.problems) };
  // An API the namespace may not touch is not even read; decide says why.
  if (ctx.allowedApis && !allows(ctx.allowedApis, obj.spec.apiId)) return {};
  const place: Place = { apiId: obj.spec.apiId, region: obj.spec.region ?? ctx.defaultRegion };
  const location = located(place, ctx.roleArn);
  const protocol = await ctx.gateway.getApiProtocol(location, ctx.signal);
  if (protocol) {
    const full = validateStageSpec(obj.spec, protocol);
    if (!full.ok) return { invalid: formatProblems(full.problems) };
  }
  return { desired: { location, protocol, fields: desiredStageFields(obj.spec) } };
}

/** Plans ask for at most three reads (the stage, the API's routes, then its deployments or the served one). */
const MAX_READS = 3;

/** Decides, reading from AWS whatever decide asks for first. */
export async function decideStageWithReads(ctx: StageReadContext, input: StageDecideInput): Promise<StagePlan> {
  let plan = decideStage(input);
  for (let reads = 0; plan.need && reads < MAX_READS; reads++) {
    const observation = { ...input.observation, ...(await observe(ctx, plan.need)) };
    input = { ...input, observation };
    plan = decideStage(input);
  }
  if (plan.need) throw new Error(`decide asked again for ${plan.need.kind} after reading it`);
  return plan;
}

async function observe(ctx: StageReadContext, need: StageNeed): Promise<StageObservation> {
  const at = located(need.place, ctx.roleArn);
  switch (need.kind) {
    case 'deployments':
      return { deployments: (await ctx.gateway.listDeployments(at, ctx.signal)) ?? null };
    case 'routes':
      return { apiHasRoutes: (await ctx.gateway.hasRoutes(at, ctx.signal)) ?? false };
    case 'deployment':
      return { deployment: (await ctx.gateway.getDeployment(at, need.deploymentId, ctx.signal)) ?? null };
    case 'stage':
      return { stage: (await ctx.gateway.getStage(at, need.stageName, ctx.signal)) ?? null };
  }
}
