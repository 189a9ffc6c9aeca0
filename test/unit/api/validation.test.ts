// The validation table: one valid spec per flavour, one invalid spec per rule (structure, the CEL
// twins, and the protocol-aware AWS rules), each with the field and the gist of the message.
import { describe, expect, it } from '@jest/globals';
import {
  formatProblems,
  validateSpec,
  validateSpecUpdate,
  type Problem,
} from '../../../src/api/v1alpha1/validation.ts';
import type { Protocol } from '../../../src/api/v1alpha1/group.ts';
import { SPEC_RULES, SPEC_TRANSITION_RULES } from '../../../src/api/v1alpha1/schema.ts';
import { specJsonSchema } from '../../../src/api/v1alpha1/crd.ts';
import { MAP_RULE_TWINS, SPEC_RULE_TWINS, TRANSITION_RULE_TWINS } from '../../../src/api/v1alpha1/validation-rules.ts';
import {
  LAMBDA_ARN,
  VALID_EXAMPLES,
  example,
  lambda,
  httpUrl,
  privateLink,
  sqs,
  wsMock,
  wsLambda,
  wsHttp,
} from '../../fixtures/spec-examples.ts';

function problemsOf(spec: unknown, protocol?: Protocol): Problem[] {
  const r = validateSpec(spec, protocol);
  return r.ok ? [] : r.problems;
}

describe('validateSpec accepts every flavour', () => {
  it('a Lambda proxy may pass the caller through (only service integrations need a role)', () => {
    expect(problemsOf(lambda({ credentialsArn: 'arn:aws:iam::*:user/*' }), 'HTTP')).toEqual([]);
  });

  it.each(VALID_EXAMPLES.map((e) => [e.name, e] as const))('%s', (_name, e) => {
    expect(problemsOf(e.spec, e.protocol)).toEqual([]);
    expect(problemsOf(e.spec)).toEqual([]);
    expect(validateSpec(e.spec, e.protocol)).toEqual({ ok: true, spec: e.spec });
  });

  it('treats null fields as absent, as the API server prunes them', () => {
    const r = validateSpec({ ...example('HTTP Lambda proxy'), description: null, tlsConfig: null }, 'HTTP');
    expect(r.ok).toBe(true);
    expect(r.ok && 'description' in r.spec).toBe(false);
  });
});

type Row = [string, unknown, Protocol | undefined, string, string];

const structureRows: Row[] = [
  ['spec is not an object', 'nope', undefined, 'spec', 'must be an object'],
  ['apiId missing', lambda({ apiId: undefined }), undefined, 'spec.apiId', 'is required'],
  ['integrationType missing', lambda({ integrationType: undefined }), undefined, 'spec.integrationType', 'is required'],
  [
    'unknown integrationType',
    lambda({ integrationType: 'LAMBDA' }),
    undefined,
    'spec.integrationType',
    'must be one of AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK',
  ],
  [
    'misspelt field',
    lambda({ integrationURI: LAMBDA_ARN }),
    undefined,
    'spec.integrationURI',
    'remove it or fix its spelling',
  ],
  ['apiId with capitals', lambda({ apiId: 'A1B2' }), undefined, 'spec.apiId', 'lowercase letters and digits'],
  [
    'credentialsArn not an IAM ARN',
    sqs({ credentialsArn: 'role/apigw' }),
    undefined,
    'spec.credentialsArn',
    'IAM role or user ARN',
  ],
  [
    'misspelt field, told which one was meant',
    lambda({ IntegrationUri: LAMBDA_ARN }),
    undefined,
    'spec.IntegrationUri',
    'did you mean integrationUri?',
  ],
  ['region not a region', lambda({ region: 'Ireland' }), undefined, 'spec.region', 'AWS region name'],
  [
    'payloadFormatVersion as a YAML number',
    lambda({ payloadFormatVersion: 2 }),
    undefined,
    'spec.payloadFormatVersion',
    'must be a string',
  ],
  [
    'unknown integrationMethod',
    httpUrl({ integrationMethod: 'FETCH' }),
    undefined,
    'spec.integrationMethod',
    'must be one of ANY, GET',
  ],
  [
    'unknown subtype',
    sqs({ integrationSubtype: 'SQS-Send' }),
    undefined,
    'spec.integrationSubtype',
    'must be one of EventBridge-PutEvents',
  ],
  ['timeout below 50', lambda({ timeoutInMillis: 10 }), undefined, 'spec.timeoutInMillis', 'must be at least 50'],
  [
    'timeout above 30000',
    lambda({ timeoutInMillis: 30001 }),
    undefined,
    'spec.timeoutInMillis',
    'must be at most 30000',
  ],
  [
    'timeout not an integer',
    lambda({ timeoutInMillis: 100.5 }),
    undefined,
    'spec.timeoutInMillis',
    'must be an integer',
  ],
  [
    'description too long',
    lambda({ description: 'x'.repeat(961) }),
    undefined,
    'spec.description',
    'at most 960 characters',
  ],
  ['empty connectionId', privateLink({ connectionId: '' }), undefined, 'spec.connectionId', 'must not be empty'],
  [
    'mapping value too long',
    httpUrl({ requestParameters: { 'append:header.x-a': 'v'.repeat(513) } }),
    undefined,
    'spec.requestParameters[append:header.x-a]',
    'at most 512',
  ],
  [
    'tlsConfig without serverNameToVerify',
    privateLink({ tlsConfig: {} }),
    undefined,
    'spec.tlsConfig.serverNameToVerify',
    'is required',
  ],
  [
    'too many request parameters',
    httpUrl({
      requestParameters: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`append:header.x-${i}`, 'v'])),
    }),
    undefined,
    'spec.requestParameters',
    'at most 100 entries',
  ],
];

const celRows: Row[] = [
  [
    'subtype without AWS_PROXY',
    sqs({ integrationType: 'HTTP_PROXY' }),
    undefined,
    'spec.integrationSubtype',
    'requires integrationType AWS_PROXY',
  ],
  [
    'subtype with a URI and method',
    sqs({ integrationUri: LAMBDA_ARN, integrationMethod: 'POST' }),
    undefined,
    'spec.integrationSubtype',
    'remove integrationUri and integrationMethod',
  ],
  ['subtype without credentialsArn', sqs({ credentialsArn: undefined }), undefined, 'spec.credentialsArn', 'IAM role'],
  [
    'subtype with the caller pass-through user',
    sqs({ credentialsArn: 'arn:aws:iam::*:user/*' }),
    undefined,
    'spec.credentialsArn',
    'need an IAM role in credentialsArn',
  ],
  [
    'subtype with an IAM user',
    sqs({ credentialsArn: 'arn:aws:iam::123456789012:user/alice' }),
    undefined,
    'spec.credentialsArn',
    'does not work for AWS service actions',
  ],
  [
    'subtype with a role in no account',
    sqs({ credentialsArn: 'arn:aws:iam::*:role/apigw-integration-sqs' }),
    undefined,
    'spec.credentialsArn',
    'need an IAM role in credentialsArn',
  ],
  [
    'subtype missing a required action parameter',
    sqs({ requestParameters: { QueueUrl: 'q' } }),
    undefined,
    'spec.requestParameters',
    'add MessageBody',
  ],
  [
    'subtype without any requestParameters',
    sqs({ requestParameters: undefined }),
    undefined,
    'spec.requestParameters',
    'add QueueUrl, MessageBody',
  ],
  [
    'subtype with a mapping key',
    sqs({ requestParameters: { QueueUrl: 'q', MessageBody: 'b', 'append:header.x': 'y' } }),
    undefined,
    'spec.requestParameters[append:header.x]',
    'action parameter names',
  ],
  [
    'subtype with a parameter it does not accept',
    sqs({ requestParameters: { QueueUrl: 'q', MessageBody: 'b', StreamName: 's' } }),
    undefined,
    'spec.requestParameters[StreamName]',
    'does not accept the parameter StreamName',
  ],
  [
    'payload 2.0 on HTTP_PROXY',
    httpUrl({ payloadFormatVersion: '2.0' }),
    undefined,
    'spec.payloadFormatVersion',
    "set payloadFormatVersion: '1.0'",
  ],
  [
    'payload 2.0 on a service integration',
    sqs({ payloadFormatVersion: '2.0' }),
    undefined,
    'spec.payloadFormatVersion',
    'only for Lambda proxy',
  ],
  [
    'VPC_LINK without connectionId',
    privateLink({ connectionId: undefined }),
    undefined,
    'spec.connectionId',
    'requires connectionId',
  ],
  [
    'connectionId without VPC_LINK',
    privateLink({ connectionType: 'INTERNET', tlsConfig: undefined }),
    undefined,
    'spec.connectionId',
    'set connectionType: VPC_LINK or remove connectionId',
  ],
  [
    'tlsConfig on a public integration',
    httpUrl({ tlsConfig: { serverNameToVerify: 'a.example.com' } }),
    undefined,
    'spec.tlsConfig',
    'only to private integrations',
  ],
  [
    'HTTP_PROXY without method',
    httpUrl({ integrationMethod: undefined }),
    undefined,
    'spec.integrationMethod',
    'require integrationMethod',
  ],
  [
    'HTTP_PROXY without URI',
    httpUrl({ integrationUri: undefined }),
    undefined,
    'spec.integrationUri',
    'integrationUri is required',
  ],
  [
    'Lambda without URI',
    lambda({ integrationUri: undefined }),
    undefined,
    'spec.integrationUri',
    'integrationUri is required',
  ],
  [
    'MOCK with a URI',
    wsMock({ integrationUri: 'https://example.com' }),
    undefined,
    'spec.integrationUri',
    'MOCK integrations take no integrationUri',
  ],
  [
    'Lambda proxy with GET',
    lambda({ integrationMethod: 'GET' }),
    undefined,
    'spec.integrationMethod',
    'set integrationMethod: POST',
  ],
  [
    'WebSocket-only and HTTP-only fields together',
    wsMock({ responseParameters: { '200': { 'overwrite:statuscode': '201' } } }),
    undefined,
    'spec',
    'cannot be combined',
  ],
  [
    'malformed mapping key',
    httpUrl({ requestParameters: { 'set:header.x': 'v' } }),
    undefined,
    'spec.requestParameters[set:header.x]',
    'append|overwrite|remove:header.NAME',
  ],
  [
    'empty mapping value',
    httpUrl({ requestParameters: { 'remove:header.x-debug': '' } }),
    undefined,
    'spec.requestParameters[remove:header.x-debug]',
    'must not be empty',
  ],
  [
    'reserved request header',
    httpUrl({ requestParameters: { 'overwrite:header.Authorization': 'x' } }),
    undefined,
    'spec.requestParameters[overwrite:header.Authorization]',
    'reserved',
  ],
  [
    'reserved header prefix',
    httpUrl({ requestParameters: { 'append:header.X-Amz-Date': 'x' } }),
    undefined,
    'spec.requestParameters[append:header.X-Amz-Date]',
    'reserved',
  ],
  [
    'response status code out of range',
    httpUrl({ responseParameters: { '600': { 'overwrite:statuscode': '500' } } }),
    undefined,
    'spec.responseParameters[600]',
    'status codes from 200 to 599',
  ],
  [
    'malformed response mapping key',
    httpUrl({ responseParameters: { '404': { 'overwrite:body': 'x' } } }),
    undefined,
    'spec.responseParameters[404][overwrite:body]',
    'overwrite:statuscode',
  ],
  [
    'empty response mapping value',
    httpUrl({ responseParameters: { '404': { 'remove:header.x-a': '' } } }),
    undefined,
    'spec.responseParameters[404][remove:header.x-a]',
    'must not be empty',
  ],
  [
    'reserved response header',
    httpUrl({ responseParameters: { '200': { 'overwrite:header.Content-Length': '1' } } }),
    undefined,
    'spec.responseParameters[200][overwrite:header.Content-Length]',
    'reserved',
  ],
];

const protocolRows: Row[] = [
  [
    'MOCK on an HTTP API',
    wsMock({
      requestTemplates: undefined,
      templateSelectionExpression: undefined,
      passthroughBehavior: undefined,
      payloadFormatVersion: '1.0',
    }),
    'HTTP',
    'spec.integrationType',
    'only AWS_PROXY',
  ],
  [
    'AWS on an HTTP API',
    lambda({
      integrationType: 'AWS',
      integrationUri: 'arn:aws:apigateway:eu-west-1:dynamodb:action/PutItem',
      payloadFormatVersion: '1.0',
    }),
    'HTTP',
    'spec.integrationType',
    'WebSocket API',
  ],
  [
    'Lambda without payloadFormatVersion on HTTP',
    lambda({ payloadFormatVersion: undefined }),
    'HTTP',
    'spec.payloadFormatVersion',
    "set '2.0'",
  ],
  [
    'HTTP_PROXY without payloadFormatVersion on HTTP',
    httpUrl({ payloadFormatVersion: undefined }),
    'HTTP',
    'spec.payloadFormatVersion',
    "set '1.0'",
  ],
  [
    'payloadFormatVersion 2.0 on a WebSocket Lambda proxy',
    wsLambda({ payloadFormatVersion: '2.0' }),
    'WEBSOCKET',
    'spec.payloadFormatVersion',
    "WebSocket APIs take only payloadFormatVersion '1.0' (got '2.0'); set it to '1.0' or leave it out",
  ],
  [
    'requestTemplates on HTTP',
    lambda({ requestTemplates: { 'application/json': '{}' } }),
    'HTTP',
    'spec.requestTemplates',
    'only for WebSocket APIs',
  ],
  [
    'templateSelectionExpression on HTTP',
    lambda({ templateSelectionExpression: '$default' }),
    'HTTP',
    'spec.templateSelectionExpression',
    'only for WebSocket APIs',
  ],
  [
    'passthroughBehavior on HTTP',
    lambda({ passthroughBehavior: 'NEVER' }),
    'HTTP',
    'spec.passthroughBehavior',
    'only for WebSocket APIs',
  ],
  [
    'contentHandlingStrategy on HTTP',
    lambda({ contentHandlingStrategy: 'CONVERT_TO_TEXT' }),
    'HTTP',
    'spec.contentHandlingStrategy',
    'only for WebSocket APIs',
  ],
  [
    'responseParameters on WebSocket',
    wsLambda({ contentHandlingStrategy: undefined, responseParameters: { '200': { 'overwrite:statuscode': '201' } } }),
    'WEBSOCKET',
    'spec.responseParameters',
    'only for HTTP APIs',
  ],
  [
    'tlsConfig on WebSocket',
    wsHttp({
      requestTemplates: undefined,
      requestParameters: undefined,
      connectionType: 'VPC_LINK',
      connectionId: 'vl1',
      tlsConfig: { serverNameToVerify: 'a.example.com' },
    }),
    'WEBSOCKET',
    'spec.tlsConfig',
    'only for HTTP APIs',
  ],
  ['integrationSubtype on WebSocket', sqs({}), 'WEBSOCKET', 'spec.integrationSubtype', 'only for HTTP APIs'],
  [
    'WebSocket key on an HTTP API',
    httpUrl({ requestParameters: { 'integration.request.header.x': '$request.header.x' } }),
    'HTTP',
    'spec.requestParameters[integration.request.header.x]',
    'this is a WebSocket key',
  ],
  [
    'HTTP key on a WebSocket API',
    wsHttp({ requestParameters: { 'append:header.x': 'context.connectionId' } }),
    'WEBSOCKET',
    'spec.requestParameters[append:header.x]',
    'this is an HTTP API key',
  ],
  [
    'unquoted static value on WebSocket',
    wsHttp({ requestParameters: { 'integration.request.header.x': 'static' } }),
    'WEBSOCKET',
    'spec.requestParameters[integration.request.header.x]',
    'single quotes (e.g. "\'static\'")',
  ],
  [
    'VPC_LINK with Lambda on HTTP',
    lambda({ connectionType: 'VPC_LINK', connectionId: 'vl1' }),
    'HTTP',
    'spec.connectionType',
    'works only with integrationType HTTP_PROXY',
  ],
  [
    'timeout above 29000 on WebSocket',
    wsLambda({ timeoutInMillis: 29500 }),
    'WEBSOCKET',
    'spec.timeoutInMillis',
    'at most 29000 on WebSocket APIs',
  ],
  [
    'URL without scheme',
    httpUrl({ integrationUri: 'backend.example.com/x' }),
    'HTTP',
    'spec.integrationUri',
    'http:// or https:// URL',
  ],
  [
    'private integration with a URL',
    privateLink({ integrationUri: 'https://internal.example.com' }),
    'HTTP',
    'spec.integrationUri',
    'listener ARN or a Cloud Map service ARN',
  ],
  [
    'Lambda proxy with a URL',
    lambda({ integrationUri: 'https://example.com' }),
    'HTTP',
    'spec.integrationUri',
    'function ARN',
  ],
  [
    'WebSocket Lambda with a bare function ARN',
    wsLambda({ integrationUri: LAMBDA_ARN }),
    'WEBSOCKET',
    'spec.integrationUri',
    'invoke URI',
  ],
  [
    'WebSocket AWS with a URL',
    wsLambda({ integrationType: 'AWS', integrationUri: 'https://dynamodb.amazonaws.com' }),
    'WEBSOCKET',
    'spec.integrationUri',
    'service URI',
  ],
];

describe('validateSpec refuses', () => {
  it.each([...structureRows, ...celRows, ...protocolRows])('%s', (_name, spec, protocol, field, message) => {
    const problems = problemsOf(spec, protocol);
    expect(problems).toContainEqual({ field, message: expect.stringContaining(message) as unknown as string });
  });

  it('protocol-aware rules only once the protocol is known', () => {
    for (const [name, spec] of protocolRows) {
      const fields = problemsOf(spec).map((p) => p.field);
      expect([name, fields]).toEqual([name, []]);
    }
  });

  it('reports all problems at once', () => {
    const spec = {
      apiId: 'API',
      integrationType: 'HTTP_PROXY',
      integrationUri: 'example.com',
      payloadFormatVersion: '2.0',
      timeoutInMillis: 29500,
      typo: true,
      tlsConfig: { serverNameToVerify: 'x' },
      requestParameters: { 'overwrite:header.Via': 'x' },
    };
    const problems = problemsOf(spec, 'WEBSOCKET');
    expect(problems.map((p) => p.field)).toEqual(
      expect.arrayContaining([
        'spec.typo',
        'spec.apiId',
        'spec.payloadFormatVersion',
        'spec.tlsConfig',
        'spec.integrationMethod',
        'spec.requestParameters[overwrite:header.Via]',
        'spec.timeoutInMillis',
        'spec.integrationUri',
      ]),
    );
    expect(problems.length).toBeGreaterThanOrEqual(10);
    expect(new Set(problems.map((p) => `${p.field} ${p.message}`)).size).toBe(problems.length);
  });
});

describe('payloadFormatVersion on WebSocket APIs', () => {
  // AWS reports '1.0' for every WebSocket integration and Terraform sends it; only other values fail.
  it.each([
    ['MOCK', wsMock({ payloadFormatVersion: '1.0' })],
    ['AWS_PROXY', wsLambda({ payloadFormatVersion: '1.0' })],
    ['HTTP', wsHttp({ payloadFormatVersion: '1.0' })],
    ['AWS', wsLambda({ integrationType: 'AWS', payloadFormatVersion: '1.0' })],
    ['HTTP_PROXY, left out', example('Terraform-style WebSocket HTTP_PROXY')],
  ])('accepts 1.0 on %s', (_type, spec) => {
    expect(problemsOf(spec, 'WEBSOCKET')).toEqual([]);
  });

  it.each([
    ['Lambda proxy (which takes 2.0 on HTTP APIs)', wsLambda({ payloadFormatVersion: '2.0' })],
    ['HTTP', wsHttp({ payloadFormatVersion: '2.0' })],
  ])('refuses 2.0 on %s with one message', (_what, spec) => {
    expect(problemsOf(spec, 'WEBSOCKET')).toEqual([
      {
        field: 'spec.payloadFormatVersion',
        message: "WebSocket APIs take only payloadFormatVersion '1.0' (got '2.0'); set it to '1.0' or leave it out",
      },
    ]);
  });
});

describe('description length in UTF-8 bytes', () => {
  // [what, description, the problem on spec.description (undefined: accepted)]
  const rows: [string, string, string | undefined][] = [
    ['960 ASCII characters', 'x'.repeat(960), undefined],
    ['480 two-byte characters (960 bytes)', 'é'.repeat(480), undefined],
    [
      '481 two-byte characters',
      'é'.repeat(481),
      'is 962 bytes long in UTF-8 (481 characters) but may be at most 960 bytes',
    ],
    ['320 three-byte characters (960 bytes)', '漢'.repeat(320), undefined],
    [
      '321 three-byte characters',
      '漢'.repeat(321),
      'is 963 bytes long in UTF-8 (321 characters) but may be at most 960 bytes',
    ],
    ['240 emoji (960 bytes)', '🚀'.repeat(240), undefined],
    [
      '960 emoji: within the character limit, four times over in bytes',
      '🚀'.repeat(960),
      'is 3840 bytes long in UTF-8 (960 characters) but may be at most 960 bytes',
    ],
    ['ASCII with one emoji pushing it over', `${'x'.repeat(957)}🚀`, 'is 961 bytes long in UTF-8 (958 characters)'],
    [
      '961 ASCII characters: the character limit says it',
      'x'.repeat(961),
      'must be at most 960 characters long (is 961)',
    ],
    [
      '961 emoji: counted in characters, as the API server does',
      '🚀'.repeat(961),
      'must be at most 960 characters long (is 961)',
    ],
  ];
  it.each(rows)('%s', (_what, description, message) => {
    const onDescription = problemsOf(lambda({ description }), 'HTTP').filter((p) => p.field === 'spec.description');
    if (message === undefined) expect(onDescription).toEqual([]);
    else
      expect(onDescription).toEqual([
        { field: 'spec.description', message: expect.stringContaining(message) as unknown as string },
      ]);
  });
});

// When the integration type (or the type/subtype pair) is wrong, advice about what that type
// would need sends the user to fix the wrong thing; it is left out, while unrelated problems stay.
describe('reports the cause, not follow-on advice', () => {
  const onHttp = (p: Record<string, unknown>) => ({
    ...wsMock({ requestTemplates: undefined, templateSelectionExpression: undefined, passthroughBehavior: undefined }),
    ...p,
  });
  // [what, spec, protocol, every expected problem as [field, part of the message]]
  const rows: [string, unknown, Protocol | undefined, [string, string][]][] = [
    [
      'MOCK on an HTTP API: no payloadFormatVersion advice',
      onHttp({}),
      'HTTP',
      [['spec.integrationType', 'MOCK is not available on HTTP APIs']],
    ],
    [
      'MOCK with a URI on an HTTP API: no "MOCK takes no integrationUri"',
      onHttp({ integrationUri: 'https://example.com' }),
      'HTTP',
      [['spec.integrationType', 'MOCK is not available']],
    ],
    [
      'HTTP on an HTTP API without a method',
      onHttp({ integrationType: 'HTTP', integrationUri: 'https://example.com' }),
      'HTTP',
      [['spec.integrationType', 'HTTP is not available']],
    ],
    [
      'AWS on an HTTP API with a URL: no URI-form advice',
      onHttp({ integrationType: 'AWS', integrationUri: 'https://example.com' }),
      'HTTP',
      [['spec.integrationType', 'AWS is not available']],
    ],
    [
      'MOCK on an HTTP API keeps the unrelated problems',
      onHttp({
        requestParameters: { 'overwrite:header.Authorization': "'x'" },
        description: '🚀'.repeat(300),
        timeoutInMillis: 30001,
      }),
      'HTTP',
      [
        ['spec.timeoutInMillis', 'may be at most 30000 on HTTP APIs'],
        ['spec.description', 'bytes long in UTF-8'],
        ['spec.requestParameters[overwrite:header.Authorization]', 'reserved'],
        ['spec.integrationType', 'MOCK is not available'],
      ],
    ],
    [
      'an unknown type: the schema lists the valid ones, nothing assumes it',
      lambda({ integrationType: 'LAMBDA', integrationUri: undefined, payloadFormatVersion: undefined }),
      'HTTP',
      [['spec.integrationType', 'must be one of']],
    ],
    ['no type at all', { apiId: 'a1b2c3d4e5' }, 'HTTP', [['spec.integrationType', 'is required']]],
    [
      'a subtype with HTTP_PROXY: neither the subtype rules nor what HTTP_PROXY needs',
      sqs({
        integrationType: 'HTTP_PROXY',
        credentialsArn: 'arn:aws:iam::*:user/*',
        requestParameters: { QueueUrl: 'q' },
      }),
      'HTTP',
      [['spec.integrationSubtype', 'requires integrationType AWS_PROXY']],
    ],
    [
      'the same, before the protocol is known',
      sqs({ integrationType: 'HTTP_PROXY', integrationUri: undefined, credentialsArn: undefined }),
      undefined,
      [['spec.integrationSubtype', 'requires integrationType AWS_PROXY']],
    ],
    [
      'a subtype on a WebSocket API: no role or action-parameter advice',
      sqs({
        credentialsArn: 'arn:aws:iam::*:user/*',
        requestParameters: { QueueUrl: 'q', StreamName: 's' },
        payloadFormatVersion: undefined,
      }),
      'WEBSOCKET',
      [['spec.integrationSubtype', 'only for HTTP APIs']],
    ],
    [
      'a malformed credentialsArn on a subtype: the pattern alone',
      sqs({ credentialsArn: 'role/apigw' }),
      undefined,
      [['spec.credentialsArn', 'IAM role or user ARN']],
    ],
    [
      'an unknown payloadFormatVersion: the enum alone',
      httpUrl({ payloadFormatVersion: '3.0' }),
      'HTTP',
      [['spec.payloadFormatVersion', 'must be one of 1.0, 2.0']],
    ],
    [
      '2.0 on a WebSocket HTTP integration: the WebSocket rule alone',
      wsHttp({ payloadFormatVersion: '2.0' }),
      'WEBSOCKET',
      [['spec.payloadFormatVersion', 'WebSocket APIs take only']],
    ],
    [
      'responseParameters on a WebSocket API: no advice on their keys, no "cannot be combined"',
      wsLambda({ responseParameters: { '600': { 'overwrite:body': '' } } }),
      'WEBSOCKET',
      [['spec.responseParameters', 'only for HTTP APIs']],
    ],
    [
      'a timeout over both bounds on a WebSocket API: the WebSocket bound alone',
      wsLambda({ timeoutInMillis: 30001 }),
      'WEBSOCKET',
      [['spec.timeoutInMillis', 'at most 29000 on WebSocket APIs']],
    ],
    [
      'tlsConfig on a WebSocket API: no VPC link advice',
      wsHttp({ tlsConfig: { serverNameToVerify: 'a.example.com' } }),
      'WEBSOCKET',
      [['spec.tlsConfig', 'only for HTTP APIs']],
    ],
  ];

  it.each(rows)('%s', (_what, spec, protocol, expected) => {
    const problems = problemsOf(spec, protocol);
    expect(problems.map((p) => p.field).sort()).toEqual(expected.map(([f]) => f).sort());
    for (const [field, message] of expected)
      expect(problems).toContainEqual({ field, message: expect.stringContaining(message) as unknown as string });
  });

  it('a spec refused before stays refused: only follow-ons are dropped, never the cause', () => {
    for (const [what, spec, protocol] of rows) expect([what, validateSpec(spec, protocol).ok]).toEqual([what, false]);
  });
});

describe('validateSpecUpdate', () => {
  const adopted = { ...example('WebSocket HTTP') };
  it('allows setting integrationId and keeping it', () => {
    expect(validateSpecUpdate({ ...adopted, integrationId: undefined }, adopted)).toEqual([]);
    expect(validateSpecUpdate(adopted, { ...adopted, description: 'x' })).toEqual([]);
  });
  it.each([
    ['changed', { ...adopted, integrationId: 'other1' }],
    ['removed', { ...adopted, integrationId: undefined }],
  ])('refuses integrationId %s', (_how, next) => {
    expect(validateSpecUpdate(adopted, next)).toEqual([
      { field: 'spec.integrationId', message: expect.stringContaining('immutable once set') },
    ]);
  });
});

describe('formatProblems', () => {
  it('writes one line per problem, field first', () => {
    expect(
      formatProblems([
        { field: 'spec.a', message: 'fix a' },
        { field: 'spec.b', message: 'fix b' },
      ]),
    ).toBe('spec.a: fix a\nspec.b: fix b');
    expect(formatProblems([])).toBe('');
  });
});

// CEL cannot run here, so each rule is re-implemented; these checks catch a rule added or reworded
// in schema.ts without its twin. (test/integration/crd-admission.test.ts checks they agree.)
describe('every CEL rule has exactly one TypeScript twin', () => {
  const matches = (cel: string | RegExp, message: string) =>
    typeof cel === 'string' ? cel === message : cel.test(message);
  const twinsOf = (twins: readonly { cel: string | RegExp }[], message: string) =>
    twins.filter((t) => matches(t.cel, message));

  it.each(SPEC_RULES.map((r) => [r.message] as const))('spec rule: %s', (message) => {
    expect(twinsOf(SPEC_RULE_TWINS, message)).toHaveLength(1);
  });

  it('no twin is left without its rule', () => {
    for (const t of SPEC_RULE_TWINS)
      expect([String(t.cel), SPEC_RULES.some((r) => matches(t.cel, r.message))]).toEqual([String(t.cel), true]);
  });

  it.each(SPEC_TRANSITION_RULES.map((r) => [r.message] as const))('transition rule: %s', (message) => {
    expect(twinsOf(TRANSITION_RULE_TWINS, message)).toHaveLength(1);
  });

  it('map rules', () => {
    const spec = specJsonSchema() as { properties: Record<string, Record<string, unknown>> };
    const rulesAt = (at: string, node: Record<string, unknown> | undefined) =>
      ((node?.['x-kubernetes-validations'] ?? []) as { message: string }[]).map((r) => ({ at, message: r.message }));
    const response = spec.properties.responseParameters!;
    const found = [
      ...Object.entries(spec.properties).flatMap(([name, node]) => rulesAt(name, node)),
      ...rulesAt('responseParameters.*', response.additionalProperties as Record<string, unknown>),
    ];
    expect(found.length).toBe(MAP_RULE_TWINS.length);
    for (const rule of found) {
      expect([rule, MAP_RULE_TWINS.filter((t) => t.at === rule.at && matches(t.cel, rule.message)).length]).toEqual([
        rule,
        1,
      ]);
    }
  });
});
