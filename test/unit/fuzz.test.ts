// Property-based fuzzing of the path from a spec to AWS: validation, decide, the SDK mapping and the
// diff. Specs are generated around the real flavours (so a good share is valid) and pushed off
// them with random changes (so a good share is not). The properties:
// - nothing throws, whatever the input;
// - an invalid spec never leads to an AWS write, whatever the object's recorded state;
// - a valid spec round-trips: desiredFields -> SDK input -> what AWS (or moto) returns -> fromSdk
//   -> diff is empty, so a created integration is never "updated" for nothing;
// - an in-place update converges: applying the computed updates (at most two steps) with AWS's
//   merge semantics (and with moto's replace semantics) leaves nothing to change, except removals
//   AWS has no in-place form for, which are reported.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Integration } from '@aws-sdk/client-apigatewayv2';
import {
  CONNECTION_TYPES,
  CONTENT_HANDLING_STRATEGIES,
  INTEGRATION_SUBTYPES,
  INTEGRATION_TYPES,
  PASSTHROUGH_BEHAVIORS,
  PAYLOAD_FORMAT_VERSIONS,
} from '../../src/api/v1alpha1/schema.ts';
import { HTTP_METHODS, FINALIZER, type Protocol } from '../../src/api/v1alpha1/group.ts';
import type { ApiIntegration, ApiIntegrationSpecT } from '../../src/api/v1alpha1/types.ts';
import { formatProblems, validateSpec } from '../../src/api/v1alpha1/validation.ts';
import { decide, type Observation } from '../../src/apiintegration/decide.ts';
import { desiredFields, markedDescription } from '../../src/apiintegration/desired.ts';
import { diffIntegration } from '../../src/apiintegration/diff.ts';
import type { IntegrationFields, ObservedIntegration } from '../../src/apiintegration/ports.ts';
import { fromSdk, toSdkInput } from '../../src/adapters/aws/mapping.ts';
import { LAMBDA_ARN, LAMBDA_INVOKE_URI, LISTENER_ARN, ROLE_ARN, VALID_EXAMPLES } from '../fixtures/spec-examples.ts';

const UID = '5f0c2d9e-7a41-4c3b-9e2d-0a1b2c3d4e5f';
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const AWS_WRITES = new Set(['Create', 'Update', 'Delete', 'Release']);
const NOW = Date.parse('2026-06-01T00:00:00Z');
// The CreateIntegration/UpdateIntegration members the SDK knows (besides ApiId/IntegrationId).
const SDK_MEMBERS = new Set([
  'ConnectionId',
  'ConnectionType',
  'ContentHandlingStrategy',
  'CredentialsArn',
  'Description',
  'IntegrationMethod',
  'IntegrationSubtype',
  'IntegrationType',
  'IntegrationUri',
  'PassthroughBehavior',
  'PayloadFormatVersion',
  'RequestParameters',
  'RequestTemplates',
  'ResponseParameters',
  'TemplateSelectionExpression',
  'TimeoutInMillis',
  'TlsConfig',
]);

// ---- generators ----

const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/);
const reserved = fc.constantFrom('authorization', 'x-amz-date', 'X-Forwarded-For', 'connection', 'apigw-id');
const httpRequestKey = fc.oneof(
  fc
    .tuple(fc.constantFrom('append', 'overwrite', 'remove'), fc.constantFrom('header', 'querystring'), name)
    .map(([a, w, n]) => `${a}:${w}.${n}`),
  fc.constant('overwrite:path'),
  reserved.map((h) => `overwrite:header.${h}`),
);
const wsRequestKey = fc
  .tuple(fc.constantFrom('header', 'querystring', 'path'), name)
  .map(([w, n]) => `integration.request.${w}.${n}`);
const mappingValue = fc.oneof(
  fc.constantFrom(
    '$request.header.x-id',
    '$context.requestId',
    '$request.body.order.id',
    "'static'",
    'route.request.body.room',
    'context.connectionId',
    'stageVariables.env',
  ),
  fc.string({ maxLength: 12 }),
);
const responseKey = fc.oneof(
  fc.tuple(fc.constantFrom('append', 'overwrite', 'remove'), name).map(([a, n]) => `${a}:header.${n}`),
  fc.constant('overwrite:statuscode'),
);
const statusCode = fc.oneof(fc.integer({ min: 200, max: 599 }).map(String), fc.constantFrom('199', '600', 'ok'));
const subtypeParams = fc.constantFrom(
  { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', MessageBody: '$request.body' },
  { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', MessageBody: '$request.body', DelaySeconds: '5' },
  { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q' },
  { Detail: '$request.body', DetailType: 'order', Source: 'shop' },
  { StateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:s', Input: '$request.body' },
);

/** One field set to something plausible, valid or not. */
const fieldChange: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.constantFrom(...INTEGRATION_TYPES, 'BOGUS').map((v) => ['integrationType', v] as [string, unknown]),
  fc
    .constantFrom(
      LAMBDA_ARN,
      LAMBDA_INVOKE_URI,
      LISTENER_ARN,
      'https://backend.example.com/{proxy}',
      'arn:aws:apigateway:us-east-1:dynamodb:action/PutItem',
      'not a uri',
    )
    .map((v) => ['integrationUri', v] as [string, unknown]),
  fc.constantFrom(...HTTP_METHODS, 'BREW').map((v) => ['integrationMethod', v] as [string, unknown]),
  fc.constantFrom(...INTEGRATION_SUBTYPES).map((v) => ['integrationSubtype', v] as [string, unknown]),
  fc.constantFrom(...CONNECTION_TYPES).map((v) => ['connectionType', v] as [string, unknown]),
  fc.constantFrom('vl1234', '').map((v) => ['connectionId', v] as [string, unknown]),
  fc.constantFrom(ROLE_ARN, 'arn:aws:iam::*:user/*', 'role').map((v) => ['credentialsArn', v] as [string, unknown]),
  fc.string({ maxLength: 40 }).map((v) => ['description', v] as [string, unknown]),
  fc.constantFrom(...PAYLOAD_FORMAT_VERSIONS, '3.0').map((v) => ['payloadFormatVersion', v] as [string, unknown]),
  fc.constantFrom(...PASSTHROUGH_BEHAVIORS).map((v) => ['passthroughBehavior', v] as [string, unknown]),
  fc.constantFrom(...CONTENT_HANDLING_STRATEGIES).map((v) => ['contentHandlingStrategy', v] as [string, unknown]),
  fc
    .dictionary(fc.oneof(httpRequestKey, wsRequestKey), mappingValue, { maxKeys: 4 })
    .map((v) => ['requestParameters', v] as [string, unknown]),
  subtypeParams.map((v) => ['requestParameters', v] as [string, unknown]),
  fc
    .dictionary(fc.constantFrom('application/json', '$default', 'text/plain'), fc.string({ maxLength: 30 }), {
      maxKeys: 2,
    })
    .map((v) => ['requestTemplates', v] as [string, unknown]),
  fc
    .dictionary(statusCode, fc.dictionary(responseKey, mappingValue, { minKeys: 1, maxKeys: 3 }), { maxKeys: 3 })
    .map((v) => ['responseParameters', v] as [string, unknown]),
  fc
    .constantFrom('\\$default', '$request.body.action', '')
    .map((v) => ['templateSelectionExpression', v] as [string, unknown]),
  fc.integer({ min: 0, max: 40_000 }).map((v) => ['timeoutInMillis', v] as [string, unknown]),
  fc.constantFrom({ serverNameToVerify: 'internal.example.com' }, {}).map((v) => ['tlsConfig', v] as [string, unknown]),
  fc.constantFrom('Delete', 'Retain').map((v) => ['deletionPolicy', v] as [string, unknown]),
  fc.constantFrom('us-east-1', 'eu-west-1', 'Mars').map((v) => ['region', v] as [string, unknown]),
  fc.constantFrom('a1b2c3', 'UPPER', '').map((v) => ['apiId', v] as [string, unknown]),
  fc.constant(['unknownField', 1] as [string, unknown]),
);

const REMOVABLE = [
  'integrationUri',
  'integrationMethod',
  'payloadFormatVersion',
  'requestParameters',
  'responseParameters',
  'requestTemplates',
  'timeoutInMillis',
  'description',
  'connectionType',
  'connectionId',
  'tlsConfig',
  'templateSelectionExpression',
  'managementPolicy',
  'integrationId',
];

/** A real flavour's spec, pushed off it by up to three changes and two removals. */
function variant(base: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(fc.array(fieldChange, { maxLength: 3 }), fc.subarray(REMOVABLE, { maxLength: 2 }))
    .map(([changes, removed]) => {
      const s: Record<string, unknown> = { ...base };
      // The examples include an ObserveOnly one; fuzz the managed path.
      delete s.managementPolicy;
      delete s.integrationId;
      for (const [k, v] of changes) s[k] = v;
      for (const k of removed) delete s[k];
      return s;
    });
}

interface Case {
  protocol: Protocol;
  spec: Record<string, unknown>;
}

const caseArb: fc.Arbitrary<Case> = fc.constantFrom(...VALID_EXAMPLES).chain((ex) =>
  fc.record({
    protocol: fc.oneof(
      { weight: 4, arbitrary: fc.constant(ex.protocol) },
      { weight: 1, arbitrary: fc.constantFrom<Protocol>('HTTP', 'WEBSOCKET') },
    ),
    spec: variant(ex.spec),
  }),
);

/** Two specs of one object on one API: a state AWS holds and the spec it should move to. */
const pairArb = fc
  .constantFrom(...VALID_EXAMPLES)
  .chain((ex) => fc.record({ protocol: fc.constant(ex.protocol), from: variant(ex.spec), to: variant(ex.spec) }));

// ---- the reconciler's view ----

/** What the reconciler computes before decide: structural problems first, then the protocol's. */
function problemsOf(spec: unknown, protocol: Protocol): string | undefined {
  const structural = validateSpec(spec);
  if (!structural.ok) return formatProblems(structural.problems);
  const full = validateSpec(spec, protocol);
  return full.ok ? undefined : formatProblems(full.problems);
}

function objectWith(
  spec: Record<string, unknown>,
  annotations: Record<string, string>,
  finalizers: string[],
): ApiIntegration {
  return {
    apiVersion: 'apigw.dev/v1alpha1',
    kind: 'ApiIntegration',
    metadata: { name: 'fuzz', namespace: 'ns', uid: UID, generation: 2, resourceVersion: '5', annotations, finalizers },
    spec: spec as ApiIntegrationSpecT,
  };
}

const recordedStates = fc.constantFrom<Record<string, string>>(
  {},
  { 'apigw.dev/integration-id': 'int1', 'apigw.dev/location': 'us-east-1/a1b2c3' },
  { 'apigw.dev/create-pending': 'us-east-1/a1b2c3' },
  {
    'apigw.dev/integration-id': 'int1',
    'apigw.dev/location': 'us-east-1/old',
    'apigw.dev/superseded': 'us-east-1/old/int0',
  },
);
const observations: fc.Arbitrary<Observation> = fc.record(
  {
    current: fc.option(
      fc.constant({
        integrationId: 'int1',
        integrationType: 'AWS_PROXY',
        description: markedDescription(undefined, UID),
      } as ObservedIntegration),
      { nil: null },
    ),
    claimed: fc.option(
      fc.array(
        fc.constantFrom({
          integrationId: 'lost1',
          description: markedDescription(undefined, UID),
        } as ObservedIntegration),
        { maxLength: 2 },
      ),
      { nil: null },
    ),
    adoptee: fc.option(fc.constant({ integrationId: 'adopt1' } as ObservedIntegration), { nil: null }),
  },
  { requiredKeys: [] },
);

// ---- what AWS and moto return and how they apply updates ----

const WS_DEFAULT_TIMEOUT = 29000;

/** CreateIntegration in real AWS: the input back, plus AWS's documented defaults. */
function awsCreate(input: Record<string, unknown>, protocol: Protocol): Integration {
  const out: Record<string, unknown> = { IntegrationId: 'new1', ConnectionType: 'INTERNET', ...input };
  out.TimeoutInMillis ??= protocol === 'WEBSOCKET' ? WS_DEFAULT_TIMEOUT : 30000;
  if (input.IntegrationType === 'AWS_PROXY' && !input.IntegrationSubtype) out.IntegrationMethod ??= 'POST';
  if (protocol === 'WEBSOCKET') out.PassthroughBehavior ??= 'WHEN_NO_MATCH';
  return out as Integration;
}

/**
 * CreateIntegration in moto (reference §2.4): its own defaults, JSON nulls for the rest; the
 * timeout default as the test bed's fidelity proxy fills it in (the protocol's, not moto's by type).
 */
function motoCreate(input: Record<string, unknown>, protocol: Protocol): Integration {
  const type = input.IntegrationType as string;
  const out: Record<string, unknown> = {
    IntegrationId: 'new1',
    ConnectionType: null,
    PayloadFormatVersion: null,
    ...input,
  };
  if (input.IntegrationUri) out.IntegrationMethod ??= 'POST';
  out.TimeoutInMillis ??= protocol === 'WEBSOCKET' ? WS_DEFAULT_TIMEOUT : 30000;
  if (['AWS', 'MOCK', 'HTTP'].includes(type)) out.PassthroughBehavior ??= 'WHEN_NO_MATCH';
  return out as Integration;
}

/**
 * UpdateIntegration in AWS: merge. '' clears a scalar or removes a request-parameter key (refused
 * for a service integration); a '' template is kept as an empty template; {} removes a status code,
 * and a kept code's mappings merge (unverified, so the pessimistic reading); {} clears tlsConfig.
 */
function awsUpdate(current: Integration, update: Record<string, unknown>): Integration {
  const out: Record<string, unknown> = { ...current };
  const service = Boolean(update.IntegrationSubtype ?? current.IntegrationSubtype);
  for (const [k, v] of Object.entries(update)) {
    if (k === 'RequestParameters') {
      const merged: Record<string, string> = { ...((out[k] as Record<string, string>) ?? {}) };
      for (const [mk, mv] of Object.entries(v as Record<string, string>)) {
        if (mv === '' && service) throw new Error(`BadRequest: empty action parameter ${mk}`);
        if (mv === '') delete merged[mk];
        else merged[mk] = mv;
      }
      out[k] = merged;
    } else if (k === 'RequestTemplates') {
      out[k] = { ...((out[k] as Record<string, string>) ?? {}), ...(v as Record<string, string>) };
    } else if (k === 'ResponseParameters') {
      const merged: Record<string, Record<string, string>> = {
        ...((out[k] as Record<string, Record<string, string>>) ?? {}),
      };
      for (const [code, m] of Object.entries(v as Record<string, Record<string, string>>)) {
        if (Object.keys(m).length === 0) delete merged[code];
        else merged[code] = { ...merged[code], ...m };
      }
      out[k] = merged;
    } else if (k === 'TlsConfig') {
      if ((v as { ServerNameToVerify?: string }).ServerNameToVerify) out[k] = v;
      else delete out[k];
    } else if (v === '') delete out[k];
    else out[k] = v;
  }
  return out as Integration;
}

/** UpdateIntegration in moto (reference §2.5): scalars set, request parameters replaced minus '' values, other maps replaced. */
function motoUpdate(current: Integration, update: Record<string, unknown>): Integration {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(update)) {
    out[k] =
      k === 'RequestParameters'
        ? Object.fromEntries(Object.entries(v as Record<string, string>).filter(([, x]) => x !== ''))
        : v;
  }
  return out as Integration;
}

const valid = (c: { spec: Record<string, unknown>; protocol: Protocol }) =>
  problemsOf(c.spec, c.protocol) === undefined;
const fieldsOf = (spec: Record<string, unknown>): IntegrationFields => desiredFields(spec as ApiIntegrationSpecT, UID);

// ---- properties ----

describe('fuzzing validation and decide', () => {
  it('never throws, whatever the spec', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.object(),
          caseArb.map((c) => c.spec),
        ),
        fc.constantFrom<Protocol>('HTTP', 'WEBSOCKET'),
        (spec, protocol) => {
          const r = validateSpec(spec, protocol);
          expect(r.ok || r.problems.length > 0).toBe(true);
          problemsOf(spec, protocol);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('never lets an invalid spec reach an AWS write, in any recorded state', () => {
    let invalidSeen = 0;
    let validSeen = 0;
    fc.assert(
      fc.property(
        caseArb,
        recordedStates,
        fc.boolean(),
        observations,
        ({ spec, protocol }, annotations, finalized, observation) => {
          const invalid = problemsOf(spec, protocol);
          if (invalid === undefined) {
            validSeen++;
            return;
          }
          invalidSeen++;
          // As the reconciler does: no desired state and no AWS reads for an invalid spec.
          const plan = decide({
            obj: objectWith(spec, annotations, finalized ? [FINALIZER] : []),
            invalid,
            observation,
            now: NOW,
          });
          expect(AWS_WRITES.has(plan.action.type)).toBe(false);
          expect(plan.outcome).toMatchObject({ kind: 'Stalled', reason: 'InvalidSpec' });
        },
      ),
      { numRuns: RUNS },
    );
    // The generator is only useful if it produces plenty of both.
    expect(invalidSeen).toBeGreaterThan(RUNS * 0.2);
    expect(validSeen).toBeGreaterThan(RUNS * 0.1);
  });
});

describe('fuzzing the round trip through the SDK mapping and the diff', () => {
  it('creates what the spec says and then sees no difference, against AWS and moto alike', () => {
    let checked = 0;
    fc.assert(
      fc.property(caseArb, ({ spec, protocol }) => {
        if (!valid({ spec, protocol })) return;
        checked++;
        const fields = fieldsOf(spec);
        const input = toSdkInput(fields);
        expect(Object.keys(input).filter((k) => !SDK_MEMBERS.has(k))).toEqual([]);
        for (const created of [awsCreate(input, protocol), motoCreate(input, protocol)]) {
          const observed = fromSdk(created);
          const diff = diffIntegration(fields, observed, protocol);
          expect({ changed: diff.changed, notInPlace: diff.notInPlace }).toEqual({ changed: [], notInPlace: [] });
          // And decide leaves a recorded, matching integration alone.
          const obj = objectWith(
            spec,
            { 'apigw.dev/integration-id': 'new1', 'apigw.dev/location': `${spec.region ?? 'us-east-1'}/${spec.apiId}` },
            [FINALIZER],
          );
          const plan = decide({
            obj,
            now: NOW,
            desired: {
              location: { region: (spec.region as string) ?? 'us-east-1', apiId: spec.apiId as string },
              protocol,
              fields,
            },
            observation: { current: observed },
          });
          expect(plan.action.type).toBe('None');
          expect(plan.outcome?.kind).toBe('Ready');
        }
      }),
      { numRuns: RUNS },
    );
    expect(checked).toBeGreaterThan(RUNS * 0.1);
  });

  it('converges in place within two updates, with AWS merge semantics and with moto replace semantics', () => {
    let updates = 0;
    fc.assert(
      fc.property(pairArb, ({ protocol, from, to }) => {
        if (!valid({ spec: from, protocol }) || !valid({ spec: to, protocol })) return;
        const want = fieldsOf(to);
        for (const [create, update] of [
          [awsCreate, awsUpdate],
          [motoCreate, motoUpdate],
        ] as const) {
          let held = create(toSdkInput(fieldsOf(from)), protocol);
          let diff = diffIntegration(want, fromSdk(held), protocol);
          for (let step = 0; step < 2 && (diff.update || diff.replace.length > 0); step++) {
            // What AWS cannot remove in place is removed by a new integration made from the spec.
            if (diff.replace.length > 0) held = create(toSdkInput(want), protocol);
            else {
              updates++;
              // AWS refuses "" for these: an enum, and strings of at least one character.
              for (const f of ['IntegrationUri', 'IntegrationMethod', 'IntegrationSubtype', 'ContentHandlingStrategy'])
                expect(toSdkInput(diff.update!)[f as keyof ReturnType<typeof toSdkInput>]).not.toBe('');
              held = update(held, toSdkInput(diff.update!));
            }
            diff = diffIntegration(want, fromSdk(held), protocol);
          }
          // What is left is only what AWS cannot remove in place, and it is reported as such.
          expect(diff.update).toBeUndefined();
          const reported = new Set(diff.notInPlace.map((n) => n.split('[')[0]));
          expect(diff.changed.filter((f) => !reported.has(f))).toEqual([]);
          expect([...reported].every((f) => f === 'requestTemplates' || f === 'requestParameters')).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
    expect(updates).toBeGreaterThan(RUNS * 0.1);
  });
});
