// The AWS adapter's own rules, with a scripted SDK client: every attempt spends a token from the
// shared budget (so SDK-style retries cannot multiply the call rate), writes on one API never
// overlap (API Gateway answers overlapping writes with 409), concurrent protocol lookups of one
// API share a GetApi, and a deleted API is forgotten.
import { describe, expect, it } from '@jest/globals';
import { ApiGatewayV2Gateway } from '../../../../src/adapters/aws/gateway.ts';
import type { ClientFactory } from '../../../../src/adapters/aws/clients.ts';

type Reply = () => Promise<unknown>;
const awsError = (name: string, status: number, message = name) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function scripted(reply: (cmd: string, input: Record<string, unknown>) => Reply | undefined) {
  const sent: string[] = [];
  let active = 0;
  let maxActive = 0;
  const client = {
    send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = cmd.constructor.name.replace(/Command$/, '');
      sent.push(name);
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        const r = reply(name, cmd.input);
        return r ? await r() : {};
      } finally {
        active--;
      }
    },
  };
  const clients = { get: async () => ({ client, bucket: 'acct/us-east-1' }) } as unknown as ClientFactory;
  const taken: string[] = [];
  const throttled: string[] = [];
  const budget = { take: async (b: string) => void taken.push(b), throttled: (b: string) => void throttled.push(b) };
  return { sent, taken, throttled, clients, budget, maxActive: () => maxActive };
}

const loc = { region: 'us-east-1', apiId: 'api1' };

describe('ApiGatewayV2Gateway', () => {
  it('takes one budget token per attempt, and slows the bucket on each 429', async () => {
    let n = 0;
    const s = scripted(() => async () => {
      if (++n < 3) throw awsError('TooManyRequestsException', 429);
      return { IntegrationId: 'i1', IntegrationType: 'AWS_PROXY' };
    });
    const gw = new ApiGatewayV2Gateway({ clients: s.clients, budget: s.budget, attempts: 3 });
    await expect(gw.getIntegration(loc, 'i1')).resolves.toMatchObject({ integrationId: 'i1' });
    expect(s.sent).toEqual(['GetIntegration', 'GetIntegration', 'GetIntegration']);
    expect(s.taken).toHaveLength(3);
    expect(s.throttled).toHaveLength(2);
  });

  it('never re-sends a create whose outcome is unknown', async () => {
    const s = scripted(() => async () => {
      throw awsError('InternalFailure', 500);
    });
    const gw = new ApiGatewayV2Gateway({ clients: s.clients, budget: s.budget });
    await expect(gw.createIntegration(loc, { integrationType: 'MOCK' })).rejects.toMatchObject({ kind: 'Transient' });
    expect(s.sent).toEqual(['CreateIntegration']);
  });

  it('sends writes on one API one at a time, and writes on different APIs together', async () => {
    const s = scripted((cmd) =>
      cmd === 'UpdateIntegration' ? async () => (await sleep(20), { IntegrationId: 'x' }) : undefined,
    );
    const gw = new ApiGatewayV2Gateway({ clients: s.clients, budget: s.budget });
    await Promise.all([1, 2, 3, 4].map((i) => gw.updateIntegration(loc, `i${i}`, { integrationType: 'MOCK' })));
    expect(s.maxActive()).toBe(1);
    const other = scripted((cmd) =>
      cmd === 'UpdateIntegration' ? async () => (await sleep(20), { IntegrationId: 'x' }) : undefined,
    );
    const gw2 = new ApiGatewayV2Gateway({ clients: other.clients, budget: other.budget });
    await Promise.all(
      ['a1', 'a2', 'a3'].map((apiId) =>
        gw2.updateIntegration({ region: 'us-east-1', apiId }, 'i', { integrationType: 'MOCK' }),
      ),
    );
    expect(other.maxActive()).toBe(3);
  });

  it('a write that fails does not hold up the next one on the same API', async () => {
    let first = true;
    const s = scripted(() => async () => {
      if (first) {
        first = false;
        throw awsError('BadRequestException', 400);
      }
      return {};
    });
    const gw = new ApiGatewayV2Gateway({ clients: s.clients, budget: s.budget });
    const [a, b] = await Promise.allSettled([gw.deleteIntegration(loc, 'i1'), gw.deleteIntegration(loc, 'i2')]);
    expect(a.status).toBe('rejected');
    expect(b.status).toBe('fulfilled');
  });

  it('asks GetApi once for concurrent lookups of one API, and forgets an API AWS says is gone', async () => {
    let gone = false;
    const s = scripted((cmd) => {
      if (cmd === 'GetApi') return async () => (await sleep(10), { ProtocolType: 'HTTP' });
      if (cmd === 'GetIntegration' && gone)
        return async () => {
          throw awsError('NotFoundException', 404, 'Invalid API identifier specified api1');
        };
      return undefined;
    });
    const gw = new ApiGatewayV2Gateway({ clients: s.clients, budget: s.budget });
    expect(await Promise.all([1, 2, 3, 4].map(() => gw.getApiProtocol(loc)))).toEqual(['HTTP', 'HTTP', 'HTTP', 'HTTP']);
    expect(s.sent.filter((c) => c === 'GetApi')).toHaveLength(1);
    gone = true;
    await expect(gw.getIntegration(loc, 'i1')).resolves.toBeUndefined();
    await gw.getApiProtocol(loc);
    expect(s.sent.filter((c) => c === 'GetApi')).toHaveLength(2);
  });

  it('passes AWS "in use" refusal of a delete up with the route ids, without retrying it', async () => {
    const s = scripted(() => async () => {
      throw awsError(
        'ConflictException',
        409,
        'Cannot delete Integration because it is referenced by the following Routes with Ids: [r1]',
      );
    });
    const gw = new ApiGatewayV2Gateway({ clients: s.clients, budget: s.budget });
    await expect(gw.deleteIntegration(loc, 'i1')).rejects.toMatchObject({ kind: 'InUse', routeIds: ['r1'] });
    expect(s.sent).toEqual(['DeleteIntegration']);
  });
});
