// Integration responses and route responses, answered by the fidelity layer itself. moto's are too
// far from API Gateway's to patch: GetRouteResponses and UpdateRouteResponse answer 500 (moto has
// neither), a route response drops its responseParameters, unknown response ids answer 500 or 200,
// and no key is checked. So with fidelity on the proxy keeps both kinds, reading only the API, its
// integrations and its routes from the emulator; deployments snapshot them (fidelity.ts). Rules and
// their sources:
// - Both are "Supported only for WebSocket APIs" (API reference, IntegrationResponses and
//   RouteResponses resources). What AWS answers on an HTTP API is not established; a 400
//   BadRequestException is modelled, the answer an operator must not retry.
// - An integration response key is $default or a regular expression "/expression/" (developer
//   guide, "Set up a WebSocket API integration response": "the integration response key functions
//   as a regular expression. It should follow a format of /expression/"). AWS's words for another
//   key are not established: 400 in the shape of its other validation answers.
// - "You can only define the $default route response for WebSocket APIs" (developer guide, "Set up
//   route responses for WebSocket APIs"): another key is a 400, worded after that sentence (AWS's
//   exact words are not established).
// - A second response with a key its parent already has: 409 ConflictException, as for a taken route
//   key (fidelity-routes.ts); not established for responses, and the harder answer for a client that
//   re-sends a create whose answer was lost.
// - An unknown integration, route or response id: 404 NotFoundException (the API reference lists it
//   for every response operation), in the words AWS uses for other ids ("Invalid X identifier
//   specified ID", wire.ts).
// - UpdateIntegrationResponse / UpdateRouteResponse change the fields sent; maps are merged, keys
//   not sent kept. Neither merge nor replacement is documented; the merge is the pessimistic reading
//   (a client relying on replacement sees the stale key).
import { INVALID_TOKEN_MESSAGE, pagedItems } from './listings.ts';
import { randomInt } from 'node:crypto';
import {
  answer,
  badRequest,
  composed,
  integrationNotFoundMessage,
  integrationPath,
  isObject,
  parseObject,
  read,
  routeNotFoundMessage,
  routePath,
  type Exchange,
  type Json,
  type Upstream,
} from './wire.ts';

export type ResponseKind = 'integration' | 'route';

interface KindRules {
  /** The path segment of the parent (`integrations`, `routes`) and of its responses. */
  parentPath: (apiId: string, id: string) => string;
  parentNotFound: (id: string) => string;
  idField: string;
  keyField: string;
  /** What a WebSocket API's response of this kind may be keyed. */
  keyProblem: (key: string) => string | undefined;
  noun: string;
}

const INTEGRATION_KEY = /^(\$default|\/.+\/)$/;

export const integrationResponseKeyMessage = (key: string) =>
  `Invalid integration response key specified ${key}: use $default or a regular expression between slashes, e.g. /2\\d\\d/`;
export const ROUTE_RESPONSE_KEY_MESSAGE = 'Only the $default route response key is supported for WebSocket APIs';
export const responseOnHttpMessage = (noun: string) => `${noun} responses are supported only for WebSocket APIs`;
export const responseExistsMessage = (noun: string, key: string) => `${noun} response with key ${key} already exists`;
export const responseNotFoundMessage = (noun: string, id: string) =>
  `Invalid ${noun}Response identifier specified ${id}`;

const KINDS: Record<ResponseKind, KindRules> = {
  integration: {
    parentPath: integrationPath,
    parentNotFound: integrationNotFoundMessage,
    idField: 'integrationResponseId',
    keyField: 'integrationResponseKey',
    keyProblem: (key) => (INTEGRATION_KEY.test(key) ? undefined : integrationResponseKeyMessage(key)),
    noun: 'Integration',
  },
  route: {
    parentPath: routePath,
    parentNotFound: routeNotFoundMessage,
    idField: 'routeResponseId',
    keyField: 'routeResponseKey',
    keyProblem: (key) => (key === '$default' ? undefined : ROUTE_RESPONSE_KEY_MESSAGE),
    noun: 'Route',
  },
};

/** The response operations, by name: which kind, and what they do. */
export const RESPONSE_OPERATIONS: Record<string, { kind: ResponseKind; verb: Verb }> = {
  GetIntegrationResponses: { kind: 'integration', verb: 'list' },
  CreateIntegrationResponse: { kind: 'integration', verb: 'create' },
  GetIntegrationResponse: { kind: 'integration', verb: 'get' },
  UpdateIntegrationResponse: { kind: 'integration', verb: 'update' },
  DeleteIntegrationResponse: { kind: 'integration', verb: 'delete' },
  GetRouteResponses: { kind: 'route', verb: 'list' },
  CreateRouteResponse: { kind: 'route', verb: 'create' },
  GetRouteResponse: { kind: 'route', verb: 'get' },
  UpdateRouteResponse: { kind: 'route', verb: 'update' },
  DeleteRouteResponse: { kind: 'route', verb: 'delete' },
};
type Verb = 'list' | 'create' | 'get' | 'update' | 'delete';

const notFound = (message: string) => answer('fidelity_not_found', 404, 'NotFoundException', message);
const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const newId = () => Array.from({ length: 6 }, () => ID_CHARS[randomInt(ID_CHARS.length)]).join('');

/** Maps merged, everything else set (see the header). */
export function mergeResponseUpdate(current: Json, sent: Json): Json {
  const out: Json = { ...current };
  for (const [k, v] of Object.entries(sent)) out[k] = isObject(v) && isObject(current[k]) ? { ...current[k], ...v } : v;
  return out;
}

/** `/v2/apis/{api}/{parents}/{parentId}/{kind}responses[/{responseId}]` → parent id and response id. */
function idsOf(path: string): { parentId: string; responseId?: string } {
  const parts = path.split('?', 1)[0]!.replace(/\/+$/, '').split('/').map(decodeURIComponent);
  const at = parts.findIndex((p) => p.endsWith('responses'));
  return { parentId: parts[at - 1] ?? '', ...(parts[at + 1] !== undefined ? { responseId: parts[at + 1] } : {}) };
}

export interface ResponseDeps {
  /** The API's protocol, or AWS's 404 for an unknown API. */
  protocolOf(apiId: string, up: Upstream): Promise<string | Exchange>;
  pageSize: number;
}

export class ResponseRules {
  /** `kind apiId parentId` → its responses, in creation order. */
  private readonly book = new Map<string, Json[]>();
  private readonly deps: ResponseDeps;

  constructor(deps: ResponseDeps) {
    this.deps = deps;
  }

  /** The responses of one integration or route, as GetIntegrationResponses / GetRouteResponses report them. */
  of(kind: ResponseKind, apiId: string, parentId: string): Json[] {
    return [...(this.book.get(`${kind} ${apiId} ${parentId}`) ?? [])];
  }

  /** A deleted integration or route takes its responses along; a deleted API, all of them. */
  forget(apiId: string, parent?: { kind: ResponseKind; id: string }): void {
    for (const key of [...this.book.keys()]) {
      const [kind, api, id] = key.split(' ');
      if (api === apiId && (!parent || (parent.kind === kind && parent.id === id))) this.book.delete(key);
    }
  }

  async handle(operation: string, apiId: string, path: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const op = RESPONSE_OPERATIONS[operation];
    if (!op) throw new Error(`not a response operation: ${operation}`);
    const rules = KINDS[op.kind];
    const protocol = await this.deps.protocolOf(apiId, up);
    if (typeof protocol !== 'string') return protocol;
    if (protocol !== 'WEBSOCKET') return badRequest(responseOnHttpMessage(rules.noun));
    const { parentId, responseId } = idsOf(path);
    const parent = await read(up, rules.parentPath(apiId, parentId), rules.parentNotFound(parentId));
    if (!('json' in parent)) return parent;
    const key = `${op.kind} ${apiId} ${parentId}`;
    const items = this.book.get(key) ?? [];
    if (op.verb === 'list') {
      const page = pagedItems(items, path, this.deps.pageSize);
      return page ? composed(200, page) : badRequest(INVALID_TOKEN_MESSAGE);
    }
    if (op.verb === 'create') return this.create(rules, key, items, parseObject(body) ?? {});
    const found = items.find((r) => r[rules.idField] === responseId);
    if (!found) return notFound(responseNotFoundMessage(rules.noun, responseId ?? ''));
    if (op.verb === 'get') return composed(200, found);
    if (op.verb === 'delete') {
      this.book.set(
        key,
        items.filter((r) => r !== found),
      );
      return composed(204);
    }
    return this.update(rules, key, { items, found }, parseObject(body) ?? {});
  }

  private create(rules: KindRules, key: string, items: Json[], sent: Json): Exchange {
    const responseKey = String(sent[rules.keyField] ?? '');
    const refused = this.keyRefusal(rules, items, responseKey);
    if (refused) return refused;
    const made: Json = { ...sent, [rules.idField]: newId(), [rules.keyField]: responseKey };
    this.book.set(key, [...items, made]);
    return composed(201, made);
  }

  private update(rules: KindRules, key: string, at: { items: Json[]; found: Json }, sent: Json): Exchange {
    const { items, found } = at;
    const { [rules.idField]: _id, ...fields } = sent;
    if (typeof fields[rules.keyField] === 'string' && fields[rules.keyField] !== found[rules.keyField]) {
      const others = items.filter((r) => r !== found);
      const refused = this.keyRefusal(rules, others, String(fields[rules.keyField]));
      if (refused) return refused;
    }
    const merged = mergeResponseUpdate(found, fields);
    this.book.set(
      key,
      items.map((r) => (r === found ? merged : r)),
    );
    return composed(200, merged);
  }

  private keyRefusal(rules: KindRules, items: Json[], responseKey: string): Exchange | undefined {
    const problem = rules.keyProblem(responseKey);
    if (problem) return badRequest(problem);
    if (items.some((r) => r[rules.keyField] === responseKey))
      return answer('fidelity_key_exists', 409, 'ConflictException', responseExistsMessage(rules.noun, responseKey));
    return undefined;
  }
}
