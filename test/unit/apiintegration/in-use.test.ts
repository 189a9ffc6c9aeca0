// A delete that routes block: the object names the routes, and the operator looks again on a
// backoff that grows to minutes instead of spending the account's shared AWS quota.
import { describe, expect, it } from '@jest/globals';
import { inUseOutcome, routesTargeting } from '../../../src/apiintegration/in-use.ts';

const routes = [
  { routeId: 'r1', routeKey: 'GET /orders', target: 'integrations/int1' },
  { routeId: 'r2', routeKey: '$default', target: 'integrations/int2' },
  { routeId: 'r3', routeKey: 'POST /orders', target: 'integrations/int1' },
  { routeId: 'r4', routeKey: 'GET /health' },
];

describe('routes that block a delete', () => {
  it('are the routes whose target is the integration', () => {
    expect(routesTargeting(routes, 'int1').map((r) => r.routeId)).toEqual(['r1', 'r3']);
    expect(routesTargeting(routes, 'int9')).toEqual([]);
  });

  it('are named with their keys, and the message says what to do', () => {
    const o = inUseOutcome({
      integrationId: 'int1',
      location: { region: 'us-east-1', apiId: 'api1' },
      why: 'object deleted',
      routes: routesTargeting(routes, 'int1'),
    });
    expect(o).toMatchObject({ kind: 'Progressing', reason: 'IntegrationInUse' });
    expect(o.message).toContain('r1 (GET /orders), r3 (POST /orders)');
    expect(o.message).toContain('retarget or delete those routes');
  });

  it('during a move, the message names both the new integration and the old one left behind', () => {
    const o = inUseOutcome({
      integrationId: 'int1',
      location: { region: 'us-east-1', apiId: 'api1' },
      why: 'moved',
      routes: routesTargeting(routes, 'int1'),
      current: { integrationId: 'new1', location: { region: 'us-east-1', apiId: 'api2' } },
    });
    expect(o.message).toMatch(
      /replaced by integration new1 on API api2; the old integration int1 on API api1 cannot be deleted/,
    );
  });
  it('an extra left by an interrupted create says where it came from', () => {
    const o = inUseOutcome({
      integrationId: 'lost1',
      location: { region: 'us-east-1', apiId: 'api1' },
      why: 'extra',
      routes: [{ routeId: 'r7', routeKey: '' }],
    });
    // A route AWS named but the listing did not know shows by its id alone.
    expect(o.message).toBe(
      'integration lost1 on API api1 was made by an interrupted create and cannot be deleted while routes target it: r7; retarget or delete those routes and the operator finishes by itself',
    );
  });

  it('during a move whose new integration is not known, the message still reads', () => {
    const o = inUseOutcome({
      integrationId: 'int1',
      location: { region: 'us-east-1', apiId: 'api1' },
      why: 'moved',
      routes: routesTargeting(routes, 'int1'),
    });
    expect(o.message).toMatch(/^replaced by integration \? on API \?; the old integration int1/);
  });
});
