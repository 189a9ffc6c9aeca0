// Deciding about an integration the object already has: leave it, update it in place (saying
// whether the spec changed or AWS drifted), recreate it when it was deleted outside the operator,
// move it when apiId or region changed; and, in ObserveOnly mode, only report what AWS holds.
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import { create, created, recoverClaimed, replaced, settleMs } from './decide-create.ts';
import { userDescription } from './desired.ts';
import { diffIntegration } from './diff.ts';
import {
  NO_REQUEUE,
  SYNCED,
  drift,
  look,
  progressing,
  report,
  stalled,
  type DecideInput,
  type Desired,
  type Notice,
  type Plan,
} from './plan.ts';
import type { ObservedIntegration } from './ports.ts';
import { recordedOf, type Recorded } from './recorded.ts';
import { decideIntegrationResponses, respondsNext } from './responses.ts';
import { samePlace } from '../kind/record.ts';
import type { Outcome } from './status.ts';

export function decideExisting(
  input: DecideInput,
  rec: Recorded,
  d: Desired,
  current?: ObservedIntegration | null,
): Plan {
  const { obj } = input;
  if (current === undefined && rec.location)
    return look({ kind: 'get', place: rec.location, integrationId: rec.integrationId!, as: 'current' });
  if (!current) return decideGone(input, rec, d);
  if (!samePlace(rec.location, d.location) && obj.spec.integrationId) return adoptedStays(rec);
  if (!samePlace(rec.location, d.location))
    return create(
      d,
      {
        reason: 'Moved',
        message: `apiId/region changed: created on API ${d.location.apiId} in ${d.location.region}, replacing ${rec.integrationId} on ${rec.location?.apiId}`,
      },
      { supersede: replaced(rec) },
    );
  return decideInPlace(input, d, current);
}

/** An adopted integration is someone's existing one: a move would delete it, so it is refused. */
function adoptedStays(rec: Recorded): Plan {
  const message = `integration ${rec.integrationId} was adopted on API ${rec.location?.apiId} in ${rec.location?.region} and does not move with apiId/region: set them back, or manage an integration on the new API with another ApiIntegration`;
  return {
    ...report(stalled('AdoptionRefused', message), NO_REQUEUE),
    notice: { type: 'Warning', reason: 'AdoptionRefused', message },
  };
}

/**
 * What AWS cannot remove in place goes with the integration: a new one is made with the spec as it
 * is, ApiRoutes follow it (they target the recorded id), and the old one is deleted once no route
 * targets it. Routes made outside the operator keep it alive, and the object says which.
 */
function replacement(d: Desired, current: ObservedIntegration, fields: string[]): Plan {
  const { region, apiId } = d.location;
  const message = `${fields.join(', ')} cannot be removed in place: created a new integration on API ${apiId} to replace ${current.integrationId}`;
  return create(
    d,
    { reason: 'Replaced', message },
    { supersede: { location: { region, apiId }, integrationId: current.integrationId }, replacing: 'Replacing' },
  );
}

/**
 * The recorded integration read as absent. Nothing public says AWS reads are consistent right after
 * a create, and a second create would leave the first behind with this object's marker on it, so a
 * new one is made only after a listing of the API shows neither the recorded integration nor another
 * of this object's, and not within the settle window after the record.
 */
function decideGone(input: DecideInput, rec: Recorded, d: Desired): Plan {
  const { obj } = input;
  if (obj.spec.integrationId)
    return report(
      stalled(
        'AdoptedIntegrationGone',
        `adopted integration ${obj.spec.integrationId} no longer exists in AWS; remove spec.integrationId to let the operator create one`,
      ),
      NO_REQUEUE,
    );
  const listed = input.observation.claimed;
  if (listed === undefined) return look({ kind: 'list', place: rec.location! });
  const seen = listed?.find((i) => i.integrationId === rec.integrationId);
  if (seen) return decideExisting(input, rec, d, seen);
  const recovery = recoverClaimed(input, listed ?? [], rec.location!, {
    supersede: undefined,
    why: `in place of ${rec.integrationId}, which reads as absent`,
  });
  if (recovery) return recovery;
  const settleLeft = (rec.recordedAt ?? 0) + settleMs(input) - input.now;
  // Status stays as it is: what was made is most likely there, only not visible yet. A listing
  // that found no API at all is no such doubt: the create that follows meets the missing API.
  if (settleLeft > 0 && listed !== null) return report(undefined, { kind: 'after', ms: settleLeft });
  // Recorded elsewhere and gone there: nothing is left to replace.
  if (!samePlace(rec.location, d.location)) return create(d, created(d));
  return create(d, {
    reason: 'Recreated',
    message: `integration ${rec.integrationId} was deleted outside the operator; created a new one`,
  });
}

function decideInPlace(input: DecideInput, d: Desired, current: ObservedIntegration): Plan {
  const { obj } = input;
  const diff = diffIntegration(d.fields, current, d.protocol!);
  // An adopted integration is the one spec.integrationId names: it is never swapped for another.
  const adopted = obj.spec.integrationId !== undefined;
  if (diff.replace.length > 0 && !adopted) return replacement(d, current, diff.replace);
  const notInPlace = adopted ? [...diff.notInPlace, ...diff.replace] : diff.notInPlace;
  const outcome = notInPlace.length > 0 ? removalNotSupported(notInPlace) : SYNCED;
  const notice: Notice | undefined =
    outcome.kind === 'Stalled'
      ? { type: 'Warning', reason: 'RemovalNotSupported', message: outcome.message }
      : undefined;
  const steady = {
    outcome,
    ...(notice ? { notice } : {}),
    requeue: drift(d.location),
    report: { integrationId: current.integrationId, observed: current, location: d.location },
  };
  if (!diff.update)
    return decideIntegrationResponses(input, d, current.integrationId, { action: { type: 'None' }, ...steady });
  // A step that leaves more to do (or removals to report, or responses to match) is compared again at once.
  const again = diff.again || notInPlace.length > 0 || respondsNext(d);
  return {
    action: {
      type: 'Update',
      location: d.location,
      integrationId: current.integrationId,
      fields: diff.update,
      changed: diff.changed,
    },
    event: updated(obj, current.integrationId, diff.changed),
    ...steady,
    ...(again ? { continues: true } : {}),
  };
}

/** Same generation as the last success: nobody changed the spec, so AWS drifted. */
function updated(obj: ApiIntegration, integrationId: string, changed: string[]): Notice {
  const what = `integration ${integrationId}: ${changed.join(', ')}`;
  return obj.status?.observedGeneration === obj.metadata.generation
    ? { type: 'Warning', reason: 'DriftCorrected', message: `corrected drift in ${what}` }
    : { type: 'Normal', reason: 'Updated', message: `updated ${what}` };
}

function removalNotSupported(what: string[]): Outcome {
  const templates = what.filter((w) => w.startsWith('requestTemplates'));
  const other = what.filter((w) => !templates.includes(w));
  const advice = [
    templates.length
      ? `${templates.join(', ')}: API Gateway keeps an empty template when one is removed; set it to "" in the spec to accept that, or recreate the object`
      : '',
    other.length
      ? `${other.join(', ')}: API Gateway cannot clear this in place; set it again or recreate the object`
      : '',
  ].filter(Boolean);
  return stalled('RemovalNotSupported', `the rest of the spec is applied; ${advice.join('; ')}`);
}

/** ObserveOnly: report what AWS holds and how it differs from the spec; never plan a write. */
export function decideObserveOnly(
  obj: ApiIntegration,
  found: ObservedIntegration | null | undefined,
  d: Desired,
): Plan {
  const watched = obj.spec.integrationId ?? recordedOf(obj).integrationId;
  if (watched && found === undefined)
    return look({ kind: 'get', place: d.location, integrationId: watched, as: 'adoptee' });
  if (!found) {
    const message = `integration ${watched ?? '(none)'} was not found on API ${d.location.apiId} in ${d.location.region}; observing only, nothing will be created`;
    return report(progressing('NotFound', message), drift());
  }
  // Ownership markers are never written in this mode, so compare only the user's text.
  const wanted = { ...d.fields, description: obj.spec.description ?? userDescription(found.description) };
  const diff = diffIntegration(wanted, { ...found, description: userDescription(found.description) }, d.protocol!);
  const message =
    diff.changed.length === 0
      ? 'observed; AWS matches the spec'
      : `observed; AWS differs from the spec in: ${diff.changed.join(', ')} (ObserveOnly: not corrected)`;
  return {
    action: { type: 'None' },
    outcome: { kind: 'Ready', reason: 'Observed', message },
    requeue: drift(d.location),
    report: { integrationId: found.integrationId, observed: found, location: d.location },
  };
}
