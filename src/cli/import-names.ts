// Object names for `import`: readable (from a route key, an integration's URI or type, a stage's
// name), valid Kubernetes names (DNS-1123 labels: lower-case letters, digits and '-', starting and
// ending with a letter or digit, at most 63 characters), the same from run to run for the same API,
// and never two alike within a kind: every member of a group that would share a name gets its AWS
// id as a suffix, so which one came first never matters. A name an object in the cluster already
// holds is never given again, and a name that says only what sort of thing an integration is (`mock`,
// a service action) carries the id from the start, since a second one of that sort may come at any time.

/** The longest name written: a DNS-1123 label, so it also fits where a label value is needed. */
export const NAME_MAX = 63;

/** Lower-case, with every run of other characters turned into one '-', trimmed of '-' at both ends. */
export function dnsLabel(raw: string, max = NAME_MAX): string {
  const s = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s.slice(0, max).replace(/-+$/, '');
}

/** `GET /orders/{id}` → `get-orders-id`, `$default` → `default`, `ANY /{proxy+}` → `any-proxy`. */
export function routeBaseName(routeKey: string): string {
  return dnsLabel(routeKey) || 'route';
}

/** A stage's name as an object name: `$default` → `default`. */
export function stageBaseName(stageName: string): string {
  return dnsLabel(stageName) || 'stage';
}

export interface IntegrationNaming {
  integrationType?: string;
  integrationSubtype?: string;
  integrationUri?: string;
  connectionType?: string;
}

const LAMBDA_FUNCTION = /:function:([^/:]+)(?::([^/]+))?/;
const APIGATEWAY_SERVICE = /^arn:[^:]+:apigateway:[^:]*:([^:]+):(?:action|path)\/([^?]+)/;
const ELB_LISTENER = /:listener\/(?:app|net)\/([^/]+)/;
const CLOUD_MAP = /:service\/([^/]+)$/;

/** An integration's words, and whether they name only a sort of thing (shared by any number of integrations). */
interface Words {
  words: string;
  generic: boolean;
}

/** Readers of an integration's URI, in order: the first that recognizes it names the integration. */
const URI_WORDS: ((uri: string, i: IntegrationNaming) => Words | undefined)[] = [
  (uri) => {
    const m = LAMBDA_FUNCTION.exec(uri);
    return m ? { words: `lambda-${m[1]}${m[2] ? `-${m[2]}` : ''}`, generic: false } : undefined;
  },
  // A service action names no queue, table or stream: those are in the request templates or parameters.
  (uri) => {
    const m = APIGATEWAY_SERVICE.exec(uri);
    return m ? { words: `${m[1]}-${m[2]}`, generic: true } : undefined;
  },
  (uri, i) => {
    if (i.connectionType !== 'VPC_LINK') return undefined;
    const target = ELB_LISTENER.exec(uri)?.[1] ?? CLOUD_MAP.exec(uri)?.[1];
    return { words: `private-${target ?? ''}`, generic: !target };
  },
  (uri) => {
    const url = /^https?:\/\//.test(uri) ? safeUrl(uri) : undefined;
    return url ? { words: `http-${url.hostname}${url.pathname}`, generic: false } : undefined;
  },
];

/** What an integration calls, in a few words: the function, host, load balancer, service or action. */
function integrationWords(i: IntegrationNaming): Words {
  if (i.integrationSubtype) return { words: i.integrationSubtype, generic: true };
  if (i.integrationType === 'MOCK') return { words: 'mock', generic: true };
  const uri = i.integrationUri ?? '';
  for (const read of URI_WORDS) {
    const words = read(uri, i);
    if (words) return words;
  }
  return { words: (i.integrationType ?? 'integration').toLowerCase(), generic: true };
}

function safeUrl(s: string): URL | undefined {
  try {
    // Path variables ({proxy+}) are not URL characters; they name nothing a reader needs here.
    return new URL(s.replace(/[{}+]/g, ''));
  } catch {
    return undefined;
  }
}

export function integrationBaseName(i: IntegrationNaming): string {
  return dnsLabel(integrationWords(i).words) || 'integration';
}

/**
 * Whether the base name says only what sort of integration this is (a MOCK, a service integration,
 * a service action, a bare type), so that it always gets its id: the first `mock` would otherwise be
 * renamed `mock-<id>` by a later run once a second MOCK integration appears.
 */
export function integrationNameIsGeneric(i: IntegrationNaming): boolean {
  return integrationWords(i).generic;
}

export interface Named<T> {
  name: string;
  item: T;
}

export interface NamingOptions<T> {
  /** Put in front of every name (for several APIs in one namespace). */
  prefix?: string;
  /** Names objects of this kind in the target namespace already hold: never given again. */
  taken?: ReadonlySet<string>;
  /** Items whose base name is shared by nature: they get `-<id>` even when alone. */
  alwaysWithId?: (t: T) => boolean;
}

/**
 * Names for `items` (one kind), from their base names: unique, valid, stable. Items whose names would
 * coincide, or that would take a name already held in the cluster, all get `-<id>`; if such a name
 * still meets another (a base name that happens to end in that id), a counter in the order of the
 * ids settles it.
 */
export function assignNames<T>(
  items: T[],
  base: (t: T) => string,
  id: (t: T) => string,
  opts: NamingOptions<T> = {},
): Named<T>[] {
  const sorted = [...items].sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
  const full = (t: T) => dnsLabel(`${opts.prefix ?? ''}${base(t)}`) || base(t);
  const counts = new Map<string, number>();
  for (const t of sorted) counts.set(full(t), (counts.get(full(t)) ?? 0) + 1);
  const held = opts.taken ?? new Set<string>();
  const withId = (t: T) => counts.get(full(t))! > 1 || held.has(full(t)) || (opts.alwaysWithId?.(t) ?? false);
  const taken = new Set(held);
  return sorted.map((item) => {
    const b = full(item);
    let name = withId(item) ? withSuffix(b, dnsLabel(id(item))) : b;
    for (let n = 2; taken.has(name); n++) name = withSuffix(b, `${dnsLabel(id(item))}-${n}`);
    taken.add(name);
    return { name, item };
  });
}

/** `base-suffix`, the base cut so that the whole stays within NAME_MAX. */
function withSuffix(base: string, suffix: string): string {
  const room = NAME_MAX - suffix.length - 1;
  const head = base.slice(0, Math.max(room, 1)).replace(/-+$/, '');
  return `${head}-${suffix}`.slice(0, NAME_MAX);
}
