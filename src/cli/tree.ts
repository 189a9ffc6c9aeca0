// `kubectl apigw tree`: the cluster's objects drawn per API, integrations with the routes that target
// them beneath, then routes that target no ApiIntegration, then stages, each with its AWS id, Ready
// and Live and their reasons; with `--aws`, an object whose id the API no longer holds is marked.
import { ROUTE_NAMES } from '../api/v1alpha1/route-schema.ts';
import { INTEGRATION_NAMES } from '../api/v1alpha1/schema.ts';
import { STAGE_NAMES } from '../api/v1alpha1/stage-schema.ts';
import { apiOf, awsIdOf, conditionOf, type ClusterObject, type ClusterObjects } from './cluster-objects.ts';

/** What AWS holds of one API: its ids by kind (stage names for stages); absent: the API does not exist. */
export interface AwsIds {
  integrations: Set<string>;
  routes: Set<string>;
  stages: Set<string>;
}

export interface TreeOptions {
  defaultRegion?: string;
  /** By `region/apiId`; undefined for an API AWS does not have. Absent: AWS was not asked. */
  aws?: Map<string, AwsIds | undefined>;
}

const apiKeyOf = (o: ClusterObject, defaultRegion?: string) => {
  const { apiId, region } = apiOf(o, defaultRegion);
  return `${region ?? '(default region)'}/${apiId}`;
};

function conditionText(o: ClusterObject, type: string): string {
  const c = conditionOf(o, type);
  return c ? `${type}=${c.status}${c.reason ? ` ${c.reason}` : ''}` : `${type}=-`;
}

function line(kind: string, o: ClusterObject, aws: AwsIds | undefined | null): string {
  const id = awsIdOf(kind, o);
  const set = kind === INTEGRATION_NAMES.kind ? 'integrations' : kind === ROUTE_NAMES.kind ? 'routes' : 'stages';
  // null: AWS was not asked.
  const missing = aws !== null && id !== undefined && !aws?.[set].has(id) ? '  MISSING IN AWS' : '';
  const live = kind === STAGE_NAMES.kind ? '' : `  ${conditionText(o, 'Live')}`;
  const deleting = o.metadata.deletionTimestamp ? '  (deleting)' : '';
  return `${kind} ${o.metadata.namespace}/${o.metadata.name}  ${id ?? '(no id yet)'}  ${conditionText(o, 'Ready')}${live}${missing}${deleting}`;
}

/** Whether `route` targets `integration`: by integrationRef in its namespace, or by the id it resolved. */
function targets(route: ClusterObject, integration: ClusterObject): boolean {
  const ref = (route.spec?.integrationRef as { name?: string } | undefined)?.name;
  if (ref) return ref === integration.metadata.name && route.metadata.namespace === integration.metadata.namespace;
  const id = route.status?.integrationId;
  return id !== undefined && id === integration.status?.integrationId;
}

const byName = (a: ClusterObject, b: ClusterObject) => {
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

function apiLines(key: string, objects: ClusterObjects, opts: TreeOptions): string[] {
  const aws = opts.aws ? opts.aws.get(key) : null;
  const head = `API ${key.split('/')[1]} (${key.split('/')[0]})${opts.aws && aws === undefined ? '  NOT FOUND IN AWS' : ''}`;
  const out = [head];
  const placed = new Set<ClusterObject>();
  for (const i of [...objects.integrations].sort(byName)) {
    out.push(`  ${line(INTEGRATION_NAMES.kind, i, aws)}`);
    for (const r of objects.routes.filter((r) => targets(r, i)).sort(byName)) {
      placed.add(r);
      out.push(`    ${line(ROUTE_NAMES.kind, r, aws)}`);
    }
  }
  for (const r of objects.routes.filter((r) => !placed.has(r)).sort(byName))
    out.push(`  ${line(ROUTE_NAMES.kind, r, aws)}`);
  for (const s of [...objects.stages].sort(byName)) out.push(`  ${line(STAGE_NAMES.kind, s, aws)}`);
  return out;
}

/** The keys (`region/apiId`) of every API the objects are on, sorted. */
export function apisOf(objects: ClusterObjects, defaultRegion?: string): string[] {
  const all = [...objects.integrations, ...objects.routes, ...objects.stages];
  return [...new Set(all.map((o) => apiKeyOf(o, defaultRegion)))].sort();
}

export function renderTree(objects: ClusterObjects, opts: TreeOptions = {}): string[] {
  const keys = apisOf(objects, opts.defaultRegion);
  if (keys.length === 0) return ['no ApiIntegration, ApiRoute or ApiStage objects found'];
  const on = (key: string) => (o: ClusterObject) => apiKeyOf(o, opts.defaultRegion) === key;
  return keys.flatMap((key) =>
    apiLines(
      key,
      {
        integrations: objects.integrations.filter(on(key)),
        routes: objects.routes.filter(on(key)),
        stages: objects.stages.filter(on(key)),
      },
      opts,
    ),
  );
}
