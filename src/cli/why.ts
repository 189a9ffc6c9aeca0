// `kubectl apigw why KIND/NAME`: the condition that holds the object back (Ready, or Live once it is
// Ready), its reason and message, and what the reason means and what to do about it, as the reasons
// tables of docs/aws.md say (reasons.generated.ts, generated from them).
import { conditionOf, type ClusterObject, type Condition } from './cluster-objects.ts';
import type { ReasonRow, ReasonTables } from './reasons-table.ts';
import { REASON_TABLES } from './reasons.generated.ts';

/** The row for `reason`: the kind's own table first, then the shared (ApiIntegration) one. */
export function adviceFor(
  kind: string,
  reason: string,
  condition = 'Ready',
  tables: ReasonTables = REASON_TABLES,
): ReasonRow | undefined {
  const own = condition === 'Live' ? tables.Live : (tables[kind as keyof ReasonTables] ?? []);
  const find = (rows: ReasonRow[]) => rows.find((r) => r.reasons.includes(reason));
  return find(own) ?? (condition === 'Live' ? undefined : find(tables.ApiIntegration));
}

/** The condition to explain: Stalled, else Ready while not True, else Live while not True, else Ready. */
function focus(o: ClusterObject): Condition | undefined {
  const stalled = conditionOf(o, 'Stalled');
  if (stalled?.status === 'True') return stalled;
  const ready = conditionOf(o, 'Ready');
  if (ready && ready.status !== 'True') return ready;
  const live = conditionOf(o, 'Live');
  return live && live.status !== 'True' ? live : ready;
}

const describe = (c: Condition) =>
  `${c.type}=${c.status} ${c.reason ?? '(no reason)'}${c.lastTransitionTime ? ` since ${c.lastTransitionTime}` : ''}`;

/** Every condition the object has, one line each, and whether they are behind the spec. */
function conditionLines(o: ClusterObject, c: Condition): string[] {
  const out = ['Ready', 'Reconciling', 'Stalled', 'Live'].flatMap((t) => {
    const other = conditionOf(o, t);
    return other ? [`  ${describe(other)}`] : [];
  });
  const generation = o.metadata.generation ?? 0;
  if (c.observedGeneration !== undefined && c.observedGeneration < generation)
    out.push(
      `  the operator has not yet acted on generation ${generation} (conditions are for ${c.observedGeneration})`,
    );
  return out;
}

export function explain(kind: string, o: ClusterObject): string[] {
  const out = [`${kind} ${o.metadata.namespace}/${o.metadata.name}`];
  const c = focus(o);
  if (!c)
    return [
      ...out,
      'no conditions yet: the operator has not looked at the object (is it running, and watching this namespace?)',
    ];
  out.push(...conditionLines(o, c));
  out.push('', `${c.type} ${c.reason ?? ''}: ${c.message ?? ''}`.trimEnd());
  const row = c.reason ? adviceFor(kind, c.reason, c.type === 'Live' ? 'Live' : 'Ready') : undefined;
  if (!row) return [...out, `(docs/aws.md has no entry for reason ${c.reason ?? '(none)'})`];
  out.push(`Carried by: ${row.conditions}`, `Meaning: ${row.meaning}`);
  if (row.action) out.push(`What to do: ${row.action}`);
  return out;
}
