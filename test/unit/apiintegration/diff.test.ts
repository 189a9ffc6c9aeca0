// Minimal updates: what the operator sends when the spec and AWS differ. moto replaces maps on
// update where AWS merges them, so these rules are checked here, on the request itself.
import { describe, expect, it } from '@jest/globals';
import { diffIntegration } from '../../../src/apiintegration/diff.ts';
import type { IntegrationFields } from '../../../src/apiintegration/ports.ts';
import { observed } from './fixtures.ts';

const httpProxy: IntegrationFields = {
  integrationType: 'HTTP_PROXY',
  integrationUri: 'https://backend.example.com/{proxy}',
  integrationMethod: 'GET',
  payloadFormatVersion: '1.0',
  description: 'd',
};
const awsHttp = (over: Partial<IntegrationFields> = {}) => observed({ ...httpProxy, ...over, integrationId: 'i1' });

describe('diffIntegration', () => {
  it('finds no drift when AWS only added its defaults', () => {
    expect(
      diffIntegration(httpProxy, awsHttp({ timeoutInMillis: 30000, connectionType: 'INTERNET' }), 'HTTP').changed,
    ).toEqual([]);
  });
  it('sends removed request mapping keys as empty values, keeping the others', () => {
    const d = diffIntegration(
      { ...httpProxy, requestParameters: { 'append:header.a': '1' } },
      awsHttp({ requestParameters: { 'append:header.a': '1', 'append:header.b': '2' } }),
      'HTTP',
    );
    expect(d.update?.requestParameters).toEqual({ 'append:header.a': '1', 'append:header.b': '' });
  });
  it('sends a removed response status code as an empty map', () => {
    const d = diffIntegration(
      { ...httpProxy, responseParameters: { '200': { 'append:header.x': '$context.requestId' } } },
      awsHttp({
        responseParameters: {
          '200': { 'append:header.x': '$context.requestId' },
          '500': { 'overwrite:statuscode': '503' },
        },
      }),
      'HTTP',
    );
    expect(d.update?.responseParameters).toEqual({ '200': { 'append:header.x': '$context.requestId' }, '500': {} });
  });
  it('treats empty values and empty status-code maps left by moto as absent', () => {
    const d = diffIntegration(
      httpProxy,
      awsHttp({ requestParameters: { 'append:header.a': '' }, responseParameters: { '500': {} } }),
      'HTTP',
    );
    expect(d.changed).toEqual([]);
  });
  it('resets a removed timeout to the protocol default and a removed description to empty', () => {
    const d = diffIntegration(
      { ...httpProxy, description: undefined },
      awsHttp({ timeoutInMillis: 5000 }),
      'WEBSOCKET',
    );
    expect(d.update).toMatchObject({ timeoutInMillis: 29000, description: '' });
  });
  it('always sends the integration type, and for service integrations the subtype and every parameter', () => {
    const sqs: IntegrationFields = {
      integrationType: 'AWS_PROXY',
      integrationSubtype: 'SQS-SendMessage',
      credentialsArn: 'arn:aws:iam::123456789012:role/api',
      payloadFormatVersion: '1.0',
      requestParameters: { QueueUrl: 'q', MessageBody: '$request.body' },
      description: 'new',
    };
    const d = diffIntegration(
      sqs,
      observed({ ...sqs, description: 'old', integrationMethod: undefined, integrationUri: undefined }),
      'HTTP',
    );
    expect(d.changed).toEqual(['description']);
    expect(d.update).toEqual({
      description: 'new',
      integrationType: 'AWS_PROXY',
      integrationSubtype: 'SQS-SendMessage',
      requestParameters: { QueueUrl: 'q', MessageBody: '$request.body' },
    });
  });
  it.each([
    [
      'the integration type',
      {
        integrationType: 'AWS_PROXY',
        integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:f',
        integrationMethod: undefined,
      },
      {},
      // AWS's own default for a Lambda proxy, never "": the method has a minimum length of 1.
      {
        integrationType: 'AWS_PROXY',
        integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:f',
        integrationMethod: 'POST',
      },
    ],
    [
      'a removed connectionId and credentialsArn',
      {},
      { connectionId: 'vl1', credentialsArn: 'arn:aws:iam::123456789012:role/r' },
      { connectionId: '', credentialsArn: '' },
    ],
    ['a removed tlsConfig', {}, { tlsConfig: { serverNameToVerify: 'x' } }, { tlsConfig: {} }],
    [
      'a removed templateSelectionExpression',
      {},
      { templateSelectionExpression: '$request.body.a' },
      {
        templateSelectionExpression: '',
      },
    ],
  ])('changes %s in place (no replacement: routes keep their target)', (_what, want, have, sent) => {
    const d = diffIntegration({ ...httpProxy, ...want } as IntegrationFields, awsHttp(have), 'HTTP');
    expect(d.update).toMatchObject({
      integrationType: (want as IntegrationFields).integrationType ?? 'HTTP_PROXY',
      ...sent,
    });
    expect(d.notInPlace).toEqual([]);
  });
  it('compares the timeout with the protocol default only (#11)', () => {
    expect(diffIntegration(httpProxy, awsHttp({ timeoutInMillis: 29000 }), 'HTTP').update).toMatchObject({
      timeoutInMillis: 30000,
    });
    expect(diffIntegration(httpProxy, awsHttp({ timeoutInMillis: 30000 }), 'WEBSOCKET').update).toMatchObject({
      timeoutInMillis: 29000,
    });
    expect(diffIntegration(httpProxy, awsHttp({ timeoutInMillis: 30000 }), 'HTTP').changed).toEqual([]);
  });
  it('sees an empty template AWS kept after a removal, and reports it instead of claiming sync (#3)', () => {
    const ws: IntegrationFields = {
      integrationType: 'HTTP',
      integrationUri: 'https://x',
      integrationMethod: 'POST',
      description: 'd',
      requestTemplates: { $default: 'A' },
    };
    const held = (templates: Record<string, string>) =>
      observed({
        ...ws,
        integrationId: 'i1',
        payloadFormatVersion: '1.0',
        timeoutInMillis: 29000,
        requestTemplates: templates,
      });
    const first = diffIntegration(ws, held({ $default: 'A', 'application/json': 'B' }), 'WEBSOCKET');
    // "" empties the body (the closest in-place form); the key itself stays in AWS.
    expect(first.update?.requestTemplates).toEqual({ $default: 'A', 'application/json': '' });
    const after = diffIntegration(ws, held({ $default: 'A', 'application/json': '' }), 'WEBSOCKET');
    expect(after.update).toBeUndefined();
    expect(after.notInPlace).toEqual(['requestTemplates["application/json"]']);
  });
  it('removes a mapping inside a kept status code in two steps: empty the code, then refill it (#4)', () => {
    const want: IntegrationFields = {
      ...httpProxy,
      responseParameters: { '500': { 'overwrite:statuscode': '503' }, '200': { 'append:header.a': 'x' } },
    };
    const held = {
      '500': { 'overwrite:statuscode': '503', 'append:header.x': '$context.requestId' },
      '200': { 'append:header.a': 'x' },
    };
    const first = diffIntegration(want, awsHttp({ responseParameters: held }), 'HTTP');
    expect(first.update?.responseParameters).toEqual({ '500': {}, '200': { 'append:header.a': 'x' } });
    expect(first.again).toBe(true);
    const second = diffIntegration(
      want,
      awsHttp({ responseParameters: { '200': { 'append:header.a': 'x' } } }),
      'HTTP',
    );
    expect(second.update?.responseParameters).toEqual(want.responseParameters);
    expect(second.again).toBeUndefined();
  });
  it('reports a removed service action parameter instead of sending a tombstone AWS refuses', () => {
    const sqs: IntegrationFields = {
      integrationType: 'AWS_PROXY',
      integrationSubtype: 'SQS-SendMessage',
      credentialsArn: 'arn:aws:iam::123456789012:role/api',
      payloadFormatVersion: '1.0',
      requestParameters: { QueueUrl: 'q', MessageBody: 'b' },
      description: 'd',
    };
    const d = diffIntegration(
      sqs,
      observed({
        ...sqs,
        integrationId: 'i1',
        integrationMethod: undefined,
        integrationUri: undefined,
        requestParameters: { QueueUrl: 'q', MessageBody: 'b', DelaySeconds: '5' },
      }),
      'HTTP',
    );
    expect(d.update).toBeUndefined();
    expect(d.replace).toEqual(['requestParameters["DelaySeconds"]']);
  });

  // The model refuses "" for these (an enum, and strings of at least one character): never sent.
  const neverEmpty = ['integrationUri', 'integrationMethod', 'integrationSubtype', 'contentHandlingStrategy'];
  const sentEmpty = (d: { update?: IntegrationFields }) =>
    neverEmpty.filter((f) => (d.update as Record<string, unknown> | undefined)?.[f] === '');

  it.each([
    ['MOCK', { integrationType: 'MOCK', integrationUri: undefined, integrationMethod: undefined }],
    [
      'an SQS service integration',
      {
        integrationType: 'AWS_PROXY',
        integrationSubtype: 'SQS-SendMessage',
        integrationUri: undefined,
        integrationMethod: undefined,
        credentialsArn: 'arn:aws:iam::123456789012:role/api',
        payloadFormatVersion: '1.0',
        requestParameters: { QueueUrl: 'q', MessageBody: 'b' },
      },
    ],
  ])('changes the type to %s in place, leaving out the URI and method it does not use', (_what, want) => {
    const desired = { ...httpProxy, ...want } as IntegrationFields;
    const d = diffIntegration(desired, awsHttp({}), 'HTTP');
    expect(d.update).toMatchObject({ integrationType: desired.integrationType });
    expect(d.update).not.toHaveProperty('integrationUri');
    expect(d.update).not.toHaveProperty('integrationMethod');
    expect(d.replace).toEqual([]);
    expect(sentEmpty(d)).toEqual([]);
    // Whatever AWS keeps there afterwards is not drift: the type has no use for it.
    const after = diffIntegration(
      desired,
      awsHttp({ ...want, integrationUri: 'https://x', integrationMethod: 'GET' }),
      'HTTP',
    );
    expect(after.changed).toEqual([]);
  });

  it.each([
    [
      'a removed contentHandlingStrategy',
      {},
      { contentHandlingStrategy: 'CONVERT_TO_TEXT' },
      ['contentHandlingStrategy'],
    ],
    [
      'a removed subtype',
      { integrationType: 'AWS_PROXY', integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:f' },
      { integrationType: 'AWS_PROXY', integrationSubtype: 'SQS-SendMessage' },
      ['integrationSubtype'],
    ],
  ])('names %s for a replacement, since AWS has no in-place form for it', (_what, want, have, replace) => {
    const d = diffIntegration(
      { ...httpProxy, integrationMethod: undefined, ...want } as IntegrationFields,
      awsHttp(have),
      'HTTP',
    );
    expect(d.replace).toEqual(replace);
    expect(sentEmpty(d)).toEqual([]);
  });
});
