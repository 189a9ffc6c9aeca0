// The ApiRoute decision core: a pure function from (object, validation, observation) to the one
// next step and the status it leads to, in the style of the ApiIntegration core and tested as a
// table. The reconciler (reconciler.ts) gathers the inputs, carries the plan out, and asks again
// when a plan says what it still needs to read.
//
// A route key is unique per API, so creating can never duplicate; what needs care is telling our
// own route (a create whose response was lost) from someone else's with the same key. See
// recorded.ts for how ownership is recorded without any marker in AWS.
import { effectiveDeletionPolicy } from '../api/v1alpha1/deletion-policy.ts';
import { DEFAULT_NOT_FOUND_GRACE_MS, missingMessage, missingWait } from '../api/v1alpha1/not-found.ts';
import { FINALIZER } from '../api/v1alpha1/group.ts';
import type { ApiRoute } from '../api/v1alpha1/route-types.ts';
import { desiredRouteFields } from './desired.ts';
import { diffRoute } from './diff.ts';
import {
  NO_REQUEUE,
  SYNCED,
  WAIT,
  drift,
  look,
  nextStep,
  progressing,
  report,
  stalled,
  type DesiredRoute,
  type RouteDecideInput,
  type RouteNotice,
  type RoutePlan,
} from './plan.ts';
import type { ObservedRoute, RouteFields } from './ports.ts';
import { ownerElsewhere, recordedRouteOf, type RecordedRoute, type RouteClaim } from './recorded.ts';
import { decideRouteResponses, thenResponses } from './responses.ts';
import { samePlace, type Place } from '../kind/record.ts';
import { DEFAULT_SETTLE_MS } from '../kind/requeue.ts';

export type {
  DesiredRoute,
  ReportedRoute,
  RouteAction,
  RouteDecideInput,
  RouteNeed,
  RouteObservation,
  RouteOutcome,
  RoutePlan,
  Requeue,
} from './plan.ts';

type Superseded = { location: Place; routeId: string };

const hasFinalizer = (o: ApiRoute) => (o.metadata.finalizers ?? []).includes(FINALIZER);
const observeOnly = (o: ApiRoute) => o.spec.managementPolicy === 'ObserveOnly';
const where = (p: Place) => `API ${p.apiId} in ${p.region}`;
const happened = (reason: RouteNotice['reason'], message: string): RouteNotice => ({ type: 'Normal', reason, message });

type MissingReason = 'ApiNotFound' | 'IntegrationNotFound' | 'IntegrationNotSelected';

/**
 * Something the route needs is missing (its API, its ApiIntegration): perhaps on its way, perhaps a
 * typo. Reconciling through the grace period, then Stalled with a Warning, looked for on a backoff.
 */
function missing(input: RouteDecideInput, reason: MissingReason, what: { fact: string; fix: string }): RoutePlan {
  const graceMs = input.notFoundGraceMs ?? DEFAULT_NOT_FOUND_GRACE_MS;
  const w = missingWait(input.obj, reason, input.now, graceMs);
  const message = missingMessage(w, graceMs, what);
  const requeue = { kind: 'missing', wait: w } as const;
  if (!w.stalled) return report(progressing(reason, message), requeue);
  return { ...report(stalled(reason, message), requeue), notice: { type: 'Warning', reason, message } };
}

const apiMissing = (p: Place) => ({
  fact: `API ${p.apiId} does not exist in ${p.region}`,
  fix: 'fix apiId or region, or create the API',
});

/** Ours after a lost create: the pending marker names its key and no other ApiRoute records it. */
function recoverable(
  listing: readonly ObservedRoute[],
  pending: { place: Place; routeKey: string },
  claims: readonly RouteClaim[],
) {
  const found = listing.find((r) => r.routeKey === pending.routeKey);
  return found && !ownerElsewhere(claims, pending.place, found.routeId) ? found : undefined;
}

function deletePending(rec: RecordedRoute, input: RouteDecideInput): RoutePlan {
  const pending = rec.pending!;
  const listing = input.observation.listing;
  if (listing === undefined) return look({ kind: 'list', place: pending.place });
  const ours = recoverable(listing ?? [], pending, input.claims ?? []);
  if (ours && ours.routeId !== rec.routeId)
    return nextStep({ type: 'Delete', location: pending.place, routeId: ours.routeId, then: 'ClearPending' });
  return nextStep({ type: 'ClearPending' });
}

function decideDeletion(obj: ApiRoute, rec: RecordedRoute, input: RouteDecideInput): RoutePlan {
  if (!hasFinalizer(obj)) return report(undefined);
  // Nothing in AWS carries our mark, so a retained route needs no release: it is simply left.
  if (observeOnly(obj) || effectiveDeletionPolicy(obj.spec) === 'Retain')
    return { action: { type: 'RemoveFinalizer' }, requeue: NO_REQUEUE };
  if (rec.superseded) return nextStep({ type: 'Delete', ...rec.superseded, then: 'ClearSuperseded' });
  if (rec.pending) return deletePending(rec, input);
  if (rec.routeId && rec.location)
    return {
      action: { type: 'Delete', location: rec.location, routeId: rec.routeId, then: 'RemoveFinalizer' },
      event: happened('Deleted', `deleted route ${rec.routeId}`),
      requeue: NO_REQUEUE,
    };
  return { action: { type: 'RemoveFinalizer' }, requeue: NO_REQUEUE };
}

function decideObserveOnly(obj: ApiRoute, d: DesiredRoute, found: ObservedRoute | null | undefined): RoutePlan {
  const id = obj.spec.routeId!;
  if (found === undefined) return look({ kind: 'get', place: d.location, routeId: id, as: 'adoptee' });
  if (!found)
    return report(
      progressing(
        'NotFound',
        `route ${id} was not found on ${where(d.location)}; observing only, nothing will be created`,
      ),
      drift(d.location),
    );
  // Compared against the spec's target when it resolves; otherwise the target is left out of it.
  const target = d.target.kind === 'resolved' ? d.target.target : found.target;
  const wanted: RouteFields = desiredRouteFields(obj.spec, target ?? '');
  if (target === undefined) delete wanted.target;
  const diff = diffRoute(wanted, found);
  const message =
    diff.changed.length === 0
      ? 'observed; AWS matches the spec'
      : `observed; AWS differs from the spec in: ${diff.changed.join(', ')} (ObserveOnly: not corrected)`;
  return {
    ...report({ kind: 'Ready', reason: 'Observed', message }, drift()),
    report: { routeId: found.routeId, observed: found, location: d.location },
  };
}

interface CreateCase {
  fields: RouteFields & { routeKey: string };
  event: RouteNotice;
  supersede?: Superseded;
  inDoubt?: true;
}

/**
 * Whether to list the API before creating. A key is unique per API and AWS refuses a second one
 * (409), so a create needs no listing first; it needs one only to say whose the key is: after this
 * pass's create was refused for it, or while the object still reads RouteKeyTaken for this spec
 * (else every drift pass would try the create again).
 */
function listBeforeCreate({ obj, observation }: RouteDecideInput): boolean {
  if (observation.keyRefused) return true;
  const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.reason === 'RouteKeyTaken' && obj.status?.observedGeneration === obj.metadata.generation;
}

/** Create the route, unless its key is taken: then refuse, naming the route and how to adopt it. */
function decideCreate(input: RouteDecideInput, d: DesiredRoute, c: CreateCase): RoutePlan {
  const listing = input.observation.listing;
  if (listing === undefined && listBeforeCreate(input)) return look({ kind: 'list', place: d.location });
  if (listing === null) return missing(input, 'ApiNotFound', apiMissing(d.location));
  const taken = listing?.find((r) => r.routeKey === c.fields.routeKey);
  if (taken) return keyTaken(input, d.location, taken);
  const moving = c.supersede !== undefined;
  const action = {
    type: 'Create' as const,
    location: d.location,
    fields: c.fields,
    ...(moving ? { supersede: c.supersede } : {}),
    ...(c.inDoubt ? { inDoubt: c.inDoubt } : {}),
  };
  // Not Synced while the old route is still there: the pass goes on and deletes it, at once.
  if (moving)
    return {
      ...nextStep(action, c.event),
      outcome: progressing('Moving', `${c.event.message}; the old route is deleted next`),
    };
  return thenResponses({ action, event: c.event, outcome: SYNCED, requeue: drift(d.location) }, d);
}

function keyTaken(input: RouteDecideInput, place: Place, taken: ObservedRoute): RoutePlan {
  const owner = ownerElsewhere(input.claims ?? [], place, taken.routeId);
  const key = taken.routeKey;
  const message = owner
    ? `route key ${key} on ${where(place)} is route ${taken.routeId}, managed by ApiRoute ${owner}; a route key is unique per API: choose another routeKey or apiId`
    : taken.apiGatewayManaged
      ? `route key ${key} on ${where(place)} is route ${taken.routeId}, made by quick create (apiGatewayManaged), which cannot be managed; choose another routeKey`
      : `route key ${key} on ${where(place)} is already route ${taken.routeId}, which this ApiRoute did not create; to manage that route, set spec.routeId: ${taken.routeId} (adopt it), or choose another routeKey`;
  return {
    ...report(stalled('RouteKeyTaken', message), drift(place)),
    notice: { type: 'Warning', reason: 'RouteKeyTaken', message },
  };
}

function recovered(rec: RecordedRoute, ours: ObservedRoute): RoutePlan {
  const place = rec.pending!.place;
  const moved = rec.routeId && rec.location && !samePlace(rec.location, place);
  return nextStep(
    {
      type: 'Record',
      routeId: ours.routeId,
      location: place,
      ...(moved ? { supersede: { location: rec.location!, routeId: rec.routeId! } } : {}),
    },
    happened('Recovered', `recovered route ${ours.routeId} made by an interrupted create`),
  );
}

/**
 * A create whose result is not recorded: adopt what it made (found by key), or create again. A
 * second create cannot duplicate: if the first one lands meanwhile, the second is refused for its
 * key, the marker stays, and the next listing finds the first.
 */
function decidePending(
  input: RouteDecideInput,
  rec: RecordedRoute,
  d: DesiredRoute,
  fields?: CreateCase['fields'],
): RoutePlan {
  const pending = rec.pending!;
  const listing = input.observation.listing;
  if (listing === undefined) return look({ kind: 'list', place: pending.place });
  if (listing === null) return nextStep({ type: 'ClearPending' });
  const ours = recoverable(listing, pending, input.claims ?? []);
  const recordedAlready = ours && samePlace(pending.place, rec.location) && ours.routeId === rec.routeId;
  if (ours && !recordedAlready) return recovered(rec, ours);
  // A key someone else holds is not ours to wait on: the create path refuses it, saying why.
  const keyFree = !listing.some((r) => r.routeKey === pending.routeKey);
  const sameCreate = fields && samePlace(pending.place, d.location) && pending.routeKey === fields.routeKey;
  if (keyFree && sameCreate)
    return decideCreate(input, d, {
      fields,
      event: happened('Created', `created route ${fields.routeKey} on ${where(d.location)}`),
      inDoubt: true,
    });
  return nextStep({ type: 'ClearPending' });
}

function decideAdoption(input: RouteDecideInput, d: DesiredRoute): RoutePlan {
  const id = input.obj.spec.routeId!;
  const adoptee = input.observation.adoptee;
  if (adoptee === undefined) return look({ kind: 'get', place: d.location, routeId: id, as: 'adoptee' });
  if (!adoptee)
    return report(
      stalled(
        'AdoptionFailed',
        `route ${id} does not exist on ${where(d.location)}; fix spec.routeId, or remove it to create a new route`,
      ),
    );
  if (adoptee.apiGatewayManaged)
    return report(
      stalled(
        'AdoptionRefused',
        `route ${id} was made by quick create (apiGatewayManaged) and cannot be managed; adopt another route`,
      ),
    );
  const owner = ownerElsewhere(input.claims ?? [], d.location, id);
  if (owner) return report(stalled('AdoptionRefused', `route ${id} is already managed by ApiRoute ${owner}`));
  return nextStep(
    { type: 'Record', routeId: id, location: d.location },
    happened('Adopted', `adopted existing route ${id} (${adoptee.routeKey})`),
  );
}

function settleLeft(input: RouteDecideInput, rec: RecordedRoute): number {
  if (rec.recordedAt === undefined) return 0;
  return rec.recordedAt + (input.createSettleMs ?? DEFAULT_SETTLE_MS) - input.now;
}

function decideGone(
  input: RouteDecideInput,
  rec: RecordedRoute,
  d: DesiredRoute,
  fields: CreateCase['fields'],
): RoutePlan {
  const adopted = input.obj.spec.routeId;
  if (adopted)
    return report(
      stalled(
        'AdoptedRouteGone',
        `adopted route ${adopted} no longer exists in AWS; remove spec.routeId to let the operator create one`,
      ),
    );
  // A listing made in this pass (after AWS refused the key) shows the recorded route after all.
  const seen = input.observation.listing?.find((r) => r.routeId === rec.routeId);
  if (seen) return decideExisting({ ...input, observation: { ...input.observation, current: seen } }, rec, d, fields);
  // Made moments ago and not visible yet: AWS would refuse the key anyway, so look again later.
  if (settleLeft(input, rec) > 0) return report(undefined, WAIT);
  const event = samePlace(rec.location, d.location)
    ? happened('Recreated', `route ${rec.routeId} was deleted outside the operator; created a new one`)
    : happened('Created', `created route ${fields.routeKey} on ${where(d.location)}`);
  return decideCreate(input, d, { fields, event });
}

function decideExisting(
  input: RouteDecideInput,
  rec: RecordedRoute,
  d: DesiredRoute,
  fields: CreateCase['fields'],
): RoutePlan {
  const current = input.observation.current;
  if (current === undefined) return look({ kind: 'get', place: rec.location!, routeId: rec.routeId!, as: 'current' });
  if (!current) return decideGone(input, rec, d, fields);
  if (!samePlace(rec.location, d.location) && input.obj.spec.routeId)
    // An adopted route is someone's existing one: a move would delete it.
    return report(
      stalled(
        'AdoptionRefused',
        `route ${rec.routeId} was adopted on ${where(rec.location!)} and does not move with apiId/region: set them back, or manage a route on the new API with another ApiRoute`,
      ),
    );
  if (!samePlace(rec.location, d.location))
    return decideCreate(input, d, {
      fields,
      event: happened('Moved', `apiId/region changed: created on ${where(d.location)}, replacing route ${rec.routeId}`),
      supersede: { location: rec.location!, routeId: rec.routeId! },
    });
  const diff = diffRoute(fields, current);
  const reported = { routeId: current.routeId, observed: current, location: d.location };
  // A new key must be free: checked like a create, since UpdateRoute over a taken key is refused.
  if (diff.changed.includes('routeKey')) {
    const listing = input.observation.listing;
    if (listing === undefined) return look({ kind: 'list', place: d.location });
    const taken = listing?.find((r) => r.routeKey === fields.routeKey && r.routeId !== current.routeId);
    if (taken) return { ...keyTaken(input, d.location, taken), report: reported };
  }
  if (diff.changed.length === 0)
    return decideRouteResponses(input, d, current.routeId, { ...report(SYNCED, drift()), report: reported });
  return thenResponses(updateRoute(input.obj, d.location, current, diff), d);
}

function updateRoute(
  obj: ApiRoute,
  location: DesiredRoute['location'],
  current: ObservedRoute,
  diff: ReturnType<typeof diffRoute>,
): RoutePlan {
  return {
    action: {
      type: 'Update',
      location,
      routeId: current.routeId,
      ...(diff.update ? { fields: diff.update } : {}),
      removeRequestParameters: diff.removeRequestParameters,
      changed: diff.changed,
    },
    event: updated(obj, current.routeId, diff.changed),
    outcome: SYNCED,
    requeue: drift(),
    report: { routeId: current.routeId, observed: current, location },
  };
}

/** Same generation as the last success: nobody changed the spec, so AWS drifted. */
function updated(obj: ApiRoute, routeId: string, changed: string[]): RouteNotice {
  const what = `route ${routeId}: ${changed.join(', ')}`;
  return obj.status?.observedGeneration === obj.metadata.generation
    ? { type: 'Warning', reason: 'DriftCorrected', message: `corrected drift in ${what}` }
    : { type: 'Normal', reason: 'Updated', message: `updated ${what}` };
}

/** A valid, managed object whose API exists: the create / recover / update / adopt branches. */
function decideManaged(input: RouteDecideInput, rec: RecordedRoute, d: DesiredRoute): RoutePlan {
  const { obj } = input;
  if (rec.superseded) return nextStep({ type: 'Delete', ...rec.superseded, then: 'ClearSuperseded' });
  const fields = d.target.kind === 'resolved' ? desiredRouteFields(obj.spec, d.target.target) : undefined;
  if (rec.pending) return decidePending(input, rec, d, fields);
  if (d.target.kind === 'missing') return missing(input, d.target.reason, d.target);
  // Looked at again after the wait interval, or sooner when the ApiIntegration changes (setup.ts).
  if (!fields && d.target.kind === 'waiting') return report(progressing('IntegrationNotReady', d.target.message), WAIT);
  if (rec.routeId) return decideExisting(input, rec, d, fields!);
  if (obj.spec.routeId) return decideAdoption(input, d);
  return decideCreate(input, d, {
    fields: fields!,
    event: happened('Created', `created route ${fields!.routeKey} on ${where(d.location)}`),
  });
}

export function decideRoute(input: RouteDecideInput): RoutePlan {
  const { obj } = input;
  const rec = recordedRouteOf(obj);
  if (obj.metadata.deletionTimestamp) return decideDeletion(obj, rec, input);
  if (input.invalid) {
    // A Warning a person sees in `kubectl describe`, once per new set of problems.
    const notice = { type: 'Warning' as const, reason: 'InvalidSpec' as const, message: input.invalid };
    return { ...report(stalled('InvalidSpec', input.invalid)), notice };
  }
  const d = input.desired;
  if (!d) throw new Error('decideRoute: a valid object needs its desired state');
  if (!d.protocol) return missing(input, 'ApiNotFound', apiMissing(d.location));
  if (observeOnly(obj)) return decideObserveOnly(obj, d, input.observation.adoptee);
  return withFinalizer(obj, rec, () => decideManaged(input, rec, d));
}

/**
 * The finalizer comes first once anything of ours may exist in AWS. A new object gets it in the
 * same write as the create's pending marker, one write fewer; while nothing of ours can exist
 * (waiting, refused) it is not needed at all.
 */
function withFinalizer(obj: ApiRoute, rec: RecordedRoute, plan: () => RoutePlan): RoutePlan {
  const addFinalizer = nextStep({ type: 'AddFinalizer' });
  if (hasFinalizer(obj)) return plan();
  if (rec.routeId || rec.pending || rec.superseded) return addFinalizer;
  const p = plan();
  if (p.action.type === 'Create') return { ...p, action: { ...p.action, withFinalizer: true } };
  return p.action.type === 'Record' ? addFinalizer : p;
}
