// The route gateway's pure parts: field names both ways, and the reading of the answers only route
// writes get (a taken key, a clashing key, a target naming no integration).
import { describe, expect, it } from '@jest/globals';
import { AwsError } from '../../../../src/kind/errors.ts';
import { RouteKeyExistsError } from '../../../../src/apiroute/errors.ts';
import {
  fromSdkRoute,
  refineRouteKeyError,
  routeWriteNotFound,
  toRouteInput,
} from '../../../../src/adapters/aws/route-mapping.ts';

const conflict = (message: string) =>
  new AwsError('Conflict', `CreateRoute: ${message}`, { operation: 'CreateRoute', httpStatus: 409, requestId: 'req1' });

describe('toRouteInput', () => {
  it('names every field as the SDK does, sends clearing values, and leaves out what is absent', () => {
    expect(
      toRouteInput({
        routeKey: '$connect',
        target: '',
        authorizationType: 'NONE',
        authorizerId: '',
        authorizationScopes: [],
        operationName: 'connect',
        apiKeyRequired: false,
        modelSelectionExpression: '$request.body.m',
        routeResponseSelectionExpression: '$default',
        requestModels: { a: 'A', gone: '' },
        requestParameters: { 'route.request.header.a': { required: true }, 'route.request.header.b': {} },
      }),
    ).toEqual({
      RouteKey: '$connect',
      Target: '',
      AuthorizationType: 'NONE',
      AuthorizerId: '',
      AuthorizationScopes: [],
      OperationName: 'connect',
      ApiKeyRequired: false,
      ModelSelectionExpression: '$request.body.m',
      RouteResponseSelectionExpression: '$default',
      RequestModels: { a: 'A', gone: '' },
      // An omitted `required` is AWS's default, sent explicitly.
      RequestParameters: {
        'route.request.header.a': { Required: true },
        'route.request.header.b': { Required: false },
      },
    });
    expect(toRouteInput({ target: 'integrations/i1' })).toEqual({ Target: 'integrations/i1' });
  });
});

describe('fromSdkRoute', () => {
  it('reads every field back and drops the nulls an emulator serializes', () => {
    const sdk = {
      RouteId: 'r1',
      RouteKey: 'GET /a',
      Target: 'integrations/i1',
      AuthorizationType: 'JWT',
      AuthorizerId: 'au1',
      AuthorizationScopes: ['read'],
      ApiKeyRequired: false,
      OperationName: null,
      ModelSelectionExpression: null,
      RequestModels: null,
      RequestParameters: { 'route.request.querystring.q': { Required: true }, 'route.request.header.h': {} },
      ApiGatewayManaged: true,
    };
    expect(fromSdkRoute(sdk as never)).toEqual({
      routeId: 'r1',
      routeKey: 'GET /a',
      target: 'integrations/i1',
      authorizationType: 'JWT',
      authorizerId: 'au1',
      authorizationScopes: ['read'],
      apiKeyRequired: false,
      requestParameters: { 'route.request.querystring.q': { required: true }, 'route.request.header.h': {} },
      apiGatewayManaged: true,
    });
  });

  it('round-trips what it sends', () => {
    const fields = { routeKey: 'POST /x', target: 'integrations/i2', requestModels: { 'application/json': 'M' } };
    const back = fromSdkRoute({ RouteId: 'r2', ...toRouteInput(fields) } as never);
    expect(back).toEqual({ routeId: 'r2', ...fields });
  });
});

describe('refineRouteKeyError', () => {
  it('makes "Route with key … already exists" a RouteKeyExistsError, which is not retried', () => {
    const e = refineRouteKeyError(conflict('Route with key $connect already exists for this API'), '$connect');
    expect(e).toBeInstanceOf(RouteKeyExistsError);
    expect(e).toMatchObject({
      kind: 'Rejected',
      routeKey: '$connect',
      httpStatus: 409,
      requestId: 'req1',
      operation: 'CreateRoute',
    });
  });

  it('makes a key clashing on a path variable Rejected, but not a taken key', () => {
    const msg =
      'The provided route key "GET /a/{id}/b" has a conflicting variable on the same hierarchical level as "GET /a/{x}/b"';
    const e = refineRouteKeyError(conflict(msg), 'GET /a/{id}/b');
    expect(e).not.toBeInstanceOf(RouteKeyExistsError);
    expect(e.kind).toBe('Rejected');
  });

  it('leaves a concurrent modification, other kinds, and writes that send no key as they are', () => {
    const concurrent = conflict('Unable to complete operation due to concurrent modification. Please try again later.');
    expect(refineRouteKeyError(concurrent, 'GET /a')).toBe(concurrent);
    const taken = conflict('Route with key GET /a already exists for this API');
    expect(refineRouteKeyError(taken, undefined)).toBe(taken);
    const rejected = new AwsError('Rejected', 'Route with key GET /a already exists for this API', { operation: 'x' });
    expect(refineRouteKeyError(rejected, 'GET /a')).toBe(rejected);
  });
});

describe('routeWriteNotFound', () => {
  const notFound = (message: string) =>
    Object.assign(new Error(message), { name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });

  it('is Rejected for a target naming a missing integration, Transient for a missing route or API', () => {
    const missing = routeWriteNotFound(
      notFound('Invalid Integration identifier specified i9'),
      'CreateRoute',
      'API a1 in us-east-1',
    );
    expect(missing).toMatchObject({ kind: 'Rejected', httpStatus: 404, operation: 'CreateRoute' });
    expect(missing.message).toMatch(/target integration does not exist .*i9/);
    const route = routeWriteNotFound(notFound('Invalid Route identifier specified r9'), 'UpdateRoute', 'API a1');
    expect(route).toMatchObject({ kind: 'Transient', message: 'UpdateRoute: the route does not exist on API a1' });
    const api = routeWriteNotFound(notFound('Invalid API identifier specified a1'), 'CreateRoute', 'API a1');
    expect(api).toMatchObject({ kind: 'Transient', message: 'CreateRoute: API a1 does not exist' });
  });
});
