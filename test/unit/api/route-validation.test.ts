// ApiRoute validation as a table: the schema's structure, the CEL rules' TypeScript twins and the
// protocol-aware AWS rules; every CEL rule has exactly one twin; the examples are valid.
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROUTE_KIND, ROUTE_SPEC_RULES, ROUTE_TRANSITION_RULES } from '../../../src/api/v1alpha1/route-schema.ts';
import {
  ROUTE_MAP_RULE_TWINS,
  ROUTE_SPEC_RULE_TWINS,
  ROUTE_TRANSITION_RULE_TWINS,
} from '../../../src/api/v1alpha1/route-validation-rules.ts';
import { validateRouteSpec, validateRouteSpecUpdate } from '../../../src/api/v1alpha1/route-validation.ts';
import { routeSpecJsonSchema } from '../../../src/api/v1alpha1/route-crd.ts';
import type { Protocol } from '../../../src/api/v1alpha1/group.ts';
import { REFUSED_ROUTES, VALID_ROUTE_EXAMPLES, route } from '../../fixtures/route-examples.ts';

const problemsOf = (spec: unknown, protocol?: Protocol) => {
  const r = validateRouteSpec(spec, protocol);
  return r.ok ? [] : r.problems;
};

describe('validateRouteSpec', () => {
  it.each(VALID_ROUTE_EXAMPLES.map((e) => [e.name, e] as const))('accepts %s', (_name, e) => {
    expect(validateRouteSpec(e.spec, e.protocol)).toEqual({ ok: true, spec: e.spec });
  });

  it.each(REFUSED_ROUTES)('refuses %s without knowing the protocol', (_what, spec) => {
    expect(problemsOf(spec).length).toBeGreaterThan(0);
  });

  it('takes as many authorization scopes as AWS allows per route (10), and says so past that', () => {
    const scopes = (n: number) => Array.from({ length: n }, (_, i) => `scope${i}`);
    const jwt = (n: number) => route({ authorizationType: 'JWT', authorizerId: 'j1', authorizationScopes: scopes(n) });
    expect(problemsOf(jwt(10), 'HTTP')).toEqual([]);
    expect(problemsOf(jwt(11)).map((p) => p.field)).toEqual(['spec.authorizationScopes']);
  });

  // [what, spec, protocol, field, part of the message]
  const refused: [string, Record<string, unknown>, Protocol | undefined, string, string][] = [
    ['both target forms', route({ target: 'integrations/a1' }), undefined, 'spec.target', 'remove target'],
    ['no target', route({ integrationRef: undefined }), undefined, 'spec.integrationRef', 'set exactly one'],
    [
      'a misspelt $ key',
      route({ routeKey: '$Default' }),
      undefined,
      'spec.routeKey',
      'keys starting with $ are reserved',
    ],
    ['an empty segment', route({ routeKey: 'GET //items' }), undefined, 'spec.routeKey', 'not a valid HTTP route key'],
    ['a variable inside a segment', route({ routeKey: 'GET /a{b}' }), undefined, 'spec.routeKey', 'whole segment'],
    [
      'JWT with apiKeyRequired',
      route({ authorizationType: 'JWT', authorizerId: 'j1', apiKeyRequired: true }),
      undefined,
      'spec.authorizationType',
      'apiKeyRequired belong to WebSocket APIs',
    ],
    [
      'authorization on a custom key with WebSocket fields',
      route({ routeKey: 'send', authorizationType: 'CUSTOM', authorizerId: 'a1', requestModels: { $default: 'M' } }),
      undefined,
      'spec.authorizationType',
      'not on send',
    ],
    ['JWT without authorizerId', route({ authorizationType: 'JWT' }), undefined, 'spec.authorizerId', 'JWT needs'],
    ['a field the schema lacks', route({ routeKEY: 'x' }), undefined, 'spec.routeKEY', 'not a field of ApiRoute'],
    [
      'request parameter without required',
      route({ routeKey: '$connect', requestParameters: { 'route.request.header.a': {} } }),
      undefined,
      'spec.requestParameters[route.request.header.a].required',
      'is required',
    ],
    ['$connect on an HTTP API', route({ routeKey: '$connect' }), 'HTTP', 'spec.routeKey', 'only on WebSocket APIs'],
    ['a custom key on an HTTP API', route({ routeKey: 'sendMessage' }), 'HTTP', 'spec.routeKey', 'not an HTTP API'],
    ['a lower-case method', route({ routeKey: 'get /items' }), 'HTTP', 'spec.routeKey', 'upper case: GET /items'],
    ['an unknown method', route({ routeKey: 'FETCH /items' }), 'HTTP', 'spec.routeKey', 'METHOD /path'],
    ['apiKeyRequired on an HTTP API', route({ apiKeyRequired: true }), 'HTTP', 'spec.apiKeyRequired', 'WebSocket'],
    [
      'request models on an HTTP API',
      route({ requestModels: { $default: 'M' } }),
      'HTTP',
      'spec.requestModels',
      'only for WebSocket APIs',
    ],
    [
      'JWT on a WebSocket API',
      route({ routeKey: 'GET /x', authorizationType: 'JWT', authorizerId: 'j1' }),
      'WEBSOCKET',
      'spec.authorizationType',
      'JWT authorizers exist only on HTTP APIs',
    ],
    [
      'IAM on a WebSocket custom route',
      route({ routeKey: 'send', authorizationType: 'AWS_IAM' }),
      'WEBSOCKET',
      'spec.authorizationType',
      'only on the $connect route, not on send',
    ],
  ];
  it.each(refused.map((row) => [row[0], row] as const))('refuses %s', (_what, [, spec, protocol, field, message]) => {
    const problems = problemsOf(spec, protocol);
    expect(problems).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it('lists a problem the CEL twin and the protocol check both find once', () => {
    const spec = route({ routeKey: '$disconnect', authorizationType: 'AWS_IAM' });
    expect(problemsOf(spec, 'WEBSOCKET')).toHaveLength(1);
  });

  it.each<[string, Record<string, unknown>, Protocol]>([
    ['apiKeyRequired false on an HTTP API (what AWS reports there)', route({ apiKeyRequired: false }), 'HTTP'],
    ['a custom WebSocket key shaped like an HTTP route', route({ routeKey: 'GET /chat' }), 'WEBSOCKET'],
    [
      'authorization NONE on a WebSocket custom route',
      route({ routeKey: 'send', authorizationType: 'NONE' }),
      'WEBSOCKET',
    ],
  ])('accepts %s', (_what, spec, protocol) => {
    expect(problemsOf(spec, protocol)).toEqual([]);
  });

  it.each([
    '$default',
    'GET /',
    'GET /pets/{petID}',
    'ANY /{proxy+}',
    'POST /v1/orders/{orderId}/items/{rest+}',
    'DELETE /a-b_c.d/~e',
    'HEAD /items/',
  ])('accepts the HTTP route key %s on an HTTP API', (routeKey) => {
    expect(problemsOf(route({ routeKey }), 'HTTP')).toEqual([]);
  });

  it('drops nulls the way the API server prunes them', () => {
    expect(validateRouteSpec({ ...route(), operationName: null })).toEqual({ ok: true, spec: route() });
  });

  it('refuses a changed or removed routeId', () => {
    const old = route({ routeId: 'r1' });
    expect(validateRouteSpecUpdate(old, route({ routeId: 'r2' }))).toHaveLength(1);
    expect(validateRouteSpecUpdate(old, route())).toHaveLength(1);
    expect(validateRouteSpecUpdate(old, old)).toEqual([]);
    expect(validateRouteSpecUpdate(route(), route({ routeId: 'r2' }))).toEqual([]);
  });
});

// (test/integration/route-crd.test.ts checks that rules and twins refuse the same manifests.)
describe('every ApiRoute CEL rule has exactly one TypeScript twin', () => {
  const matches = (cel: string | RegExp, message: string) =>
    typeof cel === 'string' ? cel === message : cel.test(message);

  it.each(ROUTE_SPEC_RULES.map((r) => [r.message]))('%s', (message) => {
    expect(ROUTE_SPEC_RULE_TWINS.filter((t) => matches(t.cel, message))).toHaveLength(1);
  });

  it('no twin is left without its rule', () => {
    for (const t of ROUTE_SPEC_RULE_TWINS)
      expect([String(t.cel), ROUTE_SPEC_RULES.some((r) => matches(t.cel, r.message))]).toEqual([String(t.cel), true]);
  });

  it('the transition rule has its twin', () => {
    for (const r of ROUTE_TRANSITION_RULES)
      expect(ROUTE_TRANSITION_RULE_TWINS.filter((t) => matches(t.cel, r.message))).toHaveLength(1);
  });

  it('each map rule has its twin at the same field', () => {
    const props = routeSpecJsonSchema().properties as Record<
      string,
      { 'x-kubernetes-validations'?: { message: string }[] }
    >;
    const found = Object.entries(props).flatMap(([at, p]) =>
      (p['x-kubernetes-validations'] ?? []).map((rule) => ({ at, message: rule.message })),
    );
    expect(found.length).toBe(ROUTE_MAP_RULE_TWINS.length);
    for (const rule of found)
      expect(ROUTE_MAP_RULE_TWINS.filter((t) => t.at === rule.at && matches(t.cel, rule.message))).toHaveLength(1);
  });
});

describe('examples/routes', () => {
  const dir = resolve(import.meta.dirname, '..', '..', '..', 'examples', 'routes');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('has an HTTP and a WebSocket example', () => {
    expect(files.sort()).toEqual(['apiroute-http.yaml', 'apiroute-websocket.yaml']);
  });

  it.each(files)('%s holds only valid ApiRoutes for its protocol', (file) => {
    const protocol: Protocol = file.includes('websocket') ? 'WEBSOCKET' : 'HTTP';
    const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map(
      (d) => d.toJS() as { kind: string; spec: unknown },
    );
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      expect(doc.kind).toBe(ROUTE_KIND);
      expect(problemsOf(doc.spec, protocol)).toEqual([]);
    }
  });
});
