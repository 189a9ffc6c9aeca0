// The decision core: a pure function from (object, validation, observation) to the one next step
// and the status it leads to. Every branch of the reconcile table in DESIGN §3 lives here and is
// tested as a table; the reconciler only gathers inputs and carries the plan out.
import { FINALIZER, type ApiIntegration, type Protocol } from '../api/v1alpha1/types.ts';
import { ownerOf, userDescription } from './desired.ts';
import { diffIntegration } from './diff.ts';
import type { IntegrationFields, Location, ObservedIntegration } from './ports.ts';
import { recordedOf, samePlace, type Place, type Recorded } from './recorded.ts';
import type { Outcome } from './status.ts';

export type Action =
  | { type: 'None' }
  | { type: 'AddFinalizer' }
  | { type: 'RemoveFinalizer' }
  | { type: 'ClearPending' }
  | { type: 'Record'; integrationId: string; location: Place; supersede?: { location: Place; integrationId: string }; event?: { reason: string; message: string } }
  | { type: 'Create'; location: Location; fields: IntegrationFields; supersede?: { location: Place; integrationId: string }; event: { reason: string; message: string } }
  | { type: 'Update'; location: Location; integrationId: string; fields: IntegrationFields; changed: string[] }
  | { type: 'Delete'; location: Place; integrationId: string; then: 'RemoveFinalizer' | 'ClearSuperseded' | 'None'; why: string };

export type Requeue = 'drift' | 'soon' | 'none';

export interface Plan {
  action: Action;
  /** The status to report once the action has succeeded; absent for intermediate steps. */
  outcome?: Outcome;
  requeue: Requeue;
  /** The integration the status should describe. */
  report?: { integrationId: string; observed: ObservedIntegration; location: Place };
}

export interface Desired {
  location: Location;
  fields: IntegrationFields;
  /** undefined when the API does not exist. */
  protocol: Protocol | undefined;
}

/** AWS reads gathered for this pass; which ones depends on `observationNeeds`. `null` = looked, absent. */
export interface Observation {
  current?: ObservedIntegration | null;
  adoptee?: ObservedIntegration | null;
  /** Integrations carrying this object's ownership marker at the pending place (null: API gone). */
  claimed?: ObservedIntegration[] | null;
}

export interface DecideInput {
  obj: ApiIntegration;
  /** Validation problems, already formatted for a person; empty when valid. */
  invalid?: string;
  desired?: Desired;
  observation: Observation;
}

export type Need =
  | { kind: 'none' }
  | { kind: 'list'; place: Place }
  | { kind: 'get'; place: Place; integrationId: string; as: 'current' | 'adoptee' };

const deleting = (o: ApiIntegration) => Boolean(o.metadata.deletionTimestamp);
const hasFinalizer = (o: ApiIntegration) => (o.metadata.finalizers ?? []).includes(FINALIZER);
const observeOnly = (o: ApiIntegration) => o.spec.managementPolicy === 'ObserveOnly';
const progressing = (reason: string, message: string): Outcome => ({ kind: 'Progressing', reason, message });
const stalled = (reason: string, message: string): Outcome => ({ kind: 'Stalled', reason, message });

/** What to read from AWS before deciding. */
export function observationNeeds(obj: ApiIntegration, desiredPlace: Place | undefined): Need {
  const rec = recordedOf(obj);
  if (deleting(obj)) {
    if (!hasFinalizer(obj) || obj.spec.deletionPolicy === 'Retain' || observeOnly(obj) || rec.superseded) return { kind: 'none' };
    return rec.pending ? { kind: 'list', place: rec.pending } : { kind: 'none' };
  }
  if (observeOnly(obj)) {
    const id = obj.spec.integrationId ?? rec.integrationId;
    return id && desiredPlace ? { kind: 'get', place: desiredPlace, integrationId: id, as: 'adoptee' } : { kind: 'none' };
  }
  if (rec.superseded) return { kind: 'none' };
  if (rec.pending) return { kind: 'list', place: rec.pending };
  if (rec.integrationId && rec.location) return { kind: 'get', place: rec.location, integrationId: rec.integrationId, as: 'current' };
  if (obj.spec.integrationId && desiredPlace) return { kind: 'get', place: desiredPlace, integrationId: obj.spec.integrationId, as: 'adoptee' };
  return { kind: 'none' };
}

function decideDeletion(obj: ApiIntegration, rec: Recorded, obs: Observation): Plan {
  if (!hasFinalizer(obj)) return { action: { type: 'None' }, requeue: 'none' };
  if (obj.spec.deletionPolicy === 'Retain' || observeOnly(obj)) return { action: { type: 'RemoveFinalizer' }, requeue: 'none' };
  if (rec.superseded) {
    return { action: { type: 'Delete', ...rec.superseded, then: 'ClearSuperseded', why: 'superseded' }, requeue: 'soon' };
  }
  if (rec.pending) {
    const claimed = (obs.claimed ?? []).filter((i) => i.integrationId !== rec.integrationId);
    const first = claimed[0];
    if (first) return { action: { type: 'Delete', location: rec.pending, integrationId: first.integrationId, then: 'None', why: 'created before the object was deleted' }, requeue: 'soon' };
    return { action: { type: 'ClearPending' }, requeue: 'soon' };
  }
  if (rec.integrationId && rec.location) {
    return { action: { type: 'Delete', location: rec.location, integrationId: rec.integrationId, then: 'RemoveFinalizer', why: 'object deleted' }, requeue: 'none' };
  }
  return { action: { type: 'RemoveFinalizer' }, requeue: 'none' };
}

function decideObserveOnly(obj: ApiIntegration, input: DecideInput): Plan {
  const d = input.desired!;
  const found = input.observation.adoptee;
  if (!found) {
    const id = obj.spec.integrationId ?? recordedOf(obj).integrationId ?? '(none)';
    return { action: { type: 'None' }, outcome: progressing('NotFound', `integration ${id} was not found on API ${d.location.apiId} in ${d.location.region}; observing only, nothing will be created`), requeue: 'drift' };
  }
  // Ownership markers are never written in this mode, so compare only the user's text.
  const wanted = { ...d.fields, description: obj.spec.description ?? userDescription(found.description) };
  const diff = d.protocol ? diffIntegration(wanted, { ...found, description: userDescription(found.description) }, d.protocol) : { changed: [] };
  const message = diff.changed.length === 0 ? 'observed; AWS matches the spec' : `observed; AWS differs from the spec in: ${diff.changed.join(', ')} (ObserveOnly: not corrected)`;
  return {
    action: { type: 'None' },
    outcome: { kind: 'Ready', reason: 'Observed', message },
    requeue: 'drift',
    report: { integrationId: found.integrationId, observed: found, location: d.location },
  };
}

/** A lost or interrupted create: adopt what it made, remove extras, or try again. */
function decidePending(obj: ApiIntegration, rec: Recorded, d: Desired, claimedAll: ObservedIntegration[] | null | undefined): Plan {
  const pending = rec.pending!;
  const claimed = (claimedAll ?? []).filter((i) => !(samePlace(pending, rec.location) && i.integrationId === rec.integrationId));
  if (claimed.length > 1) {
    const extra = claimed[claimed.length - 1]!;
    return { action: { type: 'Delete', location: pending, integrationId: extra.integrationId, then: 'None', why: 'duplicate from an interrupted create' }, requeue: 'soon' };
  }
  const found = claimed[0];
  if (found) {
    const supersede = rec.integrationId && rec.location ? { location: rec.location, integrationId: rec.integrationId } : undefined;
    return {
      action: { type: 'Record', integrationId: found.integrationId, location: pending, supersede, event: { reason: 'Recovered', message: `recovered integration ${found.integrationId} made by an interrupted create` } },
      requeue: 'soon',
    };
  }
  if (claimedAll === null || !samePlace(pending, d.location)) return { action: { type: 'ClearPending' }, requeue: 'soon' };
  return create(d, rec, 'Created', `created integration on API ${d.location.apiId}`);
}

function create(d: Desired, rec: Recorded, reason: string, message: string): Plan {
  const supersede = rec.integrationId && rec.location ? { location: rec.location, integrationId: rec.integrationId } : undefined;
  const replacing = supersede && reason !== 'Recreated';
  return {
    action: { type: 'Create', location: d.location, fields: d.fields, ...(replacing ? { supersede } : {}), event: { reason, message } },
    outcome: { kind: 'Ready', reason: 'Synced', message: 'integration is in sync with the spec' },
    // The old integration is deleted by the next pass, which must not wait for a drift check.
    requeue: replacing ? 'soon' : 'drift',
  };
}

function decideAdoption(obj: ApiIntegration, d: Desired, adoptee: ObservedIntegration | null | undefined): Plan {
  const id = obj.spec.integrationId!;
  if (!adoptee) return { action: { type: 'None' }, outcome: stalled('AdoptionFailed', `integration ${id} does not exist on API ${d.location.apiId} in ${d.location.region}; fix spec.integrationId or remove it to create a new integration`), requeue: 'none' };
  if (adoptee.apiGatewayManaged) return { action: { type: 'None' }, outcome: stalled('AdoptionRefused', `integration ${id} was made by quick create (apiGatewayManaged) and cannot be managed or deleted; adopt a different integration`), requeue: 'none' };
  const owner = ownerOf(adoptee.description);
  if (owner && owner !== obj.metadata.uid) return { action: { type: 'None' }, outcome: stalled('AdoptionRefused', `integration ${id} is already managed by another ApiIntegration (uid ${owner})`), requeue: 'none' };
  return { action: { type: 'Record', integrationId: id, location: d.location, event: { reason: 'Adopted', message: `adopted existing integration ${id}` } }, requeue: 'soon' };
}

function decideExisting(obj: ApiIntegration, rec: Recorded, d: Desired, current: ObservedIntegration | null | undefined): Plan {
  if (!current) {
    if (obj.spec.integrationId) return { action: { type: 'None' }, outcome: stalled('AdoptedIntegrationGone', `adopted integration ${obj.spec.integrationId} no longer exists in AWS; remove spec.integrationId to let the operator create one`), requeue: 'none' };
    if (!samePlace(rec.location, d.location)) return create(d, { ...rec, integrationId: undefined }, 'Created', `created integration on API ${d.location.apiId}`);
    return create(d, rec, 'Recreated', `integration ${rec.integrationId} was deleted outside the operator; created a new one`);
  }
  if (!samePlace(rec.location, d.location)) return create(d, rec, 'Moved', `apiId/region changed: creating on API ${d.location.apiId} in ${d.location.region}, then deleting ${rec.integrationId} on ${rec.location?.apiId}`);
  const diff = diffIntegration(d.fields, current, d.protocol!);
  if (diff.replaceBecause) return create(d, rec, 'Replaced', `${diff.replaceBecause}; creating a replacement for ${rec.integrationId} (routes that target it must be updated)`);
  const report = { integrationId: current.integrationId, observed: current, location: d.location };
  if (diff.update) {
    return { action: { type: 'Update', location: d.location, integrationId: current.integrationId, fields: diff.update, changed: diff.changed }, outcome: { kind: 'Ready', reason: 'Synced', message: 'integration is in sync with the spec' }, requeue: 'drift', report };
  }
  return { action: { type: 'None' }, outcome: { kind: 'Ready', reason: 'Synced', message: 'integration is in sync with the spec' }, requeue: 'drift', report };
}

export function decide(input: DecideInput): Plan {
  const { obj, observation: obs } = input;
  const rec = recordedOf(obj);
  if (deleting(obj)) return decideDeletion(obj, rec, obs);
  if (input.invalid) return { action: { type: 'None' }, outcome: stalled('InvalidSpec', input.invalid), requeue: 'none' };
  const d = input.desired;
  if (!d) throw new Error('decide: a valid object needs its desired state');
  if (!d.protocol) return { action: { type: 'None' }, outcome: progressing('ApiNotFound', `API ${d.location.apiId} does not exist in ${d.location.region}; waiting for it to be created`), requeue: 'soon' };
  if (observeOnly(obj)) return decideObserveOnly(obj, input);
  if (!hasFinalizer(obj)) return { action: { type: 'AddFinalizer' }, requeue: 'soon' };
  if (rec.superseded) return { action: { type: 'Delete', ...rec.superseded, then: 'ClearSuperseded', why: 'superseded by a newer integration' }, requeue: 'soon' };
  if (rec.pending) return decidePending(obj, rec, d, obs.claimed);
  if (rec.integrationId) return decideExisting(obj, rec, d, obs.current);
  if (obj.spec.integrationId) return decideAdoption(obj, d, obs.adoptee);
  return create(d, rec, 'Created', `created integration on API ${d.location.apiId}`);
}
