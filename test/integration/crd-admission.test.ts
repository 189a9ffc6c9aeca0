// The generated CRD against a real kube-apiserver: it installs, its schema and CEL rules refuse
// the manifests they should, and for each refused manifest the TypeScript validator (without a
// protocol) refuses it too, so the CEL rules and their TypeScript twins cannot drift apart.
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PLURAL } from '../../src/api/v1alpha1/schema.ts';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { validateSpec, validateSpecUpdate } from '../../src/api/v1alpha1/validation.ts';
import { codeOf, core, custom, installCrd, sleep, tb } from '../support/cluster.ts';
import {
  LAMBDA_ARN,
  VALID_EXAMPLES,
  lambda,
  httpUrl,
  privateLink,
  sqs,
  wsLambda,
  wsMock,
  type Spec,
} from '../fixtures/spec-examples.ts';

const namespace = `crd-admission-${Date.now().toString(36)}`;

let counter = 0;
function create(spec: unknown, name = `ai-${++counter}`): Promise<unknown> {
  return custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURAL,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'ApiIntegration', metadata: { name }, spec },
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

// [what, spec, text the API server's refusal contains]
const REFUSED: [string, Spec, string][] = [
  [
    'integration responses on a proxy integration',
    wsLambda({ integrationResponses: [{ integrationResponseKey: '$default' }] }),
    'integrationResponses are only for non-proxy integrations',
  ],
  [
    'an integration response key neither $default nor /regex/',
    wsMock({ integrationResponses: [{ integrationResponseKey: '200' }] }),
    'spec.integrationResponses[0].integrationResponseKey',
  ],
  [
    'an integration response key listed twice',
    wsMock({ integrationResponses: [{ integrationResponseKey: '$default' }, { integrationResponseKey: '$default' }] }),
    'Duplicate value',
  ],
  ['missing apiId', lambda({ apiId: undefined }), 'spec.apiId: Required value'],
  ['unknown integrationType', lambda({ integrationType: 'LAMBDA' }), 'Unsupported value: "LAMBDA"'],
  ['apiId with capitals', lambda({ apiId: 'ABC' }), 'spec.apiId'],
  ['timeout above 30000', lambda({ timeoutInMillis: 30001 }), 'spec.timeoutInMillis'],
  [
    'subtype without AWS_PROXY',
    sqs({ integrationType: 'HTTP_PROXY', integrationMethod: undefined }),
    'integrationSubtype requires integrationType AWS_PROXY',
  ],
  ['subtype with a URI', sqs({ integrationUri: LAMBDA_ARN }), 'take neither integrationUri nor integrationMethod'],
  ['subtype without credentialsArn', sqs({ credentialsArn: undefined }), 'integrationSubtype requires credentialsArn'],
  [
    'subtype with a user in credentialsArn',
    sqs({ credentialsArn: 'arn:aws:iam::*:user/*' }),
    'need an IAM role in credentialsArn, not a user',
  ],
  [
    'ObserveOnly without integrationId',
    lambda({ managementPolicy: 'ObserveOnly' }),
    'managementPolicy ObserveOnly needs spec.integrationId',
  ],
  [
    'subtype missing MessageBody',
    sqs({ requestParameters: { QueueUrl: 'q' } }),
    'integrationSubtype SQS-SendMessage requires requestParameters QueueUrl, MessageBody',
  ],
  [
    'subtype with a mapping key',
    sqs({ requestParameters: { QueueUrl: 'q', MessageBody: 'b', 'append:header.x': 'y' } }),
    'action parameter names',
  ],
  [
    'subtype with a foreign parameter',
    sqs({ requestParameters: { QueueUrl: 'q', MessageBody: 'b', StreamName: 's' } }),
    'requestParameters has a parameter this integrationSubtype does not accept',
  ],
  [
    'payload 2.0 on HTTP_PROXY',
    httpUrl({ payloadFormatVersion: '2.0' }),
    'payloadFormatVersion 2.0 is only for Lambda proxy integrations',
  ],
  [
    'VPC_LINK without connectionId',
    privateLink({ connectionId: undefined }),
    'connectionType VPC_LINK requires connectionId',
  ],
  [
    'connectionId without VPC_LINK',
    privateLink({ connectionType: undefined, tlsConfig: undefined }),
    'connectionId is only used with connectionType VPC_LINK',
  ],
  [
    'tlsConfig on a public integration',
    httpUrl({ tlsConfig: { serverNameToVerify: 'a.example.com' } }),
    'tlsConfig applies only to private integrations',
  ],
  [
    'HTTP_PROXY without method',
    httpUrl({ integrationMethod: undefined }),
    'HTTP and HTTP_PROXY integrations require integrationMethod and integrationUri',
  ],
  ['HTTP_PROXY without URI', httpUrl({ integrationUri: undefined }), 'integrationUri is required'],
  ['MOCK with a URI', wsMock({ integrationUri: 'https://example.com' }), 'MOCK integrations take no integrationUri'],
  ['Lambda proxy with GET', lambda({ integrationMethod: 'GET' }), 'Lambda proxy integrations are invoked with POST'],
  [
    'WebSocket-only with HTTP-only fields',
    wsMock({ responseParameters: { '200': { 'overwrite:statuscode': '201' } } }),
    'cannot be combined with HTTP-API-only fields',
  ],
  [
    'malformed mapping key',
    httpUrl({ requestParameters: { 'set:header.x': 'v' } }),
    'requestParameters keys must be append|overwrite|remove:header.NAME',
  ],
  [
    'empty mapping value',
    httpUrl({ requestParameters: { 'remove:header.x': '' } }),
    'requestParameters values must not be empty',
  ],
  [
    'reserved request header',
    httpUrl({ requestParameters: { 'overwrite:header.authorization': 'x' } }),
    'reserved headers',
  ],
  [
    'reserved header prefix',
    httpUrl({ requestParameters: { 'append:header.X-Amzn-Trace-Id': 'x' } }),
    'reserved headers',
  ],
  [
    'status code out of range',
    httpUrl({ responseParameters: { '100': { 'overwrite:statuscode': '200' } } }),
    'responseParameters keys must be HTTP status codes from 200 to 599',
  ],
  [
    'malformed response key',
    httpUrl({ responseParameters: { '404': { 'overwrite:body': 'x' } } }),
    'response mapping keys must be',
  ],
  [
    'empty response value',
    httpUrl({ responseParameters: { '404': { 'remove:header.x-a': '' } } }),
    'mapping values must not be empty',
  ],
  [
    'reserved response header',
    httpUrl({ responseParameters: { '200': { 'overwrite:header.Content-Length': '1' } } }),
    'reserved headers',
  ],
];

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await installCrd();
}, 60_000);

describe('ApiIntegration admission', () => {
  it.each(REFUSED)('refuses %s, and so does validateSpec', async (_what, spec, expected) => {
    const { code, text } = await refusal(create(spec));
    expect(code).toBe(422);
    expect(text).toContain(expected);
    const ts = validateSpec(spec);
    expect(ts.ok).toBe(false);
  });

  it.each(VALID_EXAMPLES.map((e) => [e.name, e] as const))('accepts %s, and so does validateSpec', async (_name, e) => {
    expect(validateSpec(e.spec)).toMatchObject({ ok: true });
    const created = (await create(e.spec)) as { spec: unknown };
    // Nothing pruned or defaulted: what GitOps applies is what it reads back.
    expect(created.spec).toEqual(e.spec);
  });

  it('keeps spec.integrationId once set', async () => {
    const spec = VALID_EXAMPLES.find((e) => e.spec.integrationId !== undefined)!.spec;
    const name = 'adopted';
    await create(spec, name);
    const patch = (integrationId: string | null) =>
      custom.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { spec: { integrationId } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    for (const next of ['other1', null]) {
      const { code, text } = await refusal(patch(next));
      expect(code).toBe(422);
      expect(text).toContain('spec.integrationId is immutable once set');
      expect(validateSpecUpdate(spec, { ...spec, integrationId: next })).toHaveLength(1);
    }
    await expect(patch(spec.integrationId as string)).resolves.toBeDefined();
  });

  it('reads a new object as not yet observed, so kstatus waits instead of calling it Current', async () => {
    // No operator watches this namespace: what tools see is the API server's own default.
    const created = (await create(VALID_EXAMPLES[0]!.spec, 'never-observed')) as {
      metadata: { generation: number };
      status?: { observedGeneration?: number };
    };
    expect(created.metadata.generation).toBe(1);
    expect(created.status).toEqual({ observedGeneration: 0 });
    const read = (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
      name: 'never-observed',
    })) as typeof created;
    expect(read.status).toEqual({ observedGeneration: 0 });
  });

  it('publishes field descriptions for kubectl explain', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
    const explain = () =>
      promisify(execFile)(tb.tools.kubectl, [
        '--kubeconfig',
        tb.kubeconfig,
        '--cache-dir',
        cacheDir,
        'explain',
        `${PLURAL}.spec.requestParameters`,
      ]);
    // The aggregated OpenAPI document is rebuilt asynchronously after a CRD changes.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const { stdout } = await explain();
        expect(stdout).toContain('Request parameter mappings');
        return;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await sleep(1000);
      }
    }
  }, 60_000);
});
