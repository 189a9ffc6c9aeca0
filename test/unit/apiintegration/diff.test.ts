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
    expect(diffIntegration(httpProxy, awsHttp({ timeoutInMillis: 30000, connectionType: 'INTERNET' }), 'HTTP').changed).toEqual([]);
  });
  it('sends removed request mapping keys as empty values, keeping the others', () => {
    const d = diffIntegration({ ...httpProxy, requestParameters: { 'append:header.a': '1' } }, awsHttp({ requestParameters: { 'append:header.a': '1', 'append:header.b': '2' } }), 'HTTP');
    expect(d.update?.requestParameters).toEqual({ 'append:header.a': '1', 'append:header.b': '' });
  });
  it('sends a removed response status code as an empty map', () => {
    const d = diffIntegration(
      { ...httpProxy, responseParameters: { '200': { 'append:header.x': '$context.requestId' } } },
      awsHttp({ responseParameters: { '200': { 'append:header.x': '$context.requestId' }, '500': { 'overwrite:statuscode': '503' } } }),
      'HTTP',
    );
    expect(d.update?.responseParameters).toEqual({ '200': { 'append:header.x': '$context.requestId' }, '500': {} });
  });
  it('treats empty values and empty status-code maps left by moto as absent', () => {
    const d = diffIntegration(httpProxy, awsHttp({ requestParameters: { 'append:header.a': '' }, responseParameters: { '500': {} } }), 'HTTP');
    expect(d.changed).toEqual([]);
  });
  it('resets a removed timeout to the protocol default and a removed description to empty', () => {
    const d = diffIntegration({ ...httpProxy, description: undefined }, awsHttp({ timeoutInMillis: 5000 }), 'WEBSOCKET');
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
    const d = diffIntegration(sqs, observed({ ...sqs, description: 'old', integrationMethod: undefined, integrationUri: undefined }), 'HTTP');
    expect(d.changed).toEqual(['description']);
    expect(d.update).toEqual({ description: 'new', integrationType: 'AWS_PROXY', integrationSubtype: 'SQS-SendMessage', requestParameters: { QueueUrl: 'q', MessageBody: '$request.body' } });
  });
  it.each([
    ['the integration type changes', { integrationType: 'HTTP_PROXY' }, {}],
    ['a removed field cannot be cleared in place', {}, { connectionId: 'vl1' }],
    ['tlsConfig is removed', {}, { tlsConfig: { serverNameToVerify: 'x' } }],
  ])('asks for a replacement when %s', (_why, want, have) => {
    const d = diffIntegration({ ...httpProxy, ...want }, awsHttp({ integrationType: 'HTTP_PROXY', ...have, ...((want as IntegrationFields).integrationType ? { integrationType: 'AWS_PROXY' } : {}) }), 'HTTP');
    expect(d.replaceBecause).toBeTruthy();
    expect(d.update).toBeUndefined();
  });
});
