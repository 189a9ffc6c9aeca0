// The route gateway's rules with a scripted SDK client: a taken key reaches the caller as
// RouteKeyExistsError at once, CreateRoute is sent exactly once, an UpdateRoute refused for a
// concurrent modification is retried, NotFound never leaves the adapter, and route writes wait for
// integration writes on the same API when both gateways share one ApiGatewayCalls.
import { describe, expect, it } from '@jest/globals';
import { ApiGatewayCalls } from '../../../../src/adapters/aws/calls.ts';
import type { ClientFactory } from '../../../../src/adapters/aws/clients.ts';
import { ApiGatewayV2Gateway } from '../../../../src/adapters/aws/gateway.ts';
import { ApiGatewayV2RouteGateway } from '../../../../src/adapters/aws/route-gateway.ts';
import { RouteKeyExistsError } from '../../../../src/apiroute/errors.ts';

type Reply = () => Promise<unknown>;
const awsError = (name: string, status: number, message = name) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CONCURRENT = 'Unable to complete operation due to concurrent modification. Please try again later.';

function scripted(reply: (cmd: string, input: Record<string, unknown>) => Reply | undefined) {
  const sent: string[] = [];
  const inputs: Record<string, unknown>[] = [];
  let active = 0;
  let maxActive = 0;
  const client = {
    send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push(cmd.constructor.name.replace(/Command$/, ''));
      inputs.push(cmd.input);
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        const r = reply(sent.at(-1)!, cmd.input);
        return r ? await r() : {};
      } finally {
        active--;
      }
    },
  };
  const clients = { get: async () => ({ client, bucket: 'acct/us-east-1' }) } as unknown as ClientFactory;
  const taken: string[] = [];
  const budget = { take: async (b: string) => void taken.push(b), throttled: () => {} };
  return { sent, inputs, taken, clients, budget, maxActive: () => maxActive };
}

const loc = { region: 'us-east-1', apiId: 'api1' };

describe('ApiGatewayV2RouteGateway', () => {
  it('turns a taken key into RouteKeyExistsError, which is not re-sent', async () => {
    const s = scripted(() => async () => {
      throw awsError('ConflictException', 409, 'Route with key GET /a already exists for this API');
    });
    const gw = new ApiGatewayV2RouteGateway({ clients: s.clients, budget: s.budget, conflictRetries: 3 });
    const err = await gw.createRoute(loc, { routeKey: 'GET /a' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RouteKeyExistsError);
    expect(err).toMatchObject({ routeKey: 'GET /a', httpStatus: 409 });
    // An update may be re-sent after a concurrent modification, but not after this.
    await expect(gw.updateRoute(loc, 'r2', { routeKey: 'GET /a' })).rejects.toBeInstanceOf(RouteKeyExistsError);
    expect(s.sent).toEqual(['CreateRoute', 'UpdateRoute']);
  });

  it('never re-sends a CreateRoute, not even one refused for a concurrent modification', async () => {
    for (const failure of [awsError('ConflictException', 409, CONCURRENT), awsError('InternalServerError', 500)]) {
      const s = scripted(() => async () => {
        throw failure;
      });
      const gw = new ApiGatewayV2RouteGateway({
        clients: s.clients,
        budget: s.budget,
        attempts: 3,
        conflictRetries: 3,
      });
      await expect(gw.createRoute(loc, { routeKey: 'GET /a' })).rejects.toMatchObject({
        kind: failure.name === 'ConflictException' ? 'Conflict' : 'Transient',
      });
      expect(s.sent).toEqual(['CreateRoute']);
    }
  });

  it('retries an UpdateRoute refused for a concurrent modification', async () => {
    let n = 0;
    const s = scripted(() => async () => {
      if (++n === 1) throw awsError('ConflictException', 409, CONCURRENT);
      return { RouteId: 'r1', RouteKey: 'GET /a' };
    });
    const gw = new ApiGatewayV2RouteGateway({ clients: s.clients, budget: s.budget });
    expect(await gw.updateRoute(loc, 'r1', { operationName: 'x' })).toEqual({ routeId: 'r1', routeKey: 'GET /a' });
    expect(s.sent).toEqual(['UpdateRoute', 'UpdateRoute']);
    expect(s.taken).toHaveLength(2);
  });

  it('sends the SDK names, and retries an UpdateRoute that failed in flight', async () => {
    let n = 0;
    const s = scripted(() => async () => {
      if (++n === 1) throw awsError('ServiceUnavailableException', 503);
      return { RouteId: 'r1', RouteKey: 'GET /b', Target: 'integrations/i1' };
    });
    const gw = new ApiGatewayV2RouteGateway({ clients: s.clients, budget: s.budget });
    expect(await gw.updateRoute(loc, 'r1', { routeKey: 'GET /b', authorizationScopes: [] })).toEqual({
      routeId: 'r1',
      routeKey: 'GET /b',
      target: 'integrations/i1',
    });
    expect(s.inputs[1]).toEqual({ ApiId: 'api1', RouteId: 'r1', RouteKey: 'GET /b', AuthorizationScopes: [] });
    expect(s.sent).toEqual(['UpdateRoute', 'UpdateRoute']);
  });

  it('reports a missing route or API as absent on reads and done on deletes', async () => {
    const s = scripted(() => async () => {
      throw awsError('NotFoundException', 404, 'Invalid Route identifier specified r1');
    });
    const gw = new ApiGatewayV2RouteGateway({ clients: s.clients, budget: s.budget });
    expect(await gw.getRoute(loc, 'r1')).toBeUndefined();
    expect(await gw.listRoutes(loc)).toBeUndefined();
    await expect(gw.deleteRoute(loc, 'r1')).resolves.toBeUndefined();
    await expect(gw.deleteRouteRequestParameter(loc, 'r1', 'route.request.header.a')).resolves.toBeUndefined();
    await expect(gw.updateRoute(loc, 'r1', { operationName: 'x' })).rejects.toMatchObject({
      kind: 'Transient',
      message: 'UpdateRoute: the route does not exist on API api1 in us-east-1',
    });
    expect(s.sent).toEqual(['GetRoute', 'GetRoutes', 'DeleteRoute', 'DeleteRouteRequestParameter', 'UpdateRoute']);
  });

  it('lists every page', async () => {
    const s = scripted((_cmd, input) => async () => {
      const page = Number(input.NextToken ?? 0);
      return {
        Items: [{ RouteId: `r${page}`, RouteKey: `GET /${page}` }],
        NextToken: page < 2 ? String(page + 1) : '',
      };
    });
    const gw = new ApiGatewayV2RouteGateway({ clients: s.clients, budget: s.budget });
    expect((await gw.listRoutes(loc))?.map((r) => r.routeId)).toEqual(['r0', 'r1', 'r2']);
    expect(s.sent).toEqual(['GetRoutes', 'GetRoutes', 'GetRoutes']);
  });

  it('writes one at a time with integration writes on the same API when both share the calls', async () => {
    const s = scripted(() => async () => {
      await sleep(20);
      return { RouteId: 'r', RouteKey: 'k', IntegrationId: 'i' };
    });
    const calls = new ApiGatewayCalls({ clients: s.clients, budget: s.budget });
    const routes = new ApiGatewayV2RouteGateway(calls);
    const integrations = new ApiGatewayV2Gateway(calls);
    await Promise.all([
      routes.createRoute(loc, { routeKey: 'GET /a' }),
      integrations.createIntegration(loc, { integrationType: 'MOCK' } as never),
      routes.updateRoute(loc, 'r', { operationName: 'x' }),
      integrations.deleteIntegration(loc, 'i'),
      routes.deleteRoute(loc, 'r'),
    ]);
    expect(s.maxActive()).toBe(1);
    expect(integrations.calls).toBe(calls);
  });

  it('shares the protocol lookup with the integration gateway', async () => {
    const s = scripted((cmd) => (cmd === 'GetApi' ? async () => ({ ProtocolType: 'WEBSOCKET' }) : undefined));
    const integrations = new ApiGatewayV2Gateway({ clients: s.clients, budget: s.budget });
    const routes = new ApiGatewayV2RouteGateway(integrations.calls);
    expect(await integrations.getApiProtocol(loc)).toBe('WEBSOCKET');
    expect(await routes.getApiProtocol(loc)).toBe('WEBSOCKET');
    expect(s.sent).toEqual(['GetApi']);
  });
});
