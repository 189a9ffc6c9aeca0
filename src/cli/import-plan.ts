// What `import` writes for one API, decided from one reading of it (and, when a cluster was
// consulted, the ids its objects already manage and the names they hold): an ApiIntegration per
// integration, an ApiRoute per route, an ApiStage per stage, each adopting by id; and the things
// left out, with the reason. Pure: the command reads AWS and the cluster, and writes the files
// (import.ts, import-yaml.ts).
import { API_VERSION, type Protocol } from '../api/v1alpha1/group.ts';
import { ROUTE_KIND } from '../api/v1alpha1/route-schema.ts';
import { KIND } from '../api/v1alpha1/schema.ts';
import { STAGE_KIND } from '../api/v1alpha1/stage-schema.ts';
import {
  assignNames,
  integrationBaseName,
  integrationNameIsGeneric,
  routeBaseName,
  stageBaseName,
} from './import-names.ts';
import {
  integrationFields,
  routeFields,
  stageFields,
  type ImportedIntegration,
  type ImportedRoute,
  type ImportedStage,
} from './import-specs.ts';

export type { ImportedIntegration, ImportedRoute, ImportedStage } from './import-specs.ts';

/** One reading of an API: GetApi, then every page of GetIntegrations, GetRoutes and GetStages. */
export interface ApiSnapshot {
  apiId: string;
  region: string;
  protocol: Protocol;
  integrations: ImportedIntegration[];
  routes: ImportedRoute[];
  stages: ImportedStage[];
}

export type ImportMode = 'adopt' | 'observe';

export interface ImportOptions {
  namespace: string;
  mode: ImportMode;
  /** Written in adopt mode; Retain unless asked otherwise. */
  deletionPolicy: 'Retain' | 'Delete';
  /** Put in front of every name, for several APIs in one namespace. */
  namePrefix?: string;
  /** Written as spec.roleArn on every object: the role the API was read through, which the operator needs too. */
  roleArn?: string;
}

type KindKey = 'integrations' | 'routes' | 'stages';

/**
 * Objects in the cluster that already manage something of this API, by AWS id (stage name for
 * stages), as `namespace/name`; and the names each kind's objects hold in the target namespace,
 * which a new object must not be given (applying it would change the object that holds the name).
 */
export interface ManagedIds {
  integrations: Map<string, string>;
  routes: Map<string, string>;
  stages: Map<string, string>;
  names?: Record<KindKey, ReadonlySet<string>>;
}

export const NOTHING_MANAGED: ManagedIds = { integrations: new Map(), routes: new Map(), stages: new Map() };

export type ImportKind = typeof KIND | typeof ROUTE_KIND | typeof STAGE_KIND;

export interface Manifest {
  kind: ImportKind;
  name: string;
  /** The integration or route id, or the stage name. */
  awsId: string;
  /** Comment lines written above the object (without '#'). */
  comments: string[];
  object: Record<string, unknown>;
}

/** Something of the API no manifest is written for, and why. */
export interface LeftOut {
  kind: ImportKind;
  awsId: string;
  why: string;
}

export interface ImportPlan {
  manifests: Manifest[];
  leftOut: LeftOut[];
}

const QUICK_CREATE =
  'made by quick create (apiGatewayManaged): API Gateway owns it, refuses to delete it, and the operator refuses to adopt it';

interface Context {
  api: ApiSnapshot;
  opts: ImportOptions;
  managed: ManagedIds;
  leftOut: LeftOut[];
}

const origin = (api: ApiSnapshot, what: string) =>
  `imported from ${what} of API ${api.apiId} (${api.protocol}) in ${api.region} by apigw-operator import`;

function objectOf(c: Context, kind: ImportKind, name: string, spec: Record<string, unknown>) {
  return { apiVersion: API_VERSION, kind, metadata: { name, namespace: c.opts.namespace }, spec };
}

/** The API an object is on, and the role to reach it through when the API was read through one. */
function apiFields(c: Context): Record<string, unknown> {
  return { apiId: c.api.apiId, region: c.api.region, ...(c.opts.roleArn ? { roleArn: c.opts.roleArn } : {}) };
}

const keyOf = (kind: ImportKind): KindKey =>
  kind === KIND ? 'integrations' : kind === ROUTE_KIND ? 'routes' : 'stages';

/** How names of `kind` are given: the prefix, and the names the cluster already holds. */
const naming = (c: Context, kind: ImportKind) => ({
  prefix: c.opts.namePrefix,
  taken: c.managed.names?.[keyOf(kind)],
});

/** deletionPolicy or managementPolicy, as the mode says. */
function policy(c: Context): Record<string, unknown> {
  return c.opts.mode === 'observe' ? { managementPolicy: 'ObserveOnly' } : { deletionPolicy: c.opts.deletionPolicy };
}

/** Keeps what can be imported; the rest goes to leftOut with its reason. */
function importable<T>(c: Context, kind: ImportKind, items: T[], of: (t: T) => { id: string; managed?: boolean }) {
  const managedHere = c.managed[keyOf(kind)];
  return items.filter((t) => {
    const { id, managed } = of(t);
    const owner = managedHere.get(id);
    if (managed) c.leftOut.push({ kind, awsId: id, why: QUICK_CREATE });
    else if (owner) c.leftOut.push({ kind, awsId: id, why: `already managed by ${kind} ${owner}` });
    return !managed && !owner;
  });
}

function integrationManifests(c: Context): Manifest[] {
  const { api } = c;
  const items = importable(c, KIND, api.integrations, (i) => ({ id: i.integrationId, managed: i.apiGatewayManaged }));
  const named = assignNames(items, integrationBaseName, (i) => i.integrationId, {
    ...naming(c, KIND),
    alwaysWithId: integrationNameIsGeneric,
  });
  return named.map(({ name, item: i }) => ({
    kind: KIND,
    name,
    awsId: i.integrationId,
    comments: [origin(api, `integration ${i.integrationId}`)],
    object: objectOf(c, KIND, name, {
      ...apiFields(c),
      integrationId: i.integrationId,
      ...integrationFields(i, api.protocol),
      ...policy(c),
    }),
  }));
}

const INTEGRATION_TARGET = /^integrations\/(.+)$/;

/** Why a route's target is written by id rather than as an integrationRef. */
function rawTargetWhy(c: Context, target: string, id: string | undefined): string {
  const owner = id ? c.managed.integrations.get(id) : undefined;
  if (owner) return `its integration ${id} is managed by ApiIntegration ${owner}, so the target is written by id`;
  if (id && c.api.integrations.find((i) => i.integrationId === id)?.apiGatewayManaged)
    return `its integration ${id} was made by quick create and is not imported, so the target is written by id`;
  return `its target ${target} is no integration of this API as read, so it is written as it is`;
}

/** integrationRef to the imported (or already managed, same namespace) ApiIntegration, else the raw target. */
function targetOf(c: Context, r: ImportedRoute, integrationNames: Map<string, string>) {
  if (!r.target) return { fields: {}, comments: [] };
  const id = INTEGRATION_TARGET.exec(r.target)?.[1];
  const owner = id ? c.managed.integrations.get(id) : undefined;
  const sameNamespace = owner?.startsWith(`${c.opts.namespace}/`)
    ? owner.slice(c.opts.namespace.length + 1)
    : undefined;
  const name = (id ? integrationNames.get(id) : undefined) ?? sameNamespace;
  if (name) return { fields: { integrationRef: { name } }, comments: [] };
  return { fields: { target: r.target }, comments: [rawTargetWhy(c, r.target, id)] };
}

function routeManifests(c: Context, integrationNames: Map<string, string>): Manifest[] {
  const { api } = c;
  const items = importable(c, ROUTE_KIND, api.routes, (r) => ({ id: r.routeId, managed: r.apiGatewayManaged }));
  const named = assignNames(
    items,
    (r) => routeBaseName(r.routeKey),
    (r) => r.routeId,
    naming(c, ROUTE_KIND),
  );
  return named.map(({ name, item: r }) => {
    const target = targetOf(c, r, integrationNames);
    const { routeKey, ...rest } = routeFields(r);
    return {
      kind: ROUTE_KIND,
      name,
      awsId: r.routeId,
      comments: [origin(api, `route ${r.routeId} (${r.routeKey})`), ...target.comments],
      object: objectOf(c, ROUTE_KIND, name, {
        ...apiFields(c),
        routeId: r.routeId,
        routeKey,
        ...target.fields,
        ...rest,
        ...policy(c),
      }),
    };
  });
}

const MANUAL_NOTE =
  'deploymentPolicy Manual: applying this makes no deployment; remove it to have the operator deploy changes (OnChange)';

function stageManifests(c: Context): Manifest[] {
  const { api } = c;
  const items = importable(c, STAGE_KIND, api.stages, (s) => ({ id: s.stageName, managed: s.apiGatewayManaged }));
  const named = assignNames(
    items,
    (s) => stageBaseName(s.stageName),
    (s) => s.stageName,
    naming(c, STAGE_KIND),
  );
  return named.map(({ name, item: s }) => {
    const fields = stageFields(s);
    // An adopted stage on OnChange would deploy the API as soon as it settles; an import changes nothing served.
    const manual = c.opts.mode === 'adopt' && !fields.autoDeploy;
    return {
      kind: STAGE_KIND,
      name,
      awsId: s.stageName,
      comments: [origin(api, `stage ${s.stageName}`), ...(manual ? [MANUAL_NOTE] : [])],
      object: objectOf(c, STAGE_KIND, name, {
        ...apiFields(c),
        stageName: s.stageName,
        adopt: true,
        ...(manual ? { deploymentPolicy: 'Manual' } : {}),
        ...fields,
        ...policy(c),
      }),
    };
  });
}

/** The manifests for `api`, each kind in name order, and what is left out. */
export function planImport(api: ApiSnapshot, opts: ImportOptions, managed: ManagedIds = NOTHING_MANAGED): ImportPlan {
  const c: Context = { api, opts, managed, leftOut: [] };
  const integrations = integrationManifests(c);
  const integrationNames = new Map(integrations.map((m) => [m.awsId, m.name]));
  const byName = (a: Manifest, b: Manifest) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const manifests = [
    ...integrations.sort(byName),
    ...routeManifests(c, integrationNames).sort(byName),
    ...stageManifests(c).sort(byName),
  ];
  return { manifests, leftOut: c.leftOut };
}
