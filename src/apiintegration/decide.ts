// The decision core: a pure function from (object, validation, observation) to the one next step
// and the status it leads to. Every branch of the reconcile table in DESIGN §3 lives here and is
// tested as a table; the reconciler only gathers inputs and carries the plan out.
import { FINALIZER, type ApiIntegration, type Protocol } from '../api/v1alpha1/types.ts';
import { ownerOf, userDescription } from './desired.ts';
import { diffIntegration } from './diff.ts';
import type { IntegrationFields, Location, ObservedIntegration } from './ports.ts';
import { recordedOf, samePlace, type Place, type Recorded } from './recorded.ts';
import type { ConditionReason, EventReason } from './reasons.ts';
import type { Outcome } from './status.ts';

export type Action =
  | { type: 'None' }
  | { type: 'AddFinalizer' }
  | { type: 'RemoveFinalizer' }
  | { type: 'ClearPending' }
  | {
      type: 'Record';
      integrationId: string;
      location: Place;
      supersede?: { location: Place; integrationId: string };
      event?: { reason: EventReason; message: string };
    }
  | {
      type: 'Create';
      location: Location;
      fields: IntegrationFields;
      supersede?: { location: Place; integrationId: string };
      event: { reason: EventReason; message: string };
      /** Add the finalizer in the same write as the pending marker (a new object). */
      withFinalizer?: boolean;
    }
  | {
      type: 'Update';
      location: Location;
      integrationId: string;
      fields: IntegrationFields;
      changed: string[];
      again?: boolean;
    }
  /** Hand a retained integration back: strip the ownership marker, then let the object go. */
  | { type: 'Release'; location: Place; integrationId: string; fields: IntegrationFields }
  | {
      type: 'Delete';
      location: Place;
      integrationId: string;
      then: 'RemoveFinalizer' | 'ClearSuperseded' | 'None';
      why: DeleteWhy;
    };

/** Why an integration is being deleted; it shapes what the object says when routes block it. */
export type DeleteWhy = 'object deleted' | 'moved' | 'extra';

export type Requeue = 'drift' | 'soon' | 'none' | { afterMs: number };

export interface Plan {
  action: Action;
  /** The status to report once the action has succeeded; absent for intermediate steps. */
  outcome?: Outcome;
  /** An event to record when the status this plan reports is new (not on every pass). */
  notice?: { type: 'Normal' | 'Warning'; reason: EventReason; message: string };
  requeue: Requeue;
  /** The integration the status should describe. */
  report?: { integrationId: string; observed: ObservedIntegration; location: Place };
  /** Set when deciding needs a read from AWS first: read it, add it to the observation, decide again. */
  need?: Need;
}

export interface Desired {
  location: Location;
  fields: IntegrationFields;
  /** undefined when the API does not exist. */
  protocol: Protocol | undefined;
}

/** AWS reads gathered for this pass, as decide asked for them. `undefined` = not looked; `null` = looked, absent. */
export interface Observation {
  current?: ObservedIntegration | null;
  adoptee?: ObservedIntegration | null;
  /** Integrations carrying this object's ownership marker at the pending place (null: API gone). */
  claimed?: ObservedIntegration[] | null;
  /** For an adoptee marked by another object: whether that object still exists. */
  adopteeOwnerLive?: boolean;
}

export interface DecideInput {
  obj: ApiIntegration;
  /** Epoch ms. */
  now: number;
  /** How long after its marker a create that timed out may still land in AWS. */
  createSettleMs?: number;
  /** Validation problems, already formatted for a person; empty when valid. */
  invalid?: string;
  desired?: Desired;
  observation: Observation;
}

export type Need =
  { kind: 'list'; place: Place } | { kind: 'get'; place: Place; integrationId: string; as: 'current' | 'adoptee' };

/** Asks for a read; a plan never treats what it has not looked at as absent. */
const look = (need: Need): Plan => ({ action: { type: 'None' }, requeue: 'none', need });

const deleting = (o: ApiIntegration) => Boolean(o.metadata.deletionTimestamp);
const hasFinalizer = (o: ApiIntegration) => (o.metadata.finalizers ?? []).includes(FINALIZER);
const observeOnly = (o: ApiIntegration) => o.spec.managementPolicy === 'ObserveOnly';
const progressing = (reason: ConditionReason, message: string): Outcome => ({ kind: 'Progressing', reason, message });
const stalled = (reason: ConditionReason, message: string): Outcome => ({ kind: 'Stalled', reason, message });
// Ready means AWS holds what the spec says, not that traffic sees it: the operator makes no deployments.
const SYNCED: Outcome = {
  kind: 'Ready',
  reason: 'Synced',
  message:
    'the integration in AWS matches the spec (a WebSocket API, or a stage without autoDeploy, needs a deployment before traffic sees changes)',
};
const DEFAULT_SETTLE_MS = 30_000;

function decideDeletion(obj: ApiIntegration, rec: Recorded, obs: Observation): Plan {
  if (!hasFinalizer(obj)) return { action: { type: 'None' }, requeue: 'none' };
  if (observeOnly(obj)) return { action: { type: 'RemoveFinalizer' }, requeue: 'none' };
  if (obj.spec.deletionPolicy === 'Retain') {
    if (!rec.integrationId || !rec.location) return { action: { type: 'RemoveFinalizer' }, requeue: 'none' };
    return {
      action: { type: 'Release', location: rec.location, integrationId: rec.integrationId, fields: releaseFields(obj) },
      requeue: 'none',
    };
  }
  if (rec.superseded) {
    return { action: { type: 'Delete', ...rec.superseded, then: 'ClearSuperseded', why: 'moved' }, requeue: 'soon' };
  }
  if (rec.pending) {
    if (obs.claimed === undefined) return look({ kind: 'list', place: rec.pending });
    const claimed = (obs.claimed ?? []).filter((i) => i.integrationId !== rec.integrationId);
    const first = claimed[0];
    if (first)
      return {
        action: {
          type: 'Delete',
          location: rec.pending,
          integrationId: first.integrationId,
          then: 'None',
          why: 'extra',
        },
        requeue: 'soon',
      };
    return { action: { type: 'ClearPending' }, requeue: 'soon' };
  }
  if (rec.integrationId && rec.location) {
    return {
      action: {
        type: 'Delete',
        location: rec.location,
        integrationId: rec.integrationId,
        then: 'RemoveFinalizer',
        why: 'object deleted',
      },
      requeue: 'none',
    };
  }
  return { action: { type: 'RemoveFinalizer' }, requeue: 'none' };
}

function decideObserveOnly(obj: ApiIntegration, input: DecideInput): Plan {
  const d = input.desired!;
  const found = input.observation.adoptee;
  const watched = obj.spec.integrationId ?? recordedOf(obj).integrationId;
  if (watched && found === undefined)
    return look({ kind: 'get', place: d.location, integrationId: watched, as: 'adoptee' });
  if (!found) {
    const id = obj.spec.integrationId ?? recordedOf(obj).integrationId ?? '(none)';
    return {
      action: { type: 'None' },
      outcome: progressing(
        'NotFound',
        `integration ${id} was not found on API ${d.location.apiId} in ${d.location.region}; observing only, nothing will be created`,
      ),
      requeue: 'drift',
    };
  }
  // Ownership markers are never written in this mode, so compare only the user's text.
  const wanted = { ...d.fields, description: obj.spec.description ?? userDescription(found.description) };
  const diff = d.protocol
    ? diffIntegration(wanted, { ...found, description: userDescription(found.description) }, d.protocol)
    : { changed: [] };
  const message =
    diff.changed.length === 0
      ? 'observed; AWS matches the spec'
      : `observed; AWS differs from the spec in: ${diff.changed.join(', ')} (ObserveOnly: not corrected)`;
  return {
    action: { type: 'None' },
    outcome: { kind: 'Ready', reason: 'Observed', message },
    requeue: 'drift',
    report: { integrationId: found.integrationId, observed: found, location: d.location },
  };
}

/**
 * A lost or interrupted create: adopt what it made, remove extras, or try again. A create that timed
 * out may still land in AWS after a listing missed it, so another create waits until the settle
 * window since the marker has passed; a listing after that shows whatever the first one made.
 */
function decidePending(input: DecideInput, rec: Recorded, d: Desired): Plan {
  const pending = rec.pending!;
  const claimedAll = input.observation.claimed;
  if (claimedAll === undefined) return look({ kind: 'list', place: pending });
  const claimed = (claimedAll ?? []).filter(
    (i) => !(samePlace(pending, rec.location) && i.integrationId === rec.integrationId),
  );
  if (claimed.length > 1) {
    const extra = claimed[claimed.length - 1]!;
    return {
      action: { type: 'Delete', location: pending, integrationId: extra.integrationId, then: 'None', why: 'extra' },
      requeue: 'soon',
    };
  }
  const found = claimed[0];
  if (found) {
    const supersede =
      rec.integrationId && rec.location ? { location: rec.location, integrationId: rec.integrationId } : undefined;
    return {
      action: {
        type: 'Record',
        integrationId: found.integrationId,
        location: pending,
        supersede,
        event: {
          reason: 'Recovered',
          message: `recovered integration ${found.integrationId} made by an interrupted create`,
        },
      },
      requeue: 'soon',
    };
  }
  if (claimedAll === null || !samePlace(pending, d.location))
    return { action: { type: 'ClearPending' }, requeue: 'soon' };
  const settleLeft = (rec.pendingSince ?? 0) + (input.createSettleMs ?? DEFAULT_SETTLE_MS) - input.now;
  if (settleLeft > 0) {
    const message = `an earlier CreateIntegration got no answer; waiting ${Math.ceil(settleLeft / 1000)} s for it to show up before creating again`;
    return {
      action: { type: 'None' },
      outcome: progressing('CreateInDoubt', message),
      requeue: { afterMs: settleLeft },
    };
  }
  return create(d, rec, 'Created', `created integration on API ${d.location.apiId}`);
}

function create(d: Desired, rec: Recorded, reason: EventReason, message: string): Plan {
  const supersede =
    rec.integrationId && rec.location ? { location: rec.location, integrationId: rec.integrationId } : undefined;
  const moving = supersede && reason !== 'Recreated';
  return {
    action: {
      type: 'Create',
      location: d.location,
      fields: d.fields,
      ...(moving ? { supersede } : {}),
      event: { reason, message },
    },
    // Not Synced while the old integration is still there: the next pass deletes it, at once.
    outcome: moving ? progressing('Moving', `${message}; the old integration is deleted next`) : SYNCED,
    requeue: moving ? 'soon' : 'drift',
  };
}

function decideAdoption(
  obj: ApiIntegration,
  d: Desired,
  adoptee: ObservedIntegration | null | undefined,
  liveOwner: boolean | undefined,
): Plan {
  const id = obj.spec.integrationId!;
  if (adoptee === undefined) return look({ kind: 'get', place: d.location, integrationId: id, as: 'adoptee' });
  if (!adoptee)
    return {
      action: { type: 'None' },
      outcome: stalled(
        'AdoptionFailed',
        `integration ${id} does not exist on API ${d.location.apiId} in ${d.location.region}; fix spec.integrationId or remove it to create a new integration`,
      ),
      requeue: 'none',
    };
  if (adoptee.apiGatewayManaged)
    return {
      action: { type: 'None' },
      outcome: stalled(
        'AdoptionRefused',
        `integration ${id} was made by quick create (apiGatewayManaged) and cannot be managed or deleted; adopt a different integration`,
      ),
      requeue: 'none',
    };
  const owner = ownerOf(adoptee.description);
  // A marker left by an object that no longer exists (deleted with Retain before markers were
  // stripped, or restored under a new uid) does not block adoption.
  if (owner && owner !== obj.metadata.uid && liveOwner !== false)
    return {
      action: { type: 'None' },
      outcome: stalled(
        'AdoptionRefused',
        `integration ${id} is already managed by another ApiIntegration (uid ${owner})`,
      ),
      requeue: 'none',
    };
  return {
    action: {
      type: 'Record',
      integrationId: id,
      location: d.location,
      event: { reason: 'Adopted', message: `adopted existing integration ${id}` },
    },
    requeue: 'soon',
  };
}

function decideExisting(
  obj: ApiIntegration,
  rec: Recorded,
  d: Desired,
  current: ObservedIntegration | null | undefined,
): Plan {
  if (current === undefined && rec.location)
    return look({ kind: 'get', place: rec.location, integrationId: rec.integrationId!, as: 'current' });
  if (!current) {
    if (obj.spec.integrationId)
      return {
        action: { type: 'None' },
        outcome: stalled(
          'AdoptedIntegrationGone',
          `adopted integration ${obj.spec.integrationId} no longer exists in AWS; remove spec.integrationId to let the operator create one`,
        ),
        requeue: 'none',
      };
    if (!samePlace(rec.location, d.location))
      return create(
        d,
        { ...rec, integrationId: undefined },
        'Created',
        `created integration on API ${d.location.apiId}`,
      );
    return create(
      d,
      rec,
      'Recreated',
      `integration ${rec.integrationId} was deleted outside the operator; created a new one`,
    );
  }
  if (!samePlace(rec.location, d.location))
    return create(
      d,
      rec,
      'Moved',
      `apiId/region changed: created on API ${d.location.apiId} in ${d.location.region}, replacing ${rec.integrationId} on ${rec.location?.apiId}`,
    );
  const diff = diffIntegration(d.fields, current, d.protocol!);
  const report = { integrationId: current.integrationId, observed: current, location: d.location };
  const outcome = diff.notInPlace.length > 0 ? removalNotSupported(diff.notInPlace) : SYNCED;
  const notice =
    outcome.kind === 'Stalled'
      ? { type: 'Warning' as const, reason: 'RemovalNotSupported' as const, message: outcome.message }
      : undefined;
  if (diff.update) {
    // A step that leaves more to do (or removals to report) is compared again at once.
    const again = diff.again || diff.notInPlace.length > 0;
    const update: Action = {
      type: 'Update',
      location: d.location,
      integrationId: current.integrationId,
      fields: diff.update,
      changed: diff.changed,
      ...(again ? { again } : {}),
    };
    return { action: update, outcome, notice, requeue: 'drift', report };
  }
  return { action: { type: 'None' }, outcome, notice, requeue: 'drift', report };
}

function removalNotSupported(what: string[]): Outcome {
  const templates = what.filter((w) => w.startsWith('requestTemplates'));
  const params = what.filter((w) => w.startsWith('requestParameters'));
  const other = what.filter((w) => !templates.includes(w) && !params.includes(w));
  const advice = [
    templates.length
      ? `${templates.join(', ')}: API Gateway keeps an empty template when one is removed; set it to "" in the spec to accept that, or recreate the object`
      : '',
    params.length
      ? `${params.join(', ')}: API Gateway cannot remove a service integration's action parameter in place; recreate the object (retarget its routes first)`
      : '',
    other.length
      ? `${other.join(', ')}: API Gateway cannot clear this in place; set it again or recreate the object`
      : '',
  ].filter(Boolean);
  return stalled('RemovalNotSupported', `the rest of the spec is applied; ${advice.join('; ')}`);
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

export function decide(input: DecideInput): Plan {
  const { obj, observation: obs } = input;
  const rec = recordedOf(obj);
  if (deleting(obj)) return decideDeletion(obj, rec, obs);
  if (input.invalid) {
    // A Warning a person sees in `kubectl describe`, once per new set of problems.
    const notice = { type: 'Warning' as const, reason: 'InvalidSpec' as const, message: input.invalid };
    return { action: { type: 'None' }, outcome: stalled('InvalidSpec', input.invalid), notice, requeue: 'none' };
  }
  const d = input.desired;
  if (!d) throw new Error('decide: a valid object needs its desired state');
  if (!d.protocol)
    return {
      action: { type: 'None' },
      outcome: progressing(
        'ApiNotFound',
        `API ${d.location.apiId} does not exist in ${d.location.region}; waiting for it to be created`,
      ),
      requeue: 'soon',
    };
  if (observeOnly(obj)) return decideObserveOnly(obj, input);
  if (!hasFinalizer(obj)) {
    // A brand-new object: the finalizer goes in with the create's pending marker, one write fewer.
    if (!rec.integrationId && !rec.pending && !rec.superseded && !obj.spec.integrationId) {
      const plan = create(d, rec, 'Created', `created integration on API ${d.location.apiId}`);
      return { ...plan, action: { ...(plan.action as Extract<Action, { type: 'Create' }>), withFinalizer: true } };
    }
    return { action: { type: 'AddFinalizer' }, requeue: 'soon' };
  }
  if (rec.superseded)
    return { action: { type: 'Delete', ...rec.superseded, then: 'ClearSuperseded', why: 'moved' }, requeue: 'soon' };
  if (rec.pending) return decidePending(input, rec, d);
  if (rec.integrationId) return decideExisting(obj, rec, d, obs.current);
  if (obj.spec.integrationId) return decideAdoption(obj, d, obs.adoptee, obs.adopteeOwnerLive);
  return create(d, rec, 'Created', `created integration on API ${d.location.apiId}`);
}
