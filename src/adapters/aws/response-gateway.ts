// WebSocket integration responses and route responses through the AWS SDK, on the shared call
// machinery (calls.ts): reads retried and NotFound read as "absent", writes serialized with the
// API's other writes, deletes done when the response is already gone. A create is sent once: a
// lost answer is found by the next read (a second entry for one key is deleted by the kind).
// Fields map through the tables in api/v1alpha1/response-schema.ts.
import {
  CreateIntegrationResponseCommand,
  CreateRouteResponseCommand,
  DeleteIntegrationResponseCommand,
  DeleteRouteResponseCommand,
  GetIntegrationResponsesCommand,
  GetRouteResponsesCommand,
  UpdateIntegrationResponseCommand,
  UpdateRouteResponseCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  INTEGRATION_RESPONSE_FIELDS,
  ROUTE_RESPONSE_FIELDS,
  type ResponseFieldRow,
} from '../../api/v1alpha1/response-schema.ts';
import { AwsError } from '../../kind/errors.ts';
import type { Location } from '../../kind/ports.ts';
import type { DesiredResponse, ObservedResponse } from '../../kind/responses.ts';
import type { ApiGatewayCalls, Sendable } from './calls.ts';
import { isNotFound } from './errors.ts';

type Rows = Record<string, ResponseFieldRow>;
type SdkItem = Record<string, unknown>;

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** `{required}` in the spec, `{Required}` in the SDK. */
function toSdkValue(row: ResponseFieldRow, v: unknown): unknown {
  if (row.kind !== 'parameters' || !isMap(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, { Required: isMap(c) && c.required === true }]));
}

function fromSdkValue(row: ResponseFieldRow, v: unknown): unknown {
  if (row.kind !== 'parameters' || !isMap(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, { required: isMap(c) && c.Required === true }]));
}

function toSdkFields(rows: Rows, fields: Record<string, unknown>): SdkItem {
  const out: SdkItem = {};
  for (const [f, row] of Object.entries(rows)) if (fields[f] !== undefined) out[row.aws] = toSdkValue(row, fields[f]);
  return out;
}

function fromSdkItem(rows: Rows, item: SdkItem, id: string, key: string): ObservedResponse {
  const fields: Record<string, unknown> = {};
  for (const [f, row] of Object.entries(rows)) if (item[row.aws] != null) fields[f] = fromSdkValue(row, item[row.aws]);
  return { id: String(item[id] ?? ''), key: String(item[key] ?? ''), fields };
}

/** One kind of response: its table, SDK member names and commands. */
interface ResponseKind {
  rows: Rows;
  noun: string;
  /** The SDK members naming the parent and the response. */
  parent: string;
  id: string;
  key: string;
  list: { operation: string; command: (input: SdkItem) => Sendable };
  create: { operation: string; command: (input: SdkItem) => Sendable };
  update: { operation: string; command: (input: SdkItem) => Sendable };
  remove: { operation: string; command: (input: SdkItem) => Sendable };
}

const INTEGRATION_RESPONSES: ResponseKind = {
  rows: INTEGRATION_RESPONSE_FIELDS,
  noun: 'integration',
  parent: 'IntegrationId',
  id: 'IntegrationResponseId',
  key: 'IntegrationResponseKey',
  list: { operation: 'GetIntegrationResponses', command: (i) => new GetIntegrationResponsesCommand(i as never) },
  create: { operation: 'CreateIntegrationResponse', command: (i) => new CreateIntegrationResponseCommand(i as never) },
  update: { operation: 'UpdateIntegrationResponse', command: (i) => new UpdateIntegrationResponseCommand(i as never) },
  remove: { operation: 'DeleteIntegrationResponse', command: (i) => new DeleteIntegrationResponseCommand(i as never) },
};

const ROUTE_RESPONSES: ResponseKind = {
  rows: ROUTE_RESPONSE_FIELDS,
  noun: 'route',
  parent: 'RouteId',
  id: 'RouteResponseId',
  key: 'RouteResponseKey',
  list: { operation: 'GetRouteResponses', command: (i) => new GetRouteResponsesCommand(i as never) },
  create: { operation: 'CreateRouteResponse', command: (i) => new CreateRouteResponseCommand(i as never) },
  update: { operation: 'UpdateRouteResponse', command: (i) => new UpdateRouteResponseCommand(i as never) },
  remove: { operation: 'DeleteRouteResponse', command: (i) => new DeleteRouteResponseCommand(i as never) },
};

/** The responses of one integration or route, over one ApiGatewayCalls. */
export class ResponseCalls {
  private readonly calls: ApiGatewayCalls;
  private readonly kind: ResponseKind;

  private constructor(calls: ApiGatewayCalls, kind: ResponseKind) {
    this.calls = calls;
    this.kind = kind;
  }

  static integrations(calls: ApiGatewayCalls): ResponseCalls {
    return new ResponseCalls(calls, INTEGRATION_RESPONSES);
  }

  static routes(calls: ApiGatewayCalls): ResponseCalls {
    return new ResponseCalls(calls, ROUTE_RESPONSES);
  }

  /** Every page; undefined when the parent (or its API) does not exist. */
  list(loc: Location, parentId: string, signal?: AbortSignal): Promise<ObservedResponse[] | undefined> {
    const k = this.kind;
    const page = (token?: string) => k.list.command({ ApiId: loc.apiId, [k.parent]: parentId, NextToken: token });
    const map = (item: SdkItem) => fromSdkItem(k.rows, item, k.id, k.key);
    return this.calls.allPages<SdkItem, ObservedResponse>(loc, { operation: k.list.operation, page, map }, signal);
  }

  create(loc: Location, parentId: string, r: DesiredResponse, signal?: AbortSignal): Promise<void> {
    const k = this.kind;
    const input = { ApiId: loc.apiId, [k.parent]: parentId, [k.key]: r.key, ...toSdkFields(k.rows, r.fields) };
    return this.write(loc, parentId, { operation: k.create.operation, cmd: k.create.command(input) }, signal);
  }

  update(loc: Location, parentId: string, r: ObservedResponse, signal?: AbortSignal): Promise<void> {
    const k = this.kind;
    const input = {
      ApiId: loc.apiId,
      [k.parent]: parentId,
      [k.id]: r.id,
      [k.key]: r.key,
      ...toSdkFields(k.rows, r.fields),
    };
    return this.write(loc, parentId, { operation: k.update.operation, cmd: k.update.command(input) }, signal);
  }

  remove(loc: Location, parentId: string, id: string, signal?: AbortSignal): Promise<void> {
    const k = this.kind;
    const cmd = k.remove.command({ ApiId: loc.apiId, [k.parent]: parentId, [k.id]: id });
    return this.calls.deleteOne(loc, k.remove.operation, cmd, signal);
  }

  private async write(
    loc: Location,
    parentId: string,
    call: { operation: string; cmd: Sendable },
    signal?: AbortSignal,
  ) {
    const { operation, cmd } = call;
    const send = () => this.calls.call<object>(loc, operation, cmd, { once: true, signal });
    try {
      await this.calls.serialized(loc, send);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // The parent went (or the response, for an update): the next pass reads it again.
      throw new AwsError(
        'Transient',
        `${operation}: ${this.kind.noun} ${parentId} or its response not found on API ${loc.apiId}`,
        {
          operation,
          httpStatus: 404,
          cause: err,
        },
      );
    }
  }
}
