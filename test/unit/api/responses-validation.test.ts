// What `validate` and the operator refuse in spec.integrationResponses and spec.routeResponses before
// any AWS call: keys API Gateway does not take, a key listed twice, responses on a proxy integration
// or an HTTP API, and a route response without the route response selection expression that makes
// the route two-way. Each row names the field and the gist of the message.
import { describe, expect, it } from '@jest/globals';
import { validateRouteSpec } from '../../../src/api/v1alpha1/route-validation.ts';
import { validateSpec } from '../../../src/api/v1alpha1/validation.ts';

const mock = {
  apiId: 'api1',
  integrationType: 'MOCK',
  requestTemplates: { $default: '{"statusCode": 200}' },
  integrationResponses: [
    { integrationResponseKey: '$default', responseTemplates: { $default: '{"ok": true}' } },
    { integrationResponseKey: '/4\\d\\d/', contentHandlingStrategy: 'CONVERT_TO_TEXT' },
  ],
};

const twoWay = {
  apiId: 'api1',
  routeKey: 'echo',
  target: 'integrations/abc',
  routeResponseSelectionExpression: '$default',
  routeResponses: [
    { routeResponseKey: '$default', responseParameters: { 'route.response.header.x': { required: true } } },
  ],
};

const problemsOf = (r: { ok: boolean; problems?: { field: string; message: string }[] }) =>
  r.ok ? [] : (r.problems ?? []);

describe('integrationResponses', () => {
  it('takes $default and /regex/ keys on a non-proxy WebSocket integration', () => {
    expect(problemsOf(validateSpec(mock, 'WEBSOCKET'))).toEqual([]);
  });

  it.each([
    [
      'a key neither $default nor /regex/',
      { integrationResponses: [{ integrationResponseKey: '200' }] },
      'spec.integrationResponses.0.integrationResponseKey',
      /pattern|must match/,
    ],
    [
      'a key listed twice',
      { integrationResponses: [{ integrationResponseKey: '$default' }, { integrationResponseKey: '$default' }] },
      'spec.integrationResponses[$default]',
      /listed twice/,
    ],
    [
      'a proxy integration',
      {
        integrationType: 'HTTP_PROXY',
        integrationUri: 'https://example.com',
        integrationMethod: 'GET',
        requestTemplates: undefined,
      },
      'spec.integrationResponses',
      /only for non-proxy integrations/,
    ],
  ])('refuses %s', (_what, change, field, message) => {
    const found = problemsOf(validateSpec({ ...mock, ...change }));
    expect(found.filter((p) => p.field === field && message.test(p.message))).toHaveLength(1);
  });

  it('refuses them on an HTTP API, naming the field', () => {
    const found = problemsOf(validateSpec({ ...mock, requestTemplates: undefined }, 'HTTP'));
    expect(found).toEqual(
      expect.arrayContaining([
        {
          field: 'spec.integrationResponses',
          message: expect.stringMatching(/only for WebSocket APIs .* HTTP API; remove it/),
        },
      ]),
    );
  });
});

describe('routeResponses', () => {
  it('takes the $default route response on a two-way WebSocket route', () => {
    expect(problemsOf(validateRouteSpec(twoWay, 'WEBSOCKET'))).toEqual([]);
  });

  it('refuses a route response key other than $default', () => {
    const found = problemsOf(validateRouteSpec({ ...twoWay, routeResponses: [{ routeResponseKey: '/2\\d\\d/' }] }));
    expect(found.map((p) => p.field)).toContain('spec.routeResponses.0.routeResponseKey');
  });

  it('refuses a route response without routeResponseSelectionExpression: that pair makes a route two-way', () => {
    const found = problemsOf(validateRouteSpec({ ...twoWay, routeResponseSelectionExpression: undefined }));
    expect(found).toEqual([
      {
        field: 'spec.routeResponseSelectionExpression',
        message: expect.stringMatching(
          /^routeResponses need routeResponseSelectionExpression.*set routeResponseSelectionExpression: \$default$/,
        ),
      },
    ]);
  });

  it('refuses route responses on an HTTP API', () => {
    const found = problemsOf(
      validateRouteSpec(
        {
          ...twoWay,
          routeKey: 'GET /echo',
          routeResponseSelectionExpression: undefined,
          routeResponses: [{ routeResponseKey: '$default' }],
        },
        'HTTP',
      ),
    );
    expect(found.map((p) => p.field)).toEqual(expect.arrayContaining(['spec.routeResponses']));
  });
});
