// What the command-line tools read of the group's objects in a cluster, and the small questions
// they ask of them: which kind a KIND argument names, a condition, the AWS id an object holds, and
// which objects already manage something of an API (for `import`).
import type { KindNames } from '../api/v1alpha1/group.ts';
import { ROUTE_NAMES } from '../api/v1alpha1/route-schema.ts';
import { INTEGRATION_NAMES } from '../api/v1alpha1/schema.ts';
import { STAGE_NAMES } from '../api/v1alpha1/stage-schema.ts';
import type { ManagedIds } from './import-plan.ts';

export interface ClusterObject {
  kind?: string;
  metadata: { name: string; namespace: string; generation?: number; deletionTimestamp?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

/** The objects of each kind, as listed. */
export interface ClusterObjects {
  integrations: ClusterObject[];
  routes: ClusterObject[];
  stages: ClusterObject[];
}

export const KINDS: readonly KindNames[] = [INTEGRATION_NAMES, ROUTE_NAMES, STAGE_NAMES];

/** The kind a `KIND` argument names: its Kind, singular, plural or a short name, in any case. */
export function kindNamed(arg: string): KindNames | undefined {
  const a = arg.toLowerCase();
  return KINDS.find((k) => [k.kind.toLowerCase(), k.singular, k.plural, ...k.shortNames].includes(a));
}

export const conditionOf = (o: ClusterObject, type: string): Condition | undefined =>
  ((o.status?.conditions as Condition[] | undefined) ?? []).find((c) => c.type === type);

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** The AWS id the object manages: its status, else the id it adopts (stages: the stage name). */
export function awsIdOf(kind: string, o: ClusterObject): string | undefined {
  if (kind === STAGE_NAMES.kind) return str(o.status?.stageName) ?? str(o.spec?.stageName);
  const field = kind === ROUTE_NAMES.kind ? 'routeId' : 'integrationId';
  return str(o.status?.[field]) ?? str(o.spec?.[field]);
}

/** The API an object is on: region (the spec's, else `defaultRegion`) and id. */
export function apiOf(o: ClusterObject, defaultRegion: string | undefined): { apiId: string; region?: string } {
  const region = str(o.spec?.region) ?? str(o.status?.region) ?? defaultRegion;
  return { apiId: str(o.spec?.apiId) ?? '', ...(region ? { region } : {}) };
}

/**
 * The objects that manage something of API `apiId` in `region`, by AWS id, as `namespace/name`, and
 * the names every object of each kind holds in `namespace` (where the import's objects go). An
 * object without spec.region is counted whatever the region: the operator's default region is not
 * known here, and naming one too many is safer than writing a duplicate.
 */
export function managedIdsOf(objects: ClusterObjects, apiId: string, region: string, namespace: string): ManagedIds {
  const collect = (kind: string, list: ClusterObject[]) => {
    const out = new Map<string, string>();
    for (const o of list) {
      const where = apiOf(o, undefined);
      const id = awsIdOf(kind, o);
      if (where.apiId !== apiId || (where.region && where.region !== region) || !id) continue;
      out.set(id, `${o.metadata.namespace}/${o.metadata.name}`);
    }
    return out;
  };
  return {
    integrations: collect(INTEGRATION_NAMES.kind, objects.integrations),
    routes: collect(ROUTE_NAMES.kind, objects.routes),
    stages: collect(STAGE_NAMES.kind, objects.stages),
    names: {
      integrations: namesIn(objects.integrations, namespace),
      routes: namesIn(objects.routes, namespace),
      stages: namesIn(objects.stages, namespace),
    },
  };
}

const namesIn = (list: ClusterObject[], namespace: string): Set<string> =>
  new Set(list.filter((o) => o.metadata.namespace === namespace).map((o) => o.metadata.name));
