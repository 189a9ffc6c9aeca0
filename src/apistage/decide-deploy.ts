// Deciding what a stage in sync with its spec should serve, and when to deploy. The API's members
// (revision.ts) say whether the API has settled and which revision a deployment made now would
// serve; the status and the deploy marker say what the stage was last given.
//
// - OnChange: one deployment once the API has settled on a revision the stage does not serve;
//   churn holds it back at most deployMaxWaitMs, then the API as it is now is deployed.
// - Manual: a deployment only for a new apigw.dev/deploy-requested-at value.
// - autoDeploy: AWS deploys by itself; the stage is served once it shows a deployment made after
//   the revision it last served.
// A deployment is never made twice for one revision: its description names the revision, and a
// lost answer is found by listing, not repeated. A deployment made out of band is recorded with a
// Warning, never fought.
import { ANNOTATION_DEPLOY_REQUESTED } from '../api/v1alpha1/stage-types.ts';
import { WAIT, drift, progressing, stalled } from '../kind/plan.ts';
import { DEFAULT_SETTLE_MS } from '../kind/requeue.ts';
import type { DesiredStage, StageDecideInput, StagePlan, StageReport } from './plan.ts';
import type { ObservedStage } from './ports.ts';
import { recordedStageOf, revisionOfDescription } from './recorded.ts';

/** Churn holds a due deployment back at most this long unless the operator is told otherwise. */
export const DEFAULT_DEPLOY_MAX_WAIT_MS = 60_000;
/** autoDeploy: how soon to look again for AWS's own deployment. */
const AUTO_DEPLOY_LOOK_MS = 5_000;

interface Context {
  input: StageDecideInput;
  d: DesiredStage;
  stage: ObservedStage;
  base: StageReport;
}

const SERVED_MESSAGE = 'the stage serves a deployment of the settled configuration of its API';

export function decideServing(input: StageDecideInput, d: DesiredStage, stage: ObservedStage): StagePlan {
  const { settlement } = input;
  const waitingOn = [...settlement.pending, ...settlement.stalled];
  const base: StageReport = { location: d.location, stage, waitingOn };
  const c: Context = { input, d, stage, base };
  if (d.fields.autoDeploy) return autoDeployed(c);
  if (input.obj.spec.deploymentPolicy === 'Manual') return manual(c);
  return onChange(c);
}

/** Ready: the stage serves `objects` (when it serves the current revision) or what it served before. */
/** Ready: served, naming the Stalled objects the deployment leaves out. */
function servedOutcome(c: Context): StagePlan['outcome'] {
  const stalledOut = c.input.settlement.stalled.length;
  const note =
    stalledOut > 0 ? `; ${stalledOut} Stalled object(s) served as AWS holds them, listed in status.waitingOn` : '';
  return { kind: 'Ready', reason: 'Served', message: `${SERVED_MESSAGE}${note}` };
}

function servedPlan(c: Context, current = true): StagePlan {
  const s = c.input.obj.status;
  const objects = current ? { objects: c.input.settlement.ready } : {};
  return {
    action: { type: 'None' },
    outcome: servedOutcome(c),
    requeue: drift(c.d.location),
    report: {
      ...c.base,
      served: { deploymentId: c.stage.deploymentId ?? s?.deploymentId, revision: s?.deployedRevision, ...objects },
    },
  };
}

/** Since when the stage has been waiting for the API to settle (its Reconciling condition). */
function waitingSince(c: Context): number | undefined {
  const r = c.input.obj.status?.conditions?.find((x) => x.type === 'Reconciling');
  // Only a wait for the API's changes: Reconciling for another reason (a deployment in doubt) started none.
  const waiting = r?.status === 'True' && (r.reason === 'AwaitingSettle' || r.reason === 'AwaitingAutoDeploy');
  return waiting ? Date.parse(r.lastTransitionTime) : undefined;
}

/** How long the API's objects are still changing (their last change was less than the quiet period ago). */
const changingForMs = (c: Context) => Math.max(0, (c.input.quietUntil ?? 0) - c.input.now);

/**
 * Reconciling while a deployment is due: some objects are not settled (they wake the stage when they
 * change), or all are but changed moments ago (the stage looks again when the quiet period ends).
 */
function awaitingSettle(c: Context): StagePlan {
  const unsettled = c.input.settlement.pending.length > 0;
  // No count in the message: the status would change with every object that settles.
  const message = unsettled
    ? `waiting for the objects on the API listed in status.waitingOn to become Ready before deploying`
    : `the API's objects changed moments ago; deploying once the changes pause`;
  return {
    action: { type: 'None' },
    outcome: progressing('AwaitingSettle', message),
    requeue: unsettled ? untilDeadline(c) : { kind: 'after', ms: changingForMs(c) },
    report: c.base,
  };
}

/** Objects wake the stage when they settle; the longest wait ends on time even if none does. */
function untilDeadline(c: Context): StagePlan['requeue'] {
  const since = waitingSince(c) ?? c.input.now;
  const left = since + (c.input.deployMaxWaitMs ?? DEFAULT_DEPLOY_MAX_WAIT_MS) - c.input.now;
  return { kind: 'after', ms: Math.max(1, left) };
}

/** Whether a due deployment waits: objects not settled or still changing, within the longest wait. */
const mustWait = (c: Context) => (!c.input.settlement.settled || changingForMs(c) > 0) && !waitedEnough(c);

/** Whether churn has held the deployment back long enough that the API is deployed as it is. */
function waitedEnough(c: Context): boolean {
  const since = waitingSince(c);
  const max = c.input.deployMaxWaitMs ?? DEFAULT_DEPLOY_MAX_WAIT_MS;
  return since !== undefined && c.input.now - since >= max;
}

function onChange(c: Context): StagePlan {
  const { settlement, obj } = c.input;
  const s = obj.status;
  if (settlement.revision === s?.deployedRevision && c.stage.deploymentId) {
    if (c.stage.deploymentId === s.deploymentId) return servedPlan(c);
    // Someone deployed by hand: recorded, not fought; the next change deploys again.
    const message = `deployment ${c.stage.deploymentId} was made outside the operator (it had deployed ${s.deploymentId ?? 'nothing'}); the next change to the API deploys again`;
    return { ...servedPlan(c), notice: { type: 'Warning', reason: 'DeployedOutOfBand', message } };
  }
  if (mustWait(c)) return awaitingSettle(c);
  return nothingToDeploy(c) ?? deployNow(c);
}

/**
 * No ApiRoute on the API is Ready and AWS holds no route either; AWS refuses a deployment of an API without routes ("Unable
 * to deploy API because no routes exist in this API"). Before any deployment that is only nothing
 * to serve yet; after one, the stage still serves the routes since removed, which no deployment
 * can take away: Stalled, saying so.
 */
function nothingToDeploy(c: Context): StagePlan | undefined {
  if (Object.keys(c.input.settlement.ready).some((k) => k.startsWith('ApiRoute/'))) return undefined;
  // Routes made elsewhere (Terraform, the console) are deployed as well: only AWS says whether there are any.
  const hasRoutes = c.input.observation.apiHasRoutes;
  if (hasRoutes === undefined)
    return { action: { type: 'None' }, requeue: WAIT, need: { kind: 'routes', place: c.d.location } };
  if (hasRoutes) return undefined;
  const api = c.d.location.apiId;
  const base = { action: { type: 'None' as const }, requeue: drift(c.d.location), report: c.base };
  if (!c.stage.deploymentId) {
    const message = `no ApiRoute on API ${api} is Ready: nothing to deploy yet; the stage's settings match the spec`;
    return { ...base, outcome: { kind: 'Ready', reason: 'NothingToDeploy', message } };
  }
  const message = `the stage still serves deployment ${c.stage.deploymentId}, but no ApiRoute on API ${api} is Ready any more and AWS cannot deploy an API without routes; add a route, or delete the stage to stop serving`;
  return {
    ...base,
    outcome: stalled('NothingToDeploy', message),
    notice: { type: 'Warning', reason: 'NothingToDeploy', message },
  };
}

/** What a Manual stage that has not deployed the API's current revision serves. */
function manualServes(c: Context): string {
  const foreign = c.input.obj.status?.deployedRevision ? undefined : c.stage.deploymentId;
  return foreign
    ? `it serves deployment ${foreign}, made outside the operator`
    : 'changes to the API are not deployed yet';
}

function manual(c: Context): StagePlan {
  const { obj, settlement } = c.input;
  const requested = obj.metadata.annotations?.[ANNOTATION_DEPLOY_REQUESTED];
  const handled = obj.status?.lastHandledDeployAt;
  if (!requested || requested === handled) {
    // Serving the current revision reads as OnChange's does, so the pass after a requested
    // deployment does not flip the reason (and rewrite the status) with nothing changed.
    if (settlement.revision === obj.status?.deployedRevision) return servedPlan(c);
    const message = `the stage's settings match the spec; ${manualServes(c)} (deploymentPolicy Manual: set the annotation ${ANNOTATION_DEPLOY_REQUESTED} to deploy)`;
    return { ...servedPlan(c, false), outcome: { kind: 'Ready', reason: 'Synced', message } };
  }
  if (mustWait(c)) return awaitingSettle(c);
  const plan = nothingToDeploy(c) ?? deployNow(c);
  // The request is handled once the stage serves a deployment for it (made, pointed at or found);
  // a deployment in doubt may never land, so the request stays open until it is known.
  if (plan.outcome?.kind !== 'Ready') return plan;
  return { ...plan, report: { ...plan.report!, handledDeploy: requested } };
}

/** The latest deployment whose description names `revision`. */
function deploymentOf(c: Context, revision: string) {
  const mine = (c.input.observation.deployments ?? []).filter(
    (x) => revisionOfDescription(x.description, c.input.obj.spec.stageName) === revision,
  );
  return mine.sort((a, b) => (b.createdDate ?? 0) - (a.createdDate ?? 0))[0];
}

/**
 * Deploys the revision. Only when an earlier CreateDeployment of it may have landed (its marker, or a
 * status that lost what it deployed) are the deployments listed first: one made for this stage and
 * revision is used (pointed at, if the stage does not serve it yet), and one that may still show up
 * is waited for. A revision that comes back later is deployed anew, never pointed back at.
 */
function deployNow(c: Context): StagePlan {
  const { input } = c;
  const revision = input.settlement.revision;
  const pending = recordedStageOf(input.obj).deployPending;
  const inDoubt = pending?.revision === revision || !input.obj.status?.deployedRevision;
  if (!inDoubt) return deploy(c);
  const deployments = input.observation.deployments;
  if (deployments === undefined)
    return { action: { type: 'None' }, requeue: WAIT, need: { kind: 'deployments', place: c.d.location } };
  const found = deployments === null ? undefined : deploymentOf(c, revision);
  if (found) return useFound(c, found, pending !== undefined);
  const settleLeft = pending ? pending.since + (input.createSettleMs ?? DEFAULT_SETTLE_MS) - input.now : 0;
  if (settleLeft <= 0) return deploy(c);
  const message = `an earlier CreateDeployment got no answer; waiting ${Math.ceil(settleLeft / 1000)} s for it to show up before deploying again`;
  return {
    action: { type: 'None' },
    outcome: progressing('DeployInDoubt', message),
    requeue: { kind: 'after', ms: settleLeft },
    report: c.base,
  };
}

function deploy(c: Context): StagePlan {
  const { input, d } = c;
  const { revision, ready: objects } = input.settlement;
  const stageName = input.obj.spec.stageName;
  return {
    action: { type: 'Deploy', location: d.location, stageName, revision },
    event: { type: 'Normal', reason: 'Deployed', message: `deployed revision ${revision} to stage ${stageName}` },
    outcome: servedOutcome(c),
    requeue: drift(d.location),
    report: { ...c.base, served: { revision, objects } },
  };
}

/** A deployment of this revision made for this stage whose answer was lost: recorded, and served. */
function useFound(c: Context, found: { deploymentId: string; createdDate?: number }, marked: boolean): StagePlan {
  const { input, d, stage } = c;
  const { revision, ready: objects } = input.settlement;
  const stageName = input.obj.spec.stageName;
  const served = { deploymentId: found.deploymentId, revision, at: found.createdDate, objects };
  if (found.deploymentId === stage.deploymentId) {
    const action = marked ? { type: 'ClearDeployPending' as const } : { type: 'None' as const };
    return { ...servedPlan(c), action, report: { ...c.base, served } };
  }
  return {
    action: { type: 'Point', location: d.location, stageName, deploymentId: found.deploymentId },
    event: {
      type: 'Normal',
      reason: 'Deployed',
      message: `stage ${stageName} serves deployment ${found.deploymentId} of revision ${revision}, found after a lost answer`,
    },
    outcome: servedOutcome(c),
    requeue: drift(d.location),
    report: { ...c.base, served },
  };
}

/**
 * autoDeploy: AWS deploys every change by itself. Served once the API has settled and the stage
 * serves a deployment other than the one it served for the last revision (or that revision is current).
 */
function autoDeployed(c: Context): StagePlan {
  const failure = autoDeployFailure(c);
  if (failure) return failure;
  if (mustWait(c)) return awaitingSettle(c);
  const { settlement, obj } = c.input;
  const s = obj.status;
  const current = settlement.revision === s?.deployedRevision && c.stage.deploymentId === s?.deploymentId;
  const redeployed = c.stage.deploymentId !== undefined && c.stage.deploymentId !== s?.deploymentId;
  // A change that made no AWS call (a deletionPolicy edit) gets no automatic deployment: the wait ends.
  if (current || redeployed || waitedEnough(c))
    return {
      ...servedPlan(c),
      report: {
        ...c.base,
        served: { deploymentId: c.stage.deploymentId, revision: settlement.revision, objects: settlement.ready },
      },
    };
  const message = `waiting for AWS to deploy the API's latest changes to this autoDeploy stage`;
  return {
    action: { type: 'None' },
    outcome: progressing('AwaitingAutoDeploy', message),
    requeue: { kind: 'after', ms: AUTO_DEPLOY_LOOK_MS },
    report: c.base,
  };
}

/** Whether AWS's own deployment failed: the deployment's status says so, not words in the stage's message. */
function autoDeployFailure(c: Context): StagePlan | undefined {
  const served = c.input.observation.deployment;
  const deploymentId = c.stage.deploymentId;
  if (deploymentId && served === undefined)
    return { action: { type: 'None' }, requeue: WAIT, need: { kind: 'deployment', place: c.d.location, deploymentId } };
  if (served?.deploymentStatus !== 'FAILED') return undefined;
  const why = served.deploymentStatusMessage ?? c.stage.lastDeploymentStatusMessage ?? 'no reason given';
  const message = `AWS reports its last automatic deployment failed: ${why}`;
  return {
    action: { type: 'None' },
    outcome: stalled('AutoDeployFailed', message),
    notice: { type: 'Warning', reason: 'AutoDeployFailed', message },
    requeue: WAIT,
    report: c.base,
  };
}
