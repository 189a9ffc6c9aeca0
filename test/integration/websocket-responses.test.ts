// A two-way WebSocket route in the running operator, on the test bed: a MOCK integration with its
// integration responses and a route with its $default route response are made together; an edit
// updates a response in place (same id), removing one deletes it, a replacement of the integration
// gives the new integration the responses (the route follows it), an out-of-band delete is put
// back on the drift check, and an ApiStage serves a snapshot that holds the responses.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DeleteIntegrationResponseCommand,
  DeleteRouteResponseCommand,
  GetIntegrationResponsesCommand,
  GetRouteResponsesCommand,
  type IntegrationResponse,
} from '@aws-sdk/client-apigatewayv2';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { STAGE_PLURAL } from '../../src/api/v1alpha1/stage-schema.ts';
import type { Operator } from '../../src/operator.ts';
import {
  aws,
  condition,
  createApi,
  createObject,
  createRouteObject,
  custom,
  eventually,
  getObject,
  getRouteObject,
  installCrd,
  installStageCrd,
  newNamespace,
  patchSpec,
  tb,
} from '../support/cluster.ts';
import { startOperator } from '../support/operator.ts';
import { servedRoute } from '../support/served.ts';

let ns = '';
let operator: Operator | undefined;
let api = '';

const integrationResponses = [
  { integrationResponseKey: '$default', responseTemplates: { $default: '{"reply": "ok"}' } },
  { integrationResponseKey: '/4\\d\\d/', templateSelectionExpression: '$default' },
];

beforeAll(async () => {
  await installCrd();
  await installStageCrd();
  ns = await newNamespace('wsresp');
  operator = await startOperator({ watchNamespaces: [ns], deployQuietMs: 300, deployMaxWaitMs: 20_000 });
  api = await createApi('WEBSOCKET');
});

afterAll(async () => {
  await operator?.stop();
});

const responsesOf = async (integrationId: string): Promise<IntegrationResponse[]> =>
  (await aws.send(new GetIntegrationResponsesCommand({ ApiId: api, IntegrationId: integrationId }))).Items ?? [];

const routeResponsesOf = async (routeId: string) =>
  (await aws.send(new GetRouteResponsesCommand({ ApiId: api, RouteId: routeId }))).Items ?? [];

const keys = (items: { IntegrationResponseKey?: string }[]) => items.map((r) => r.IntegrationResponseKey).sort();

/** The integration's id once it is Ready for its current generation. */
async function integrationReady(name: string): Promise<string> {
  return eventually(`ApiIntegration ${name} Ready`, async () => {
    const o = await getObject(ns, name);
    const ready = condition(o, 'Ready');
    const current = ready?.status === 'True' && o.status?.observedGeneration === o.metadata.generation;
    return current && ready?.reason === 'Synced' ? o.status?.integrationId : undefined;
  });
}

async function routeReady(name: string): Promise<{ routeId: string; target: string }> {
  return eventually(`ApiRoute ${name} Ready`, async () => {
    const o = await getRouteObject(ns, name);
    const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
    const current = ready?.status === 'True' && o.status?.observedGeneration === o.metadata.generation;
    return current && o.status?.routeId
      ? { routeId: o.status.routeId, target: o.status.observed?.target ?? '' }
      : undefined;
  });
}

describe('a two-way WebSocket route', () => {
  let integrationId = '';
  let routeId = '';

  it('is made with its integration responses and its $default route response', async () => {
    await createObject(ns, 'echo-int', {
      apiId: api,
      integrationType: 'MOCK',
      requestTemplates: { $default: '{"statusCode": 200}' },
      templateSelectionExpression: '\\$default',
      contentHandlingStrategy: 'CONVERT_TO_TEXT',
      integrationResponses,
    });
    await createRouteObject(ns, 'echo-route', {
      apiId: api,
      routeKey: 'echo',
      integrationRef: { name: 'echo-int' },
      routeResponseSelectionExpression: '$default',
      routeResponses: [{ routeResponseKey: '$default', modelSelectionExpression: '$default' }],
    });
    integrationId = await integrationReady('echo-int');
    ({ routeId } = await routeReady('echo-route'));
    const held = await responsesOf(integrationId);
    expect(keys(held)).toEqual(['$default', '/4\\d\\d/']);
    expect(held.find((r) => r.IntegrationResponseKey === '$default')?.ResponseTemplates).toEqual({
      $default: '{"reply": "ok"}',
    });
    expect(await routeResponsesOf(routeId)).toEqual([
      expect.objectContaining({ RouteResponseKey: '$default', ModelSelectionExpression: '$default' }),
    ]);
  });

  it('an edit updates a response in place; removing one deletes it', async () => {
    const before = (await responsesOf(integrationId)).find((r) => r.IntegrationResponseKey === '$default')!;
    await patchSpec(ns, 'echo-int', {
      integrationResponses: [
        { integrationResponseKey: '$default', responseTemplates: { $default: '{"reply": "v2"}' } },
      ],
    });
    await eventually('the edit in AWS', async () => {
      const held = await responsesOf(integrationId);
      return held.length === 1 && held[0]?.ResponseTemplates?.$default === '{"reply": "v2"}' ? held : undefined;
    });
    const after = (await responsesOf(integrationId))[0]!;
    expect(after.IntegrationResponseId).toBe(before.IntegrationResponseId);
    expect(await integrationReady('echo-int')).toBe(integrationId);
  });

  it('an out-of-band delete is put back on the drift check', async () => {
    const [held] = await responsesOf(integrationId);
    await aws.send(
      new DeleteIntegrationResponseCommand({
        ApiId: api,
        IntegrationId: integrationId,
        IntegrationResponseId: held!.IntegrationResponseId,
      }),
    );
    const [rr] = await routeResponsesOf(routeId);
    await aws.send(
      new DeleteRouteResponseCommand({ ApiId: api, RouteId: routeId, RouteResponseId: rr!.RouteResponseId }),
    );
    await eventually('the integration response put back', async () =>
      keys(await responsesOf(integrationId)).join() === '$default' ? true : undefined,
    );
    await eventually('the route response put back', async () =>
      (await routeResponsesOf(routeId)).length === 1 ? true : undefined,
    );
  });

  it('survives a replacement of its integration: the new one gets the responses, the route follows it', async () => {
    // contentHandlingStrategy cannot be cleared in place: removing it makes a new integration.
    await patchSpec(ns, 'echo-int', { contentHandlingStrategy: null, integrationResponses });
    const replaced = await eventually('a new integration', async () => {
      const id = await integrationReady('echo-int');
      return id !== integrationId ? id : undefined;
    });
    expect(keys(await responsesOf(replaced))).toEqual(['$default', '/4\\d\\d/']);
    const route = await eventually('the route on the new integration', async () => {
      const r = await routeReady('echo-route');
      return r.target === `integrations/${replaced}` ? r : undefined;
    });
    expect(route.routeId).toBe(routeId);
    expect(await routeResponsesOf(routeId)).toHaveLength(1);
    integrationId = replaced;
  });

  it('is served by an ApiStage with its responses in the snapshot', async () => {
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: STAGE_PLURAL,
      namespace: ns,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'ApiStage',
        metadata: { name: 'prod' },
        spec: { apiId: api, stageName: 'prod' },
      },
    });
    const served = await eventually(
      'the two-way route served',
      async () => {
        const s = await servedRoute(tb.awsEndpoint, api, 'prod', 'echo');
        return s?.integration?.integrationId === integrationId ? s : undefined;
      },
      60_000,
    );
    expect(served.route.routeResponses).toEqual([expect.objectContaining({ routeResponseKey: '$default' })]);
    const servedKeys = (served.integration?.integrationResponses as { integrationResponseKey: string }[]).map(
      (r) => r.integrationResponseKey,
    );
    expect(servedKeys.sort()).toEqual(['$default', '/4\\d\\d/']);
  });
});
