// Deciding how an integration comes to exist: a create (or a move's create on the new API), the
// recovery of a create whose answer was lost, and the adoption of an integration named in the spec.
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { ownerOf } from './desired.ts';
import {
  NEXT_STEP,
  NO_REQUEUE,
  SYNCED,
  deleteStep,
  drift,
  look,
  metadataStep,
  progressing,
  report,
  stalled,
  type DecideInput,
  type Desired,
  type Plan,
} from './plan.ts';
import type { ObservedIntegration } from './ports.ts';
import type { EventReason } from './reasons.ts';
import type { Recorded } from './recorded.ts';
import { respondsNext } from './responses.ts';
import { samePlace, type Place } from '../kind/record.ts';
import { DEFAULT_SETTLE_MS } from '../kind/requeue.ts';

type Superseded = { location: Place; integrationId: string };
type Happened = { reason: EventReason; message: string };

/** The integration a move replaces: deleted once the new one is recorded. */
export const replaced = (rec: Recorded): Superseded | undefined =>
  rec.integrationId && rec.location ? { location: rec.location, integrationId: rec.integrationId } : undefined;

export const created = (d: Desired): Happened => ({
  reason: 'Created',
  message: `created integration on API ${d.location.apiId}`,
});

/**
 * Marks the object pending, then creates. A move or replacement is not Synced while the old integration is still
 * there: the next pass deletes it, at once.
 */
export function create(
  d: Desired,
  happened: Happened,
  opts: { supersede?: Superseded; withFinalizer?: boolean; replacing?: 'Moving' | 'Replacing' } = {},
): Plan {
  const { supersede, withFinalizer, replacing = 'Moving' } = opts;
  return {
    action: {
      type: 'Create',
      location: d.location,
      fields: d.fields,
      ...(supersede ? { supersede } : {}),
      ...(withFinalizer ? { withFinalizer } : {}),
    },
    event: { type: 'Normal', ...happened },
    outcome: supersede ? progressing(replacing, `${happened.message}; the old integration is deleted next`) : SYNCED,
    requeue: supersede ? NEXT_STEP : drift(d.location),
    // Its integration responses follow in the same pass: a new integration has none.
    ...(respondsNext(d) ? { continues: true } : {}),
  };
}

/** How long after its create a resource may still read as absent; the same bound as a create in doubt. */
export const settleMs = (input: DecideInput) => input.createSettleMs ?? DEFAULT_SETTLE_MS;

/**
 * Integrations at `place` carrying this object's marker, other than `except`: one is recovered, and
 * any more (made by lost creates) are deleted one per pass before that. Undefined when there are none.
 */
export function recoverClaimed(
  input: DecideInput,
  claimed: ObservedIntegration[],
  place: Place,
  recovery: { supersede: Superseded | undefined; why: string },
): Plan | undefined {
  const { supersede, why } = recovery;
  const extra = claimed[claimed.length - 1];
  if (claimed.length > 1)
    return deleteStep(
      { obs: input.observation, obj: input.obj },
      { location: place, integrationId: extra!.integrationId },
      'None',
      'extra',
    );
  const found = claimed[0];
  if (!found) return undefined;
  const message = `recovered integration ${found.integrationId} ${why}`;
  return recordStep(found.integrationId, place, { reason: 'Recovered', message }, supersede);
}

/** Records an integration the object now owns; what decide reads changed, so the pass goes on. */
function recordStep(integrationId: string, location: Place, happened: Happened, supersede?: Superseded): Plan {
  return {
    action: { type: 'Record', integrationId, location, ...(supersede ? { supersede } : {}) },
    event: { type: 'Normal', ...happened },
    requeue: NEXT_STEP,
    continues: true,
  };
}

/**
 * A lost or interrupted create: adopt what it made, remove extras, or try again. A create that timed
 * out may still land in AWS after a listing missed it, so another create waits until the settle
 * window since the marker has passed; a listing after that shows whatever the first one made.
 */
export function decidePending(input: DecideInput, rec: Recorded, d: Desired): Plan {
  const pending = rec.pending!;
  const claimedAll = input.observation.claimed;
  if (claimedAll === undefined) return look({ kind: 'list', place: pending });
  const recordedHere = samePlace(pending, rec.location);
  const claimed = (claimedAll ?? []).filter((i) => !(recordedHere && i.integrationId === rec.integrationId));
  const recovery = recoverClaimed(input, claimed, pending, {
    supersede: replaced(rec),
    why: 'made by an interrupted create',
  });
  if (recovery) return recovery;
  if (claimedAll === null || !samePlace(pending, d.location)) return metadataStep('ClearPending');
  const settleLeft = (rec.pendingSince ?? 0) + settleMs(input) - input.now;
  if (settleLeft > 0) {
    const message = `an earlier CreateIntegration got no answer; waiting ${Math.ceil(settleLeft / 1000)} s for it to show up before creating again`;
    return report(progressing('CreateInDoubt', message), { kind: 'after', ms: settleLeft });
  }
  return create(d, created(d), { supersede: replaced(rec) });
}

export function decideAdoption(
  obj: ApiIntegration,
  d: Desired,
  adoptee: ObservedIntegration | null | undefined,
  liveOwner: boolean | undefined,
): Plan {
  const id = obj.spec.integrationId!;
  if (adoptee === undefined) return look({ kind: 'get', place: d.location, integrationId: id, as: 'adoptee' });
  const refusal = adoptionRefusal(obj, d, adoptee, liveOwner);
  if (refusal) return report(refusal, NO_REQUEUE);
  return recordStep(id, d.location, { reason: 'Adopted', message: `adopted existing integration ${id}` });
}

function adoptionRefusal(
  obj: ApiIntegration,
  d: Desired,
  adoptee: ObservedIntegration | null,
  liveOwner: boolean | undefined,
) {
  const id = obj.spec.integrationId!;
  if (!adoptee)
    return stalled(
      'AdoptionFailed',
      `integration ${id} does not exist on API ${d.location.apiId} in ${d.location.region}; fix spec.integrationId or remove it to create a new integration`,
    );
  if (adoptee.apiGatewayManaged)
    return stalled(
      'AdoptionRefused',
      `integration ${id} was made by quick create (apiGatewayManaged) and cannot be managed or deleted; adopt a different integration`,
    );
  const owner = ownerOf(adoptee.description);
  // A marker left by an object that no longer exists (deleted with Retain before markers were
  // stripped, or restored under a new uid) does not block adoption.
  if (owner && owner !== obj.metadata.uid && liveOwner !== false)
    return stalled('AdoptionRefused', `integration ${id} is already managed by another ApiIntegration (uid ${owner})`);
  return undefined;
}
