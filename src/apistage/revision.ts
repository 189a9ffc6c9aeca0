// What a stage of an API should serve, read from the operator's own caches: every ApiIntegration and
// ApiRoute on the API (where it is recorded, or where its spec sends it), whether each has settled
// (Ready for its generation, or Stalled), and a digest of the settled configuration. The digest is
// the deployed revision: a stage deploys when it changes, and recording it (in status and in the
// deployment's description) is what keeps a restart or a failover from deploying again.
//
// A Ready member is named by kind, key, generation and AWS id (a route also by the integration it
// targets), so a spec change, a recreate after an out-of-band delete, a retarget and a removal each
// change the digest; a drift repair does not, since the served snapshot predates the drift. A member
// left out (Stalled, or blocked) is named by its AWS id alone: AWS still holds it, and the snapshot
// takes it as it is, so its removal changes the digest too. ObserveOnly objects are no members: the
// operator never changes AWS for them.
import { createHash } from 'node:crypto';
import type { ConditionT } from '../api/v1alpha1/group.ts';
import { ANNOTATION_ROUTE_ID, type ApiRoute } from '../api/v1alpha1/route-types.ts';
import { ANNOTATION_INTEGRATION_ID, type ApiIntegration } from '../api/v1alpha1/types.ts';
import { recordedIdOf, samePlace, type Place } from '../kind/record.ts';

export type MemberKind = 'ApiIntegration' | 'ApiRoute';

/** `ready`: Ready for its generation; `stalled`: Stalled for it, or blocked by others; `pending`: anything else. */
export type MemberState = 'ready' | 'stalled' | 'pending';

export interface Member {
  kind: MemberKind;
  namespace: string;
  name: string;
  generation: number;
  state: MemberState;
  /** The AWS id it records (and for a route, `→integrationId`), part of the revision. */
  id?: string;
  /** The reason on its Ready condition, for naming what holds a deployment back. */
  reason?: string;
}

interface Holder {
  metadata: {
    namespace: string;
    name: string;
    generation: number;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  spec: { apiId: string; region?: string };
  status?: { observedGeneration?: number; conditions?: ConditionT[]; observed?: { apiId?: string; region?: string } };
}

const condition = (o: Holder, type: string) => o.status?.conditions?.find((c) => c.type === type);

/**
 * Waiting on other objects only their owners change (routes that still target an integration to
 * delete): like a Stalled object, it never holds a deployment back, and the stage names it.
 */
const BLOCKED_REASONS = new Set(['IntegrationInUse']);

function stateOf(o: Holder): MemberState {
  if (BLOCKED_REASONS.has(condition(o, 'Ready')?.reason ?? '')) return 'stalled';
  // Being deleted: its route or integration is still in AWS until the finalizer goes.
  if (o.metadata.deletionTimestamp) return 'pending';
  if (o.status?.observedGeneration !== o.metadata.generation) return 'pending';
  if (condition(o, 'Ready')?.status === 'True') return 'ready';
  return condition(o, 'Stalled')?.status === 'True' ? 'stalled' : 'pending';
}

/** Whether `o` is on the API at `place`: recorded there, or sent there by its spec. */
function isOn(o: Holder, place: Place, defaultRegion: string, recorded: Place | undefined): boolean {
  const wanted = { apiId: o.spec.apiId, region: o.spec.region ?? defaultRegion };
  return samePlace(recorded, place) || samePlace(wanted, place);
}

const observeOnly = (o: Holder) => (o.spec as { managementPolicy?: string }).managementPolicy === 'ObserveOnly';

function memberOf(kind: MemberKind, o: Holder, id?: string): Member {
  const state = stateOf(o);
  const reason = condition(o, 'Ready')?.reason;
  const { namespace, name, generation } = o.metadata;
  return { kind, namespace, name, generation, state, ...(id ? { id } : {}), ...(reason ? { reason } : {}) };
}

/** The id an integration records, and where. */
function integrationRecord(i: ApiIntegration) {
  const rec = recordedIdOf(i, ANNOTATION_INTEGRATION_ID, i.status?.integrationId);
  return { id: rec?.id, location: rec?.location };
}

/** The id a route records with the integration it targets, and where. */
function routeRecord(r: ApiRoute) {
  const rec = recordedIdOf(r, ANNOTATION_ROUTE_ID, r.status?.routeId);
  return { id: rec ? `${rec.id}→${r.status?.integrationId ?? ''}` : undefined, location: rec?.location };
}

/**
 * What a stage reads of one ApiIntegration or ApiRoute, as a string: two updates with the same
 * signature change nothing a stage decides (the object's own Live condition, say), so they neither
 * wake the stages nor restart the quiet period.
 */
export function memberSignature(o: ApiIntegration | ApiRoute): string {
  const route = o.kind === 'ApiRoute';
  const rec = route ? routeRecord(o as ApiRoute) : integrationRecord(o as ApiIntegration);
  const member = memberOf(route ? 'ApiRoute' : 'ApiIntegration', o, rec.id);
  return JSON.stringify([member, rec.location, o.spec.apiId, o.spec.region, observeOnly(o)]);
}

/** Every ApiIntegration and ApiRoute on the API at `place`. */
export function membersAt(
  place: Place,
  defaultRegion: string,
  objects: { integrations: Iterable<ApiIntegration>; routes: Iterable<ApiRoute> },
): Member[] {
  const members: Member[] = [];
  const add = (kind: MemberKind, o: Holder, rec: { id?: string; location?: Place }) => {
    if (!observeOnly(o) && isOn(o, place, defaultRegion, rec.location)) members.push(memberOf(kind, o, rec.id));
  };
  for (const i of objects.integrations) add('ApiIntegration', i, integrationRecord(i));
  for (const r of objects.routes) add('ApiRoute', r, routeRecord(r));
  return members;
}

export interface Settlement {
  /** Every member is Ready or Stalled for its generation. */
  settled: boolean;
  /** The digest of what a deployment made now would serve: the Ready members, and what AWS holds of those left out. */
  revision: string;
  /** Members not settled yet, which hold a deployment back. */
  pending: Member[];
  /** Members left out of the deployment because they are Stalled. */
  stalled: Member[];
  /** `Kind/namespace/name` → generation of every Ready member: what a deployment made now holds. */
  ready: Record<string, number>;
}

export const memberKey = (m: Pick<Member, 'kind' | 'namespace' | 'name'>) => `${m.kind}/${m.namespace}/${m.name}`;

export function settlementOf(members: readonly Member[]): Settlement {
  const ready = members.filter((m) => m.state === 'ready');
  const leftOut = members.filter((m) => m.state === 'stalled' && m.id);
  const lines = [
    ...ready.map((m) => `${memberKey(m)}@${m.generation}#${m.id ?? ''}`),
    ...leftOut.map((m) => `${memberKey(m)}@held#${m.id}`),
  ].sort();
  const revision = createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
  const pending = members.filter((m) => m.state === 'pending');
  const stalled = members.filter((m) => m.state === 'stalled');
  const byKey = Object.fromEntries(ready.map((m) => [memberKey(m), m.generation]));
  return { settled: pending.length === 0, revision, pending, stalled, ready: byKey };
}
