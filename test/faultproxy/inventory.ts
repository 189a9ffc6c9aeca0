// What the emulator holds, read directly (never through a fault proxy), and the exact-count audit
// every reliability scenario ends with: each integration that should exist exists exactly once,
// on the right API, identified by the operator's ownership marker; nothing else exists.
import {
  ApiGatewayV2Client,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
} from '@aws-sdk/client-apigatewayv2';

export interface InventoryItem {
  integrationId: string;
  description?: string;
  /** The uid in the `[apigw.dev/owner=<uid>]` marker, if any. */
  owner?: string;
  integrationType?: string;
  timeoutInMillis?: number;
}

/** apiId → the integrations on it. */
export type ApiInventory = Map<string, InventoryItem[]>;

const OWNER = /\[apigw\.dev\/owner=([0-9a-f-]+)\]$/;

export function ownerOfDescription(description: string | undefined): string | undefined {
  return description ? OWNER.exec(description)?.[1] : undefined;
}

/** Every item of a paged listing: asks for pages until one comes without a nextToken. */
export async function everyPage<T>(
  page: (nextToken?: string) => Promise<{ Items?: T[]; NextToken?: string }>,
): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined;
  do {
    const out = await page(next);
    items.push(...(out.Items ?? []));
    next = out.NextToken || undefined;
  } while (next);
  return items;
}

export function emulatorClient(endpoint: string, region: string): ApiGatewayV2Client {
  return new ApiGatewayV2Client({
    region,
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 3,
  });
}

/** Integrations per API for `apiIds`, or for every API the emulator knows when absent. */
export async function integrationsByApi(
  at: { endpoint: string; region: string },
  apiIds?: string[],
): Promise<ApiInventory> {
  const client = emulatorClient(at.endpoint, at.region);
  try {
    const ids = apiIds ?? ((await client.send(new GetApisCommand({}))).Items ?? []).map((a) => a.ApiId!);
    const out: ApiInventory = new Map();
    for (const apiId of ids) {
      const all = await everyPage((NextToken) => client.send(new GetIntegrationsCommand({ ApiId: apiId, NextToken })));
      out.set(
        apiId,
        all.map((i) => ({
          integrationId: i.IntegrationId!,
          description: i.Description,
          owner: ownerOfDescription(i.Description),
          integrationType: i.IntegrationType,
          timeoutInMillis: i.TimeoutInMillis,
        })),
      );
    }
    return out;
  } finally {
    client.destroy();
  }
}

export interface Audit {
  /** Expected owners with no integration. */
  missing: string[];
  /** Owners with more than one integration. */
  duplicates: { owner: string; integrationIds: string[] }[];
  /** Integrations nobody expects: deleted objects' leftovers, unmarked ones, or on the wrong API. */
  leaks: { apiId: string; integrationId: string; description?: string }[];
  /** Number of integrations seen on the audited APIs. */
  total: number;
}

/**
 * Compares the inventory with `expected` (owner uid → the API it must be on). Owners listed in
 * `expected` must have exactly one integration, on their API; anything else is a leak.
 */
export function audit(inventory: ApiInventory, expected: Map<string, string>): Audit {
  const seen = new Map<string, string[]>();
  const leaks: Audit['leaks'] = [];
  let total = 0;
  for (const [apiId, items] of inventory) {
    for (const i of items) {
      total++;
      if (i.owner && expected.get(i.owner) === apiId)
        seen.set(i.owner, [...(seen.get(i.owner) ?? []), i.integrationId]);
      else leaks.push({ apiId, integrationId: i.integrationId, description: i.description });
    }
  }
  return {
    missing: [...expected.keys()].filter((o) => !seen.has(o)),
    duplicates: [...seen]
      .filter(([, ids]) => ids.length > 1)
      .map(([owner, integrationIds]) => ({ owner, integrationIds })),
    leaks,
    total,
  };
}

export function auditClean(a: Audit): boolean {
  return a.missing.length === 0 && a.duplicates.length === 0 && a.leaks.length === 0;
}

export function describeAudit(a: Audit): string {
  return (
    `total=${a.total} missing=${a.missing.length} duplicates=${a.duplicates.length} leaks=${a.leaks.length}` +
    (a.duplicates.length ? `\nduplicates: ${JSON.stringify(a.duplicates.slice(0, 10))}` : '') +
    (a.leaks.length ? `\nleaks: ${JSON.stringify(a.leaks.slice(0, 10))}` : '') +
    (a.missing.length ? `\nmissing: ${a.missing.slice(0, 10).join(', ')}` : '')
  );
}

export interface RouteItem {
  routeId: string;
  routeKey: string;
  target?: string;
}

/** apiId → the routes on it. */
export type RouteInventory = Map<string, RouteItem[]>;

async function routesOf(client: ApiGatewayV2Client, apiId: string): Promise<RouteItem[]> {
  const all = await everyPage((NextToken) => client.send(new GetRoutesCommand({ ApiId: apiId, NextToken })));
  return all.map((r) => ({ routeId: r.RouteId!, routeKey: r.RouteKey!, target: r.Target }));
}

/** Routes per API for `apiIds`, read directly from the emulator. */
export async function routesByApi(at: { endpoint: string; region: string }, apiIds: string[]): Promise<RouteInventory> {
  const client = emulatorClient(at.endpoint, at.region);
  try {
    const out: RouteInventory = new Map();
    for (const apiId of apiIds) out.set(apiId, await routesOf(client, apiId));
    return out;
  } finally {
    client.destroy();
  }
}

/** What one ApiRoute records: the route it owns, where, and the target that route must have. */
export interface ExpectedRoute {
  owner: string;
  apiId: string;
  routeId?: string;
  target: string;
}

export interface RouteAudit {
  /** Owners whose recorded route is not on their API. */
  missing: string[];
  /** Route keys present more than once on one API. */
  duplicates: { apiId: string; routeKey: string; routeIds: string[] }[];
  /** Routes no owner records. */
  leaks: { apiId: string; routeId: string; routeKey: string }[];
  /** Recorded routes whose target is not the expected one. */
  wrongTarget: { owner: string; routeId: string; target?: string; expected: string }[];
  /** Number of routes seen on the audited APIs. */
  total: number;
}

/**
 * Routes carry no ownership marker (they have neither tags nor a description), so ownership is what
 * the objects record: every expected route exists once, on its API, with its target; every other
 * route is a leak; and no key appears twice on an API.
 */
export function auditRoutes(inventory: RouteInventory, expected: ExpectedRoute[]): RouteAudit {
  const byId = new Map<string, RouteItem & { apiId: string }>();
  const byKey = new Map<string, { apiId: string; routeKey: string; routeIds: string[] }>();
  let total = 0;
  for (const [apiId, items] of inventory) {
    for (const r of items) {
      total++;
      byId.set(`${apiId}/${r.routeId}`, { ...r, apiId });
      const k = `${apiId} ${r.routeKey}`;
      const entry = byKey.get(k) ?? { apiId, routeKey: r.routeKey, routeIds: [] };
      entry.routeIds.push(r.routeId);
      byKey.set(k, entry);
    }
  }
  const recorded = new Set(expected.filter((e) => e.routeId).map((e) => `${e.apiId}/${e.routeId}`));
  const found = expected.map((e) => ({ e, r: e.routeId ? byId.get(`${e.apiId}/${e.routeId}`) : undefined }));
  return {
    missing: found.filter(({ r }) => !r).map(({ e }) => e.owner),
    duplicates: [...byKey.values()].filter((d) => d.routeIds.length > 1),
    leaks: [...byId.entries()]
      .filter(([id]) => !recorded.has(id))
      .map(([, r]) => ({ apiId: r.apiId, routeId: r.routeId, routeKey: r.routeKey })),
    wrongTarget: found
      .filter(({ e, r }) => r && r.target !== e.target)
      .map(({ e, r }) => ({ owner: e.owner, routeId: r!.routeId, target: r!.target, expected: e.target })),
    total,
  };
}

export function describeRouteAudit(a: RouteAudit): string {
  return (
    `routes=${a.total} missing=${a.missing.length} duplicates=${a.duplicates.length} leaks=${a.leaks.length} wrongTarget=${a.wrongTarget.length}` +
    (a.duplicates.length ? `\nduplicates: ${JSON.stringify(a.duplicates.slice(0, 10))}` : '') +
    (a.leaks.length ? `\nleaks: ${JSON.stringify(a.leaks.slice(0, 10))}` : '') +
    (a.wrongTarget.length ? `\nwrong targets: ${JSON.stringify(a.wrongTarget.slice(0, 10))}` : '') +
    (a.missing.length ? `\nmissing: ${a.missing.slice(0, 10).join(', ')}` : '')
  );
}
