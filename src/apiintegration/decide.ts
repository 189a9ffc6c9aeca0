// The decision core: a pure function from (object, validation, observation) to the one next step,
// the status and event it leads to, whether the pass goes on, and when to come back. Every branch of
// the reconcile table in DESIGN §3 lives here or in the deciders it hands off to (decide-create.ts,
// decide-existing.ts) and is tested as a table; the reconciler only gathers inputs and carries the
// plan out.
import { effectiveDeletionPolicy } from '../api/v1alpha1/deletion-policy.ts';
import { DEFAULT_NOT_FOUND_GRACE_MS, missingMessage, missingWait } from '../api/v1alpha1/not-found.ts';
import {
  allows,
  apiNotAllowedMessage,
  credentialsAllowed,
  credentialsNotAllowedMessage,
} from '../api/v1alpha1/tenancy.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { FINALIZER } from '../api/v1alpha1/group.ts';
import { create, created, decideAdoption, decidePending } from './decide-create.ts';
import { decideExisting, decideObserveOnly } from './decide-existing.ts';
import { permissionCleanup, permissionWithWrite, withPermission } from './decide-permission.ts';
import {
  NO_REQUEUE,
  deleteStep,
  look,
  metadataStep,
  progressing,
  report,
  stalled,
  type DecideInput,
  type Desired,
  type Observation,
  type Plan,
} from './plan.ts';
import type { IntegrationFields } from './ports.ts';
import { recordedOf, type Recorded } from './recorded.ts';

export type { Action, DecideInput, DeleteWhy, Desired, Need, Notice, Observation, Plan, Requeue } from './plan.ts';

const deleting = (o: ApiIntegration) => Boolean(o.metadata.deletionTimestamp);
const hasFinalizer = (o: ApiIntegration) => (o.metadata.finalizers ?? []).includes(FINALIZER);
const observeOnly = (o: ApiIntegration) => o.spec.managementPolicy === 'ObserveOnly';
const letGo = (): Plan => ({ action: { type: 'RemoveFinalizer' }, requeue: NO_REQUEUE });

export function decide(input: DecideInput): Plan {
  const refused = specApiRefused(input) ?? specCredentialsRefused(input);
  return refused ?? confined(input, decideAnywhere(input));
}

function decideAnywhere(input: DecideInput): Plan {
  const { obj, observation: obs } = input;
  const rec = recordedOf(obj);
  if (deleting(obj)) return decideDeletion(input, rec);
  if (input.invalid) return invalidSpec(input.invalid);
  const d = input.desired;
  if (!d) throw new Error('decide: a valid object needs its desired state');
  if (!d.protocol) return apiNotFound(input, d);
  if (observeOnly(obj)) return withPermissionFollowing(input, d, decideObserveOnly(obj, obs.adoptee, d));
  if (!hasFinalizer(obj)) return withPermissionFollowing(input, d, decideFirstVisit(obj, rec, d));
  if (rec.superseded) return deleteStep({ obs, obj }, rec.superseded, 'ClearSuperseded', 'moved');
  if (rec.pending) return decidePending(input, rec, d);
  if (rec.integrationId) return withPermissionFollowing(input, d, decideExisting(input, rec, d, obs.current));
  if (obj.spec.integrationId) return decideAdoption(obj, d, obs.adoptee, obs.adopteeOwnerLive);
  return withPermissionFollowing(input, d, create(d, created(d)));
}

/**
 * spec.lambdaPermission once the integration matches the spec (a plan that writes nothing and
 * waits for the next drift check), or with the create or update that makes it match.
 */
function withPermissionFollowing(input: DecideInput, d: Desired, plan: Plan): Plan {
  const looked = input.lambda !== undefined;
  if (!looked || plan.requeue.kind !== 'drift' || plan.need) return plan;
  if (plan.action.type === 'None' && plan.report) return withPermission(input, d, plan);
  if (plan.action.type === 'Create' || plan.action.type === 'Update') return permissionWithWrite(input, d, plan);
  return plan;
}

/**
 * Tenancy (the Namespace's apigw.dev/allowed-api-ids): a live, valid object naming an API its
 * namespace may not touch is Stalled before any AWS call, reads included. Nothing in AWS is deleted
 * for it: what the object made earlier stays until the object is deleted or the API allowed again.
 * Looked at again on the wait interval, since no Namespace is watched.
 */
function specApiRefused(input: DecideInput): Plan | undefined {
  const { obj, allowedApis } = input;
  if (!allowedApis || deleting(obj) || input.invalid || allows(allowedApis, obj.spec.apiId)) return undefined;
  return notAllowed('ApiNotAllowed', apiNotAllowedMessage(obj.metadata.namespace, obj.spec.apiId, allowedApis));
}

function notAllowed(reason: 'ApiNotAllowed' | 'CredentialsNotAllowed', message: string): Plan {
  return {
    action: { type: 'None' },
    outcome: stalled(reason, message),
    notice: { type: 'Warning', reason, message },
    requeue: { kind: 'wait' },
  };
}

/**
 * Tenancy (the Namespace's apigw.dev/allowed-credentials-arns): a live, valid object whose
 * credentialsArn matches none of the namespace's patterns is Stalled the same way, before any AWS
 * call. Only creates and updates hand the role to API Gateway, and they take it from the spec, so
 * this one check covers every write; a delete passes no role and goes ahead as usual.
 */
function specCredentialsRefused(input: DecideInput): Plan | undefined {
  const { obj, allowedCredentials } = input;
  const arn = obj.spec.credentialsArn;
  if (!allowedCredentials || deleting(obj) || input.invalid || credentialsAllowed(allowedCredentials, arn))
    return undefined;
  const message = credentialsNotAllowedMessage(obj.metadata.namespace, arn!, allowedCredentials);
  return notAllowed('CredentialsNotAllowed', message);
}

/**
 * The other APIs a plan may write to come from the object's annotations (recorded, pending,
 * superseded), which tenants can edit, so every write is held to the same list. A live object is
 * Stalled; a deleted one is let go without the AWS call, leaving that integration in place for the
 * administrator (it keeps its ownership marker, so another object may adopt it once this one is gone).
 */
function confined(input: DecideInput, plan: Plan): Plan {
  const { obj, allowedApis } = input;
  const apiId = writtenApi(plan.action) ?? (plan.need?.kind === 'routes' ? plan.need.place.apiId : undefined);
  if (!allowedApis || apiId === undefined || allows(allowedApis, apiId)) return plan;
  const message = apiNotAllowedMessage(obj.metadata.namespace, apiId, allowedApis);
  if (!deleting(obj)) return notAllowed('ApiNotAllowed', message);
  const id =
    'integrationId' in plan.action
      ? plan.action.integrationId
      : plan.need?.kind === 'routes'
        ? plan.need.integrationId
        : '';
  return {
    action: { type: 'RemoveFinalizer' },
    event: { type: 'Warning', reason: 'ApiNotAllowed', message: `left integration ${id} in place: ${message}` },
    requeue: NO_REQUEUE,
  };
}

/** The API an action sends a write to, if any (recording an id writes only the object). */
function writtenApi(a: Plan['action']): string | undefined {
  return a.type === 'Create' || a.type === 'Update' || a.type === 'Release' || a.type === 'Delete'
    ? a.location.apiId
    : undefined;
}

/** A Warning a person sees in `kubectl describe`, once per new set of problems; no AWS call. */
function invalidSpec(problems: string): Plan {
  return {
    action: { type: 'None' },
    outcome: stalled('InvalidSpec', problems),
    notice: { type: 'Warning', reason: 'InvalidSpec', message: problems },
    requeue: NO_REQUEUE,
  };
}

/**
 * A missing API may be on its way, or a typo in apiId or region: waited for through the grace period,
 * then Stalled with a Warning, and still looked for on a growing backoff (not-found.ts).
 */
function apiNotFound(input: DecideInput, d: Desired): Plan {
  const graceMs = input.notFoundGraceMs ?? DEFAULT_NOT_FOUND_GRACE_MS;
  const wait = missingWait(input.obj, 'ApiNotFound', input.now, graceMs);
  const message = missingMessage(wait, graceMs, {
    fact: `API ${d.location.apiId} does not exist in ${d.location.region}`,
    fix: 'fix apiId or region, or create the API',
  });
  if (!wait.stalled) return report(progressing('ApiNotFound', message), { kind: 'missing', wait });
  return {
    ...report(stalled('ApiNotFound', message), { kind: 'missing', wait }),
    notice: { type: 'Warning', reason: 'ApiNotFound', message },
  };
}

/** The finalizer goes first; a brand-new object's rides along with the create's pending marker, one write fewer. */
function decideFirstVisit(obj: ApiIntegration, rec: Recorded, d: Desired): Plan {
  const fresh = !rec.integrationId && !rec.pending && !rec.superseded && !obj.spec.integrationId;
  return fresh ? create(d, created(d), { withFinalizer: true }) : metadataStep('AddFinalizer');
}

function decideDeletion(input: DecideInput, rec: Recorded): Plan {
  const { obj, observation: obs } = input;
  if (!hasFinalizer(obj)) return report(undefined, NO_REQUEUE);
  if (observeOnly(obj)) return letGo();
  if (effectiveDeletionPolicy(obj.spec) === 'Retain') return release(obj, rec);
  // The statement the operator added goes first: the let-go below is the pass's last step.
  const cleanup = input.lambda ? permissionCleanup(input, obs.permission?.removed ?? []) : undefined;
  if (cleanup) return cleanup;
  if (rec.superseded) return deleteStep({ obs, obj }, rec.superseded, 'ClearSuperseded', 'moved');
  if (rec.pending) return cleanUpPending(obj, rec, obs);
  if (rec.integrationId && rec.location)
    return deleteStep(
      { obs, obj },
      { location: rec.location, integrationId: rec.integrationId },
      'RemoveFinalizer',
      'object deleted',
    );
  return letGo();
}

function release(obj: ApiIntegration, rec: Recorded): Plan {
  if (!rec.integrationId || !rec.location) return letGo();
  return {
    action: { type: 'Release', location: rec.location, integrationId: rec.integrationId, fields: releaseFields(obj) },
    requeue: NO_REQUEUE,
  };
}

/** A deleted object's interrupted create may have made an integration: delete it before letting go. */
function cleanUpPending(obj: ApiIntegration, rec: Recorded, obs: Observation): Plan {
  const pending = rec.pending!;
  if (obs.claimed === undefined) return look({ kind: 'list', place: pending });
  const extra = (obs.claimed ?? []).find((i) => i.integrationId !== rec.integrationId);
  if (extra)
    return deleteStep({ obs, obj }, { location: pending, integrationId: extra.integrationId }, 'None', 'extra');
  return metadataStep('ClearPending');
}

/** What a retained integration is left with: the user's description, without the ownership marker. */
function releaseFields(obj: ApiIntegration): IntegrationFields {
  const s = obj.spec;
  return {
    integrationType: s.integrationType,
    description: s.description ?? '',
    // Service integrations refuse an update without their subtype and full parameter set.
    ...(s.integrationSubtype
      ? { integrationSubtype: s.integrationSubtype, requestParameters: s.requestParameters ?? {} }
      : {}),
  };
}
