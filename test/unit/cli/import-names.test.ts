// Object names `import` gives: readable, valid DNS-1123 labels, the same whatever order AWS lists
// things in, and never two alike (every member of a clash gets its AWS id).
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  NAME_MAX,
  assignNames,
  dnsLabel,
  integrationBaseName,
  integrationNameIsGeneric,
  routeBaseName,
  stageBaseName,
} from '../../../src/cli/import-names.ts';

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('readable base names', () => {
  it.each([
    ['GET /orders/{id}', 'get-orders-id'],
    ['ANY /{proxy+}', 'any-proxy'],
    ['$default', 'default'],
    ['$connect', 'connect'],
    ['sendMessage', 'sendmessage'],
    ['POST /', 'post'],
  ])('route %s → %s', (key, name) => expect(routeBaseName(key)).toBe(name));

  it.each([
    [
      { integrationType: 'AWS_PROXY', integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:orders' },
      'lambda-orders',
    ],
    [
      {
        integrationType: 'AWS_PROXY',
        integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:orders:live',
      },
      'lambda-orders-live',
    ],
    [
      {
        integrationType: 'AWS',
        integrationUri:
          'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:chat/invocations',
      },
      'lambda-chat',
    ],
    [
      { integrationType: 'HTTP_PROXY', integrationUri: 'https://orders.example.com/v1/{proxy}' },
      'http-orders-example-com-v1-proxy',
    ],
    [
      {
        integrationType: 'HTTP_PROXY',
        connectionType: 'VPC_LINK',
        integrationUri:
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders-alb/50dc6c495c0c9188/0467ef3c8400ae65',
      },
      'private-orders-alb',
    ],
    [{ integrationType: 'AWS_PROXY', integrationSubtype: 'SQS-SendMessage' }, 'sqs-sendmessage'],
    [
      { integrationType: 'AWS', integrationUri: 'arn:aws:apigateway:us-east-1:dynamodb:action/PutItem' },
      'dynamodb-putitem',
    ],
    [{ integrationType: 'MOCK' }, 'mock'],
    [{ integrationType: 'HTTP', integrationUri: 'not a uri' }, 'http'],
  ])('integration %j → %s', (i, name) => expect(integrationBaseName(i)).toBe(name));

  it('stage $default → default', () => expect(stageBaseName('$default')).toBe('default'));

  it.each([
    [{ integrationType: 'MOCK' }, true],
    [{ integrationType: 'AWS_PROXY', integrationSubtype: 'SQS-SendMessage' }, true],
    [{ integrationType: 'AWS', integrationUri: 'arn:aws:apigateway:us-east-1:dynamodb:action/PutItem' }, true],
    [{ integrationType: 'HTTP', integrationUri: 'not a uri' }, true],
    [{ integrationType: 'AWS_PROXY', integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:orders' }, false],
    [{ integrationType: 'HTTP_PROXY', integrationUri: 'https://orders.example.com/v1' }, false],
  ])('integration %j: a name shared by nature %s', (i, generic) => expect(integrationNameIsGeneric(i)).toBe(generic));
});

describe('assignNames', () => {
  const route = (routeId: string, routeKey: string) => ({ routeId, routeKey });
  const names = (items: { routeId: string; routeKey: string }[], prefix?: string) =>
    assignNames(
      items,
      (r) => routeBaseName(r.routeKey),
      (r) => r.routeId,
      { prefix },
    ).map((n) => [n.item.routeId, n.name]);

  it('gives every member of a clash its id, and leaves the others alone', () => {
    const items = [route('b2', 'GET /a'), route('a1', 'get /a'), route('c3', 'GET /b')];
    expect(new Map(names(items) as [string, string][])).toEqual(
      new Map([
        ['a1', 'get-a-a1'],
        ['b2', 'get-a-b2'],
        ['c3', 'get-b'],
      ]),
    );
  });

  it('puts the prefix in front', () => {
    expect(names([route('x', 'GET /a')], 'orders-')).toEqual([['x', 'orders-get-a']]);
  });

  it('settles a suffixed name that meets a base name', () => {
    const items = [route('z9', 'GET /a'), route('y8', 'GET /a'), route('q1', 'GET /a-z9')];
    const got = names(items).map(([, n]) => n);
    expect(new Set(got).size).toBe(3);
  });

  it('cuts long names to 63 characters and keeps the id', () => {
    const long = `GET /${'segment/'.repeat(20)}`;
    const got = names([route('abc1234', long), route('def5678', long)]).map(([, n]) => n!);
    for (const n of got) expect(n.length).toBeLessThanOrEqual(NAME_MAX);
    expect(got.sort()).toEqual([expect.stringMatching(/-abc1234$/), expect.stringMatching(/-def5678$/)]);
  });

  it('property: valid, unique, and the same whatever the listing order', () => {
    const keyChars = fc.constantFrom(...'aAbZ09/ {}+$-_.'.split(''));
    const item = fc.record({
      routeId: fc.stringMatching(/^[a-z0-9]{7}$/),
      routeKey: fc.array(keyChars, { maxLength: 90 }).map((a) => a.join('')),
    });
    const items = fc.uniqueArray(item, { selector: (r) => r.routeId, maxLength: 30 });
    fc.assert(
      fc.property(items, fc.boolean(), (list, prefixed) => {
        const prefix = prefixed ? 'Team_A ' : undefined;
        const forward = new Map(names(list, prefix) as [string, string][]);
        const backward = new Map(names([...list].reverse(), prefix) as [string, string][]);
        expect(backward).toEqual(forward);
        const all = [...forward.values()];
        expect(new Set(all).size).toBe(all.length);
        for (const n of all) {
          expect(n).toMatch(DNS_1123_LABEL);
          expect(n.length).toBeLessThanOrEqual(NAME_MAX);
        }
      }),
    );
  });

  it('never gives a name an object in the cluster holds: the new object gets its id', () => {
    const got = assignNames(
      [route('n2', 'GET /a'), route('n3', 'GET /b')],
      (r) => routeBaseName(r.routeKey),
      (r) => r.routeId,
      { taken: new Set(['get-a', 'get-a-n2', 'get-c']) },
    ).map((n) => n.name);
    expect(got).toEqual(['get-a-n2-2', 'get-b']);
  });

  it('gives an item whose base name is shared by nature its id even when it is alone', () => {
    const mock = { integrationId: 'm1', integrationType: 'MOCK' };
    const lambda = { integrationId: 'l1', integrationUri: 'arn:aws:lambda:us-east-1:1:function:orders' };
    const got = assignNames([mock, lambda], integrationBaseName, (i) => i.integrationId, {
      alwaysWithId: integrationNameIsGeneric,
    }).map((n) => n.name);
    expect(got).toEqual(['lambda-orders', 'mock-m1']);
  });

  it('dnsLabel never ends in a hyphen after cutting', () => {
    expect(dnsLabel('a-'.repeat(40))).toMatch(DNS_1123_LABEL);
  });
});
