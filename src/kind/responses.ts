// The WebSocket responses a kind manages beside its resource (an integration's integration
// responses, a route's route responses): keyed lists whose entries AWS creates, updates and
// deletes one call at a time. This compares what the spec lists with what AWS holds, by key, names
// the one next call, and sends it through the kind's gateway calls. The field tables are in
// api/v1alpha1/response-schema.ts.
//
// An update sends every field the spec has. Whether UpdateIntegrationResponse and
// UpdateRouteResponse merge maps or replace them, and how a field is cleared, AWS does not
// document; so an entry from which the spec removed a field or a map key is deleted and created
// again (nothing refers to a response by its id), and an update only ever sets values. AWS fills in
// no defaults on responses (Terraform's aws_apigatewayv2_integration_response and _route_response
// mark none of their fields computed), so what AWS holds beyond the spec was put there by someone.
import type { ResponseFieldRow } from '../api/v1alpha1/response-schema.ts';

/** One response's fields by spec name (scalars, string maps, or `{required}` constraints). */
export type ResponseFields = Record<string, unknown>;

/** A response as AWS reports it: its id, its key, its fields. */
export interface ObservedResponse {
  id: string;
  key: string;
  fields: ResponseFields;
}

/** A response as the spec lists it. */
export interface DesiredResponse {
  key: string;
  fields: ResponseFields;
}

/** The one next call; absent when AWS holds what the spec lists. */
export type ResponseStep =
  | { op: 'Create'; key: string; fields: ResponseFields }
  | { op: 'Update'; id: string; key: string; fields: ResponseFields }
  | { op: 'Delete'; id: string; key: string; why: 'removed' | 'duplicate' | 'recreate' };

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A map value as compared: `{required}` constraints read an omitted `required` as false. */
function valueOf(row: ResponseFieldRow, v: unknown): unknown {
  if (row.kind !== 'parameters') return v;
  return isMap(v) ? v.required === true : false;
}

function sameValue(row: ResponseFieldRow, want: unknown, have: unknown): boolean {
  if (row.kind === 'scalar') return want === have;
  const w = isMap(want) ? want : {};
  const h = isMap(have) ? have : {};
  return Object.entries(w).every(([k, v]) => k in h && valueOf(row, v) === valueOf(row, h[k]));
}

/** Whether AWS holds something the spec does not: a field or a map key the spec left out. */
function holdsMore(rows: Record<string, ResponseFieldRow>, want: ResponseFields, have: ResponseFields): boolean {
  return Object.entries(rows).some(([f, row]) => {
    const h = have[f];
    const emptyHave = h === undefined || h === '' || (isMap(h) && Object.keys(h).length === 0);
    if (emptyHave) return false;
    if (want[f] === undefined) return true;
    return row.kind !== 'scalar' && isMap(h) && Object.keys(h).some((k) => !isMap(want[f]) || !(k in want[f]));
  });
}

/** The fields of `want` that AWS holds otherwise, in table order. */
export function changedResponseFields(
  rows: Record<string, ResponseFieldRow>,
  want: ResponseFields,
  have: ResponseFields,
): string[] {
  return Object.entries(rows)
    .filter(([f, row]) => want[f] !== undefined && !sameValue(row, want[f], have[f]))
    .map(([f]) => f);
}

/**
 * The next call to make AWS hold exactly `desired`: deletes first (entries the spec dropped, a
 * second entry AWS holds for one key, entries that hold more than the spec), then creates, then
 * updates, each in the spec's order.
 */
export function nextResponseStep(
  rows: Record<string, ResponseFieldRow>,
  desired: readonly DesiredResponse[],
  observed: readonly ObservedResponse[],
): ResponseStep | undefined {
  const wanted = new Map(desired.map((d) => [d.key, d]));
  const seen = new Set<string>();
  for (const o of observed) {
    const want = wanted.get(o.key);
    if (!want) return { op: 'Delete', id: o.id, key: o.key, why: 'removed' };
    if (seen.has(o.key)) return { op: 'Delete', id: o.id, key: o.key, why: 'duplicate' };
    seen.add(o.key);
    if (holdsMore(rows, want.fields, o.fields)) return { op: 'Delete', id: o.id, key: o.key, why: 'recreate' };
  }
  for (const d of desired) if (!seen.has(d.key)) return { op: 'Create', key: d.key, fields: d.fields };
  for (const d of desired) {
    const o = observed.find((x) => x.key === d.key)!;
    if (changedResponseFields(rows, d.fields, o.fields).length > 0)
      return { op: 'Update', id: o.id, key: d.key, fields: d.fields };
  }
  return undefined;
}

/** What a step did, for an event a person reads. */
export function describeResponseStep(noun: string, step: ResponseStep): string {
  if (step.op === 'Create') return `created ${noun} ${step.key}`;
  if (step.op === 'Update') return `updated ${noun} ${step.key}`;
  const why = {
    removed: 'no longer in the spec',
    duplicate: 'a second one for its key',
    recreate: 'made again without the fields removed from the spec',
  }[step.why];
  return `deleted ${noun} ${step.key} (${why})`;
}

/** The spec's entries, keyed by `keyField`, with their other fields. */
export function desiredResponses(items: readonly Record<string, unknown>[], keyField: string): DesiredResponse[] {
  return items.map((item) => {
    const { [keyField]: key, ...fields } = item;
    return { key: String(key), fields: Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
  });
}

/**
 * The event of a response call: with the spec unchanged since the last status, AWS drifted and it
 * is put back (a Warning); otherwise the call carries out a spec change.
 */
export function responseStepEvent(
  obj: { metadata: { generation: number }; status?: { observedGeneration?: number } },
  what: string,
):
  | { type: 'Warning'; reason: 'DriftCorrected'; message: string }
  | { type: 'Normal'; reason: 'Updated'; message: string } {
  return obj.status?.observedGeneration === obj.metadata.generation
    ? { type: 'Warning', reason: 'DriftCorrected', message: `corrected drift: ${what}` }
    : { type: 'Normal', reason: 'Updated', message: what };
}

type ResponseEvent = ReturnType<typeof responseStepEvent>;

/**
 * Once the resource itself matches the spec: nothing to do (responses unmanaged or matching, or
 * the resource gone between the reads, which the next pass makes again), the responses still to be
 * read, or the one next call with its event. `of` names the resource in the event ("route r1").
 */
export function nextResponseCall(c: {
  rows: Record<string, ResponseFieldRow>;
  desired: DesiredResponse[] | undefined;
  observed: ObservedResponse[] | null | undefined;
  obj: Parameters<typeof responseStepEvent>[0];
  noun: string;
  of: string;
}): 'look' | { step: ResponseStep; event: ResponseEvent } | undefined {
  if (!c.desired) return undefined;
  if (c.observed === undefined) return 'look';
  if (c.observed === null) return undefined;
  const step = nextResponseStep(c.rows, c.desired, c.observed);
  return step && { step, event: responseStepEvent(c.obj, `${describeResponseStep(c.noun, step)} of ${c.of}`) };
}

/** A kind's three gateway calls for its responses, bound to the resource they live under. */
export interface ResponseCalls {
  create(response: DesiredResponse): Promise<void>;
  update(response: ObservedResponse): Promise<void>;
  remove(responseId: string): Promise<void>;
}

/** Carries out one step with the kind's calls. */
export async function sendResponseStep(step: ResponseStep, calls: ResponseCalls): Promise<void> {
  if (step.op === 'Create') await calls.create({ key: step.key, fields: step.fields });
  else if (step.op === 'Update') await calls.update({ id: step.id, key: step.key, fields: step.fields });
  else await calls.remove(step.id);
}
