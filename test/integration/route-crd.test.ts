// The generated ApiRoute CRD against a real kube-apiserver: it installs, its schema and CEL rules
// refuse the manifests they should, and for each refused manifest the TypeScript validator (without
// a protocol, as the API server has none) refuses it too, so the CEL rules and their twins cannot
// drift apart. The protocol-aware rules are the operator's alone: a manifest only they refuse is
// accepted here.
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { ROUTE_KIND, ROUTE_PLURAL, ROUTE_SPEC_RULES } from '../../src/api/v1alpha1/route-schema.ts';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { routeSpecJsonSchema } from '../../src/api/v1alpha1/route-crd.ts';
import { buildRouteCrdYaml } from '../../src/api/v1alpha1/route-crd.ts';
import { validateRouteSpec, validateRouteSpecUpdate } from '../../src/api/v1alpha1/route-validation.ts';
import { adminKubeConfig, codeOf, core, custom, eventually } from '../support/cluster.ts';
import { REFUSED_ROUTES, VALID_ROUTE_EXAMPLES, route } from '../fixtures/route-examples.ts';

const namespace = `route-crd-${Date.now().toString(36)}`;
const extensions = adminKubeConfig().makeApiClient(k8s.ApiextensionsV1Api);
const CRD_NAME = `${ROUTE_PLURAL}.${GROUP}`;

async function installRouteCrd(): Promise<void> {
  const body = k8s.loadYaml<k8s.V1CustomResourceDefinition>(buildRouteCrdYaml());
  try {
    await extensions.createCustomResourceDefinition({ body });
  } catch (e) {
    if (codeOf(e) !== 409) throw e;
    const current = await extensions.readCustomResourceDefinition({ name: CRD_NAME });
    body.metadata = { ...body.metadata, resourceVersion: current.metadata?.resourceVersion };
    await extensions.replaceCustomResourceDefinition({ name: CRD_NAME, body });
  }
  await eventually('ApiRoute CRD established', async () => {
    const crd = await extensions.readCustomResourceDefinition({ name: CRD_NAME });
    const ok = (t: string) => crd.status?.conditions?.some((c) => c.type === t && c.status === 'True') ?? false;
    return ok('Established') && ok('NamesAccepted');
  });
  // Discovery of a new CRD lags "Established" slightly; a list proves it is served.
  await eventually('ApiRoute CRD served', async () => {
    await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: ROUTE_PLURAL });
    return true;
  });
}

let counter = 0;
function create(spec: unknown, name = `route-${++counter}`): Promise<unknown> {
  return custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: ROUTE_PLURAL,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: ROUTE_KIND, metadata: { name }, spec },
  });
}

/** The status message and causes of a refused request, as `kubectl apply` would print them. */
async function refusal(p: Promise<unknown>): Promise<{ code: number | undefined; text: string }> {
  try {
    await p;
  } catch (e) {
    const body = e instanceof k8s.ApiException ? (e.body as unknown) : String(e);
    const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as {
      message?: string;
      details?: { causes?: { message?: string; field?: string }[] };
    };
    const causes = (parsed.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
    return { code: codeOf(e), text: [parsed.message ?? '', ...causes].join('\n') };
  }
  throw new Error('the API server accepted a manifest it should refuse');
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await installRouteCrd();
}, 60_000);

describe('ApiRoute admission', () => {
  it('exercises every CEL rule of the schema below', () => {
    const props = routeSpecJsonSchema().properties as Record<
      string,
      { 'x-kubernetes-validations'?: { message: string }[] }
    >;
    const messages = [
      ...ROUTE_SPEC_RULES.map((r) => r.message),
      ...Object.values(props).flatMap((p) => (p['x-kubernetes-validations'] ?? []).map((r) => r.message)),
    ];
    for (const m of messages) expect([m, REFUSED_ROUTES.some(([, , text]) => m.startsWith(text))]).toEqual([m, true]);
  });

  it.each(REFUSED_ROUTES)('refuses %s, and so does validateRouteSpec', async (_what, spec, expected) => {
    const { code, text } = await refusal(create(spec));
    expect(code).toBe(422);
    expect(text).toContain(expected);
    expect(validateRouteSpec(spec).ok).toBe(false);
  });

  it.each(VALID_ROUTE_EXAMPLES.map((e) => [e.name, e] as const))(
    'accepts %s, and so does validateRouteSpec',
    async (_name, e) => {
      expect(validateRouteSpec(e.spec, e.protocol)).toMatchObject({ ok: true });
      const created = (await create(e.spec)) as { spec: unknown; status?: unknown };
      // Nothing pruned or defaulted: what GitOps applies is what it reads back.
      expect(created.spec).toEqual(e.spec);
      expect(created.status).toEqual({ observedGeneration: 0 });
    },
  );

  it('admits a key only the protocol refuses: the operator checks it before any AWS write', async () => {
    // `sendMessage` is no HTTP route key, but only GetApi can tell this apiId is an HTTP API.
    const spec = route({ routeKey: 'sendMessage' });
    await expect(create(spec)).resolves.toBeDefined();
    expect(validateRouteSpec(spec).ok).toBe(true);
    expect(validateRouteSpec(spec, 'HTTP').ok).toBe(false);
  });

  it('refuses a duplicate authorization scope, as a set', async () => {
    const spec = route({ authorizationType: 'JWT', authorizerId: 'j1', authorizationScopes: ['a', 'a'] });
    const { code, text } = await refusal(create(spec));
    expect(code).toBe(422);
    expect(text).toContain('spec.authorizationScopes');
  });

  it('keeps spec.routeId once set', async () => {
    const spec = route({ routeId: 'r0ute1' });
    const name = 'adopted';
    await create(spec, name);
    const patch = (routeId: string | null) =>
      custom.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace, plural: ROUTE_PLURAL, name, body: { spec: { routeId } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    for (const next of ['other1', null]) {
      const { code, text } = await refusal(patch(next));
      expect(code).toBe(422);
      expect(text).toContain('spec.routeId is immutable once set');
      expect(validateRouteSpecUpdate(spec, { ...spec, routeId: next })).toHaveLength(1);
    }
    await expect(patch('r0ute1')).resolves.toBeDefined();
  });
});
