// The generated ApiStage CRD against a real kube-apiserver: it installs, its schema and CEL rules
// refuse the manifests they should with a message that says what to fix, and for each refused
// manifest the TypeScript validator (without a protocol, as the API server has none) refuses it
// too, so the CEL rules and their twins cannot drift apart. The protocol-aware rules are the
// operator's alone: a manifest only they refuse is accepted here.
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { ACCESS_LOG_RULES, STAGE_KIND, STAGE_PLURAL, STAGE_SPEC_RULES } from '../../src/api/v1alpha1/stage-schema.ts';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { stageSpecJsonSchema } from '../../src/api/v1alpha1/stage-crd.ts';
import { validateStageSpec, validateStageSpecUpdate } from '../../src/api/v1alpha1/stage-validation.ts';
import { codeOf, core, custom, installStageCrd } from '../support/cluster.ts';
import { REFUSED_STAGES, VALID_STAGE_EXAMPLES, stage } from '../fixtures/stage-examples.ts';

const namespace = `stage-crd-${Date.now().toString(36)}`;

let counter = 0;
function create(spec: unknown, name = `stage-${++counter}`): Promise<unknown> {
  return custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: STAGE_PLURAL,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: STAGE_KIND, metadata: { name }, spec },
  });
}

const patchSpec = (name: string, spec: Record<string, unknown>) =>
  custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace, plural: STAGE_PLURAL, name, body: { spec } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );

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
  await installStageCrd();
}, 60_000);

describe('ApiStage admission', () => {
  it('exercises every CEL rule of the schema below', () => {
    const props = stageSpecJsonSchema().properties as Record<
      string,
      { 'x-kubernetes-validations'?: { message: string }[] }
    >;
    const messages = [
      ...STAGE_SPEC_RULES.map((r) => r.message),
      ...ACCESS_LOG_RULES.map((r) => r.message),
      ...Object.values(props).flatMap((p) => (p['x-kubernetes-validations'] ?? []).map((r) => r.message)),
    ];
    for (const m of messages) expect([m, REFUSED_STAGES.some(([, , text]) => m.startsWith(text))]).toEqual([m, true]);
  });

  it.each(REFUSED_STAGES)('refuses %s, and so does validateStageSpec', async (_what, spec, expected) => {
    const { code, text } = await refusal(create(spec));
    expect(code).toBe(422);
    expect(text).toContain(expected);
    expect(validateStageSpec(spec).ok).toBe(false);
  });

  it.each(VALID_STAGE_EXAMPLES.map((e) => [e.name, e] as const))(
    'accepts %s, and so does validateStageSpec',
    async (_name, e) => {
      expect(validateStageSpec(e.spec, e.protocol)).toMatchObject({ ok: true });
      const created = (await create(e.spec)) as { spec: unknown; status?: unknown };
      // Nothing pruned or defaulted: what GitOps applies is what it reads back.
      expect(created.spec).toEqual(e.spec);
      expect(created.status).toEqual({ observedGeneration: 0 });
    },
  );

  it('takes as many stage variables and route settings as AWS allows, with CEL within its cost budget', async () => {
    const spec = stage({
      stageVariables: Object.fromEntries(
        Array.from({ length: 100 }, (_, i) => [`v${i}_${'x'.repeat(58)}`, 'y'.repeat(512)]),
      ),
      routeSettings: Object.fromEntries(
        Array.from({ length: 300 }, (_, i) => [`GET /items/{id}/${i}`, { throttlingBurstLimit: i }]),
      ),
    });
    expect(validateStageSpec(spec).ok).toBe(true);
    await expect(create(spec, 'at-the-limits')).resolves.toBeDefined();
  });

  it('admits settings only the protocol refuses: the operator checks them before any AWS write', async () => {
    // Execution logging is WebSocket-only, but only GetApi can tell this apiId names an HTTP API.
    const spec = stage({ defaultRouteSettings: { loggingLevel: 'INFO' } });
    await expect(create(spec)).resolves.toBeDefined();
    expect(validateStageSpec(spec).ok).toBe(true);
    expect(validateStageSpec(spec, 'HTTP').ok).toBe(false);
  });

  it('keeps spec.stageName and its API, and keeps adopt once true', async () => {
    const name = 'adopted';
    const spec = stage({ adopt: true });
    await create(spec, name);
    for (const [change, message] of [
      [{ stageName: 'other' }, 'spec.stageName is immutable'],
      [{ apiId: 'other1' }, 'spec.apiId is immutable'],
      [{ region: 'eu-west-1' }, 'spec.region is immutable'],
      [{ adopt: false }, 'spec.adopt cannot be turned off once true'],
      [{ adopt: null }, 'spec.adopt cannot be turned off once true'],
    ] as const) {
      const { code, text } = await refusal(patchSpec(name, change));
      expect(code).toBe(422);
      expect(text).toContain(message);
      expect(validateStageSpecUpdate(spec, { ...spec, ...change })).toHaveLength(1);
    }
    await expect(patchSpec(name, { description: 'still prod', deletionPolicy: 'Delete' })).resolves.toBeDefined();
  });
});
