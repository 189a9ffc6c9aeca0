// Gathering what decide needs: the desired state (the spec validated, first on its own, then against
// the API's protocol) and the AWS reads decide asks for. Deciding stays in decide: this module only
// answers its questions, and a pass needs at most one read.
import { allows, credentialsAllowed, type AllowedApis, type AllowedCredentials } from '../api/v1alpha1/tenancy.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { formatProblems, validateSpec } from '../api/v1alpha1/validation.ts';
import { decide } from './decide.ts';
import { desiredFields, desiredLocation, ownerOf } from './desired.ts';
import type { DecideInput, Desired, Need, Observation, Plan } from './plan.ts';
import type { IntegrationGateway } from './ports.ts';
import { desiredIntegrationResponses } from './responses.ts';
import { AwsError } from '../kind/errors.ts';
import { located, pendingRequest } from '../kind/record.ts';
import { effectiveLambdaPermission } from '../api/v1alpha1/lambda-permission.ts';
import { lambdaFunctionOf, type LambdaFunction } from './permission.ts';
import type { LambdaPolicies, PolicyRead } from './permission-ports.ts';

export interface ReadContext {
  gateway: IntegrationGateway;
  signal: AbortSignal;
  /** The role the namespace policy chose for this object, if any. */
  roleArn: string | undefined;
  defaultRegion: string;
  /** Whether an ApiIntegration with this uid exists (adoption of an orphan's integration). */
  ownerExists?: (uid: string) => boolean;
  /** Which APIs the namespace may touch; absent: any. */
  allowedApis?: AllowedApis;
  /** Which roles the namespace may pass in spec.credentialsArn; absent: any. */
  allowedCredentials?: AllowedCredentials;
  /** Lambda function policies (spec.lambdaPermission); absent: not looked at. */
  lambda?: LambdaPolicies;
}

/**
 * The function policy, shared between the objects on one function. A read that fails does not fail
 * the pass (the integration itself is not in question): a refusal says so on Live (Unknown), a
 * throttled or unanswered read leaves Live as the last read found it, so Lambda's own rate limit
 * never makes Live, and the routes that follow it, flicker.
 */
async function readPolicy(ctx: ReadContext, obj: ApiIntegration, fn: LambdaFunction): Promise<PolicyRead> {
  if (!ctx.lambda) return { kind: 'unreadable', why: 'the operator has no Lambda client' };
  try {
    return await ctx.lambda.getPolicy({ fn, roleArn: ctx.roleArn }, ctx.signal, pendingRequest(obj) !== undefined);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    const why = err instanceof Error ? err.message : String(err);
    const refused = err instanceof AwsError && err.kind !== 'Throttled' && err.kind !== 'Transient';
    return { kind: 'unreadable', why, ...(refused ? {} : { transient: true as const }) };
  }
}

/**
 * The account of the object's API, for the SourceArn of its Lambda permission: asked only when the
 * permission is looked at (a Lambda integration not set to Ignore, or a statement to remove).
 */
export async function lambdaContext(ctx: ReadContext, obj: ApiIntegration): Promise<DecideInput['lambda']> {
  if (!ctx.lambda) return undefined;
  const looked = effectiveLambdaPermission(obj.spec) !== 'Ignore' && lambdaFunctionOf(obj.spec) !== undefined;
  // A deleted object's statement is removed by function and id alone; no account is needed.
  if (!looked || obj.metadata.deletionTimestamp) return { accountUnknown: 'not needed' };
  try {
    return { apiAccount: await ctx.lambda.accountOf(ctx.roleArn, ctx.signal) };
  } catch (err) {
    // Whom the operator is (STS) does not decide whether the integration is right: Live says it.
    if (ctx.signal.aborted) throw err;
    return { accountUnknown: err instanceof Error ? err.message : String(err) };
  }
}

/** What AWS should hold, or the spec's problems; nothing for an object being deleted. */
export async function desiredState(
  ctx: ReadContext,
  obj: ApiIntegration,
): Promise<{ desired?: Desired; invalid?: string }> {
  if (obj.metadata.deletionTimestamp) return {};
  const structural = validateSpec(obj.spec);
  if (!structural.ok) return { invalid: formatProblems(structural.problems) };
  // An API the namespace may not touch, or a role it may not pass, is not even read; decide says why.
  if (ctx.allowedApis && !allows(ctx.allowedApis, obj.spec.apiId)) return {};
  if (ctx.allowedCredentials && !credentialsAllowed(ctx.allowedCredentials, obj.spec.credentialsArn)) return {};
  const location = desiredLocation(obj.spec, ctx.defaultRegion, ctx.roleArn);
  const protocol = await ctx.gateway.getApiProtocol(location, ctx.signal);
  if (protocol) {
    const full = validateSpec(obj.spec, protocol);
    if (!full.ok) return { invalid: formatProblems(full.problems) };
  }
  const responses = desiredIntegrationResponses(obj.spec, protocol);
  const desired = { location, protocol, fields: desiredFields(obj.spec, obj.metadata.uid) };
  return { desired: responses ? { ...desired, responses } : desired };
}

/**
 * Plans ask for at most five reads (a listing, the integration or adoptee, the routes before a
 * delete, the integration responses, the function policy).
 */
const MAX_READS = 5;

/** Decides, reading from AWS whatever decide asks for first. */
export async function decideWithReads(ctx: ReadContext, input: DecideInput): Promise<Plan> {
  let plan = decide(input);
  for (let reads = 0; plan.need && reads < MAX_READS; reads++) {
    const observation = { ...input.observation, ...(await observe(ctx, input.obj, plan.need)) };
    input = { ...input, observation };
    plan = decide(input);
  }
  if (plan.need) throw new Error(`decide asked again for ${plan.need.kind} after reading it`);
  return plan;
}

async function observe(ctx: ReadContext, obj: ApiIntegration, need: Need): Promise<Observation> {
  if (need.kind === 'policy') return { policy: await readPolicy(ctx, obj, need.fn) };
  const at = located(need.place, ctx.roleArn);
  if (need.kind === 'list') {
    const all = await ctx.gateway.listIntegrations(at, ctx.signal);
    return { claimed: all === undefined ? null : all.filter((i) => ownerOf(i.description) === obj.metadata.uid) };
  }
  if (need.kind === 'routes') return { routes: (await ctx.gateway.listRoutes(at, ctx.signal)) ?? null };
  if (need.kind === 'responses')
    return { responses: (await ctx.gateway.listIntegrationResponses(at, need.integrationId, ctx.signal)) ?? null };
  return observeOne(ctx, obj, at, need);
}

/** GetIntegration, as the integration (`current`) or as the one to adopt. */
async function observeOne(
  ctx: ReadContext,
  obj: ApiIntegration,
  at: ReturnType<typeof located>,
  need: Extract<Need, { kind: 'get' }>,
): Promise<Observation> {
  // A reconcile request wants AWS as it is now, not as a shared listing saw it a moment ago.
  const fresh = pendingRequest(obj) !== undefined;
  const found = (await ctx.gateway.getIntegration(at, need.integrationId, ctx.signal, fresh)) ?? null;
  if (need.as === 'current') return { current: found };
  const owner = ownerOf(found?.description);
  const foreign = owner !== undefined && owner !== obj.metadata.uid;
  return {
    adoptee: found,
    ...(foreign && ctx.ownerExists ? { adopteeOwnerLive: ctx.ownerExists(owner) } : {}),
  };
}
