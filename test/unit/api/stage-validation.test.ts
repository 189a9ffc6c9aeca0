// ApiStage validation as a table: the schema's structure, the CEL rules' TypeScript twins and the
// protocol-aware AWS rules; every CEL rule has exactly one twin; the examples are valid, and each
// stage example deploys the integration and route examples of its protocol.
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { STAGE_KIND, STAGE_SPEC_RULES, STAGE_TRANSITION_RULES } from '../../../src/api/v1alpha1/stage-schema.ts';
import {
  STAGE_FIELD_RULE_TWINS,
  STAGE_SPEC_RULE_TWINS,
  STAGE_TRANSITION_RULE_TWINS,
} from '../../../src/api/v1alpha1/stage-validation-rules.ts';
import { validateStageSpec, validateStageSpecUpdate } from '../../../src/api/v1alpha1/stage-validation.ts';
import { stageSpecJsonSchema } from '../../../src/api/v1alpha1/stage-crd.ts';
import type { Protocol } from '../../../src/api/v1alpha1/group.ts';
import { REFUSED_STAGES, VALID_STAGE_EXAMPLES, stage } from '../../fixtures/stage-examples.ts';

const problemsOf = (spec: unknown, protocol?: Protocol) => {
  const r = validateStageSpec(spec, protocol);
  return r.ok ? [] : r.problems;
};

describe('validateStageSpec', () => {
  it.each(VALID_STAGE_EXAMPLES.map((e) => [e.name, e] as const))('accepts %s', (_name, e) => {
    expect(validateStageSpec(e.spec, e.protocol)).toEqual({ ok: true, spec: e.spec });
  });

  it.each(REFUSED_STAGES)('refuses %s without knowing the protocol', (_what, spec) => {
    expect(problemsOf(spec).length).toBeGreaterThan(0);
  });

  // [what, spec, protocol, field, part of the message]
  const refused: [string, Record<string, unknown>, Protocol | undefined, string, string][] = [
    ['no apiId', stage({ apiId: undefined }), undefined, 'spec.apiId', 'is required'],
    ['a misspelt field', stage({ stageNmae: 'x' }), undefined, 'spec.stageNmae', 'not a field of ApiStage'],
    [
      'autoDeploy with Manual',
      stage({ autoDeploy: true, deploymentPolicy: 'Manual' }),
      undefined,
      'spec.autoDeploy',
      'contradicts deploymentPolicy Manual',
    ],
    [
      'ObserveOnly with adopt false',
      stage({ managementPolicy: 'ObserveOnly', adopt: false }),
      undefined,
      'spec.adopt',
      'set adopt true',
    ],
    [
      'a stage variable name too long',
      stage({ stageVariables: { ['v'.repeat(65)]: 'x' } }),
      undefined,
      `spec.stageVariables[${'v'.repeat(65)}]`,
      'at most 64 characters',
    ],
    [
      'a stage variable value too long',
      stage({ stageVariables: { v: 'x'.repeat(513) } }),
      undefined,
      'spec.stageVariables[v]',
      'at most 512 characters',
    ],
    [
      'a throttling burst that is not a whole number',
      stage({ routeSettings: { 'GET /a': { throttlingBurstLimit: 1.5 } } }),
      undefined,
      'spec.routeSettings[GET /a].throttlingBurstLimit',
      'must be an integer',
    ],
    [
      'a log group ARN with the trailing :* DescribeLogGroups shows',
      stage({
        accessLogSettings: {
          destinationArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:orders:*',
          format: '$context.requestId',
        },
      }),
      undefined,
      'spec.accessLogSettings.destinationArn',
      'is not valid',
    ],
    [
      'an access log format with no request id',
      stage({
        accessLogSettings: {
          destinationArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:o',
          format: '$context.status',
        },
      }),
      undefined,
      'spec.accessLogSettings.format',
      'must include $context.requestId or $context.extendedRequestId',
    ],
    [
      'loggingLevel by default on an HTTP API',
      stage({ defaultRouteSettings: { loggingLevel: 'ERROR' } }),
      'HTTP',
      'spec.defaultRouteSettings.loggingLevel',
      'only for WebSocket APIs',
    ],
    [
      'dataTraceEnabled for one route of an HTTP API',
      stage({ routeSettings: { 'GET /a': { dataTraceEnabled: false } } }),
      'HTTP',
      'spec.routeSettings[GET /a].dataTraceEnabled',
      'only for WebSocket APIs',
    ],
    [
      '$connect settings on an HTTP API',
      stage({ routeSettings: { $connect: { throttlingRateLimit: 1 } } }),
      'HTTP',
      'spec.routeSettings[$connect]',
      'not an HTTP API route key',
    ],
    [
      'a custom WebSocket key on an HTTP API',
      stage({ routeSettings: { sendMessage: { throttlingRateLimit: 1 } } }),
      'HTTP',
      'spec.routeSettings[sendMessage]',
      'not an HTTP API route key',
    ],
  ];
  it.each(refused.map((row) => [row[0], row] as const))('refuses %s', (_what, [, spec, protocol, field, message]) => {
    expect(problemsOf(spec, protocol)).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it.each<[string, Record<string, unknown>, Protocol]>([
    [
      'WebSocket-only settings on a WebSocket API',
      stage({ defaultRouteSettings: { loggingLevel: 'OFF' } }),
      'WEBSOCKET',
    ],
    ['$default as the stage name of a WebSocket API (AWS takes it)', stage({ stageName: '$default' }), 'WEBSOCKET'],
    [
      'a custom key shaped like an HTTP route on a WebSocket API',
      stage({ routeSettings: { 'GET /chat': {} } }),
      'WEBSOCKET',
    ],
    ['autoDeploy with OnChange: AWS deploys, the operator makes none', stage({ autoDeploy: true }), 'HTTP'],
    [
      'a format ending in a newline',
      stage({
        accessLogSettings: {
          destinationArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:o',
          format: '$context.requestId\n',
        },
      }),
      'HTTP',
    ],
  ])('accepts %s', (_what, spec, protocol) => {
    expect(problemsOf(spec, protocol)).toEqual([]);
  });

  it('reports a malformed HTTP route key once, not also as a key of the other protocol', () => {
    expect(problemsOf(stage({ routeSettings: { 'GET //a': {} } }), 'HTTP')).toHaveLength(1);
  });

  it('drops nulls the way the API server prunes them', () => {
    expect(validateStageSpec({ ...stage(), description: null })).toEqual({ ok: true, spec: stage() });
  });

  it('refuses a changed stageName, and adopt turned off', () => {
    expect(validateStageSpecUpdate(stage(), stage({ stageName: 'prod2' }))).toHaveLength(1);
    // A stage never moves to another API: that is another stage, so another ApiStage.
    expect(validateStageSpecUpdate(stage(), stage({ apiId: 'other1' }))).toHaveLength(1);
    expect(validateStageSpecUpdate(stage(), stage({ region: 'eu-west-1' }))).toHaveLength(1);
    expect(validateStageSpecUpdate(stage(), stage({ description: 'x' }))).toEqual([]);
    const adopted = stage({ adopt: true });
    expect(validateStageSpecUpdate(adopted, stage({ adopt: false }))).toHaveLength(1);
    expect(validateStageSpecUpdate(adopted, stage())).toHaveLength(1);
    expect(validateStageSpecUpdate(stage(), adopted)).toEqual([]);
  });
});

// (test/integration/stage-crd.test.ts checks that rules and twins refuse the same manifests.)
describe('every ApiStage CEL rule has exactly one TypeScript twin', () => {
  const matches = (cel: string | RegExp, message: string) =>
    typeof cel === 'string' ? cel === message : cel.test(message);

  it.each(STAGE_SPEC_RULES.map((r) => [r.message]))('%s', (message) => {
    expect(STAGE_SPEC_RULE_TWINS.filter((t) => matches(t.cel, message))).toHaveLength(1);
  });

  it('no twin is left without its rule', () => {
    for (const t of STAGE_SPEC_RULE_TWINS)
      expect([String(t.cel), STAGE_SPEC_RULES.some((r) => matches(t.cel, r.message))]).toEqual([String(t.cel), true]);
  });

  it('each transition rule has its twin', () => {
    expect(STAGE_TRANSITION_RULE_TWINS).toHaveLength(STAGE_TRANSITION_RULES.length);
    for (const r of STAGE_TRANSITION_RULES)
      expect(STAGE_TRANSITION_RULE_TWINS.filter((t) => matches(t.cel, r.message))).toHaveLength(1);
  });

  it('each field rule has its twin at the same field', () => {
    const props = stageSpecJsonSchema().properties as Record<
      string,
      { 'x-kubernetes-validations'?: { message: string }[] }
    >;
    const found = Object.entries(props).flatMap(([at, p]) =>
      (p['x-kubernetes-validations'] ?? []).map((rule) => ({ at, message: rule.message })),
    );
    expect(found.length).toBe(STAGE_FIELD_RULE_TWINS.length);
    for (const rule of found)
      expect(STAGE_FIELD_RULE_TWINS.filter((t) => t.at === rule.at && matches(t.cel, rule.message))).toHaveLength(1);
  });
});

describe('examples/stages', () => {
  const dir = resolve(import.meta.dirname, '..', '..', '..', 'examples', 'stages');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('has an HTTP and a WebSocket example', () => {
    expect(files.sort()).toEqual(['apistage-http-manual.yaml', 'apistage-http.yaml', 'apistage-websocket.yaml']);
  });

  it.each(files)('%s holds only valid ApiStages for its protocol', (file) => {
    const protocol: Protocol = file.includes('websocket') ? 'WEBSOCKET' : 'HTTP';
    const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map(
      (d) => d.toJS() as { kind: string; spec: unknown },
    );
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      expect(doc.kind).toBe(STAGE_KIND);
      expect(problemsOf(doc.spec, protocol)).toEqual([]);
    }
  });

  // The examples are one path per protocol: integrations, the routes that name them, and the stages
  // that deploy them, on one placeholder API. A stage on another API would serve nothing of them
  // (NothingToDeploy), and AWS refuses route settings for a route key the API does not have.
  it.each(files)('%s is on the API of the integration and route examples of its protocol', (file) => {
    const protocol = file.includes('websocket') ? 'websocket' : 'http';
    const examples = resolve(dir, '..');
    const integrations = readdirSync(examples)
      .filter((f) => f.startsWith(`${protocol}-`) && f.endsWith('.yaml'))
      .flatMap((f) => specsIn(join(examples, f)));
    const routes = specsIn(join(examples, 'routes', `apiroute-${protocol}.yaml`));
    const stages = specsIn(join(dir, file));
    const apis = new Set([...integrations, ...routes, ...stages].map((s) => s.apiId));
    expect([...apis]).toHaveLength(1);
    const names = new Set(integrations.map((s) => s.name));
    for (const r of routes) expect(names).toContain(r.integrationRef?.name);
    const routeKeys = new Set(routes.map((r) => r.routeKey));
    for (const s of stages) for (const key of Object.keys(s.routeSettings ?? {})) expect(routeKeys).toContain(key);
  });
});

interface ExampleSpec {
  name: string;
  apiId: string;
  routeKey?: string;
  integrationRef?: { name: string };
  routeSettings?: Record<string, unknown>;
}

/** The specs of every object in a manifest file, with the object's name. */
function specsIn(path: string): ExampleSpec[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => {
    const o = d.toJS() as { metadata: { name: string }; spec: Omit<ExampleSpec, 'name'> };
    return { ...o.spec, name: o.metadata.name };
  });
}
