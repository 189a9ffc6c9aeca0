// API Gateway v2 integrations through the AWS SDK. How a call is made (the budget token per
// attempt, retries, error translation, per-API write serialization, the shared GetApi) lives in
// calls.ts, shared with the route gateway: routes and integrations on one API are written one at a
// time together, so both gateways of an operator share one ApiGatewayCalls.
import {
  CreateIntegrationCommand,
  DeleteIntegrationCommand,
  GetIntegrationCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  UpdateIntegrationCommand,
  type CreateIntegrationCommandInput,
  type UpdateIntegrationCommandInput,
} from '@aws-sdk/client-apigatewayv2';
import type { Protocol } from '../../api/v1alpha1/group.ts';
import { AwsError } from '../../kind/errors.ts';
import type {
  IntegrationFields,
  IntegrationGateway,
  ObservedIntegration,
  RouteRef,
} from '../../apiintegration/ports.ts';
import type { Location } from '../../kind/ports.ts';
import { ApiGatewayCalls, type GatewayOptions } from './calls.ts';
import { isNotFound } from './errors.ts';
import { fromSdk, toSdkInput } from './mapping.ts';
import { ResponseCalls } from './response-gateway.ts';
import type { DesiredResponse, ObservedResponse } from '../../kind/responses.ts';

export type { GatewayOptions } from './calls.ts';

export class ApiGatewayV2Gateway implements IntegrationGateway {
  /** The call machinery; hand it to the route gateway so both serialize writes on an API together. */
  readonly calls: ApiGatewayCalls;
  private readonly responses: ResponseCalls;

  constructor(opts: GatewayOptions | ApiGatewayCalls) {
    this.calls = opts instanceof ApiGatewayCalls ? opts : new ApiGatewayCalls(opts);
    this.responses = ResponseCalls.integrations(this.calls);
  }

  getApiProtocol(loc: Location, signal?: AbortSignal): Promise<Protocol | undefined> {
    return this.calls.getApiProtocol(loc, signal);
  }

  async getIntegration(
    loc: Location,
    integrationId: string,
    signal?: AbortSignal,
  ): Promise<ObservedIntegration | undefined> {
    const cmd = new GetIntegrationCommand({ ApiId: loc.apiId, IntegrationId: integrationId });
    const out = await this.calls.getOne<object>(loc, 'GetIntegration', cmd, signal);
    return out === undefined ? undefined : fromSdk(out);
  }

  async listIntegrations(loc: Location, signal?: AbortSignal): Promise<ObservedIntegration[] | undefined> {
    const pages = (token?: string) => new GetIntegrationsCommand({ ApiId: loc.apiId, NextToken: token });
    return this.calls.allPages<object, ObservedIntegration>(
      loc,
      { operation: 'GetIntegrations', page: pages, map: fromSdk },
      signal,
    );
  }

  async listRoutes(loc: Location, signal?: AbortSignal): Promise<RouteRef[] | undefined> {
    const pages = (token?: string) => new GetRoutesCommand({ ApiId: loc.apiId, NextToken: token });
    const toRef = (r: { RouteId?: string; RouteKey?: string; Target?: string }): RouteRef => ({
      routeId: r.RouteId ?? '',
      routeKey: r.RouteKey ?? '',
      ...(r.Target ? { target: r.Target } : {}),
    });
    return this.calls.allPages(loc, { operation: 'GetRoutes', page: pages, map: toRef }, signal);
  }

  async createIntegration(
    loc: Location,
    fields: IntegrationFields,
    signal?: AbortSignal,
  ): Promise<ObservedIntegration> {
    const input = { ApiId: loc.apiId, ...toSdkInput(fields) } as CreateIntegrationCommandInput;
    // `once`: a create whose response was lost must be recovered by listing, never re-sent; a 409
    // concurrent modification was refused, not applied, so it may be.
    const send = () =>
      this.calls.call<object>(loc, 'CreateIntegration', new CreateIntegrationCommand(input), { once: true, signal });
    try {
      return fromSdk(await this.calls.serialized(loc, send));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // The API is gone: not worth a retry storm, and the next pass will report ApiNotFound.
      throw new AwsError('Transient', `CreateIntegration: API ${loc.apiId} not found in ${loc.region}`, {
        operation: 'CreateIntegration',
        httpStatus: 404,
        cause: err,
      });
    }
  }

  async updateIntegration(
    loc: Location,
    integrationId: string,
    fields: IntegrationFields,
    signal?: AbortSignal,
  ): Promise<ObservedIntegration> {
    const input = {
      ApiId: loc.apiId,
      IntegrationId: integrationId,
      ...toSdkInput(fields),
    } as UpdateIntegrationCommandInput;
    const send = () =>
      this.calls.call<object>(loc, 'UpdateIntegration', new UpdateIntegrationCommand(input), { signal });
    try {
      return fromSdk(await this.calls.serialized(loc, send));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw new AwsError('Transient', `UpdateIntegration: integration ${integrationId} not found on API ${loc.apiId}`, {
        operation: 'UpdateIntegration',
        httpStatus: 404,
        cause: err,
      });
    }
  }

  deleteIntegration(loc: Location, integrationId: string, signal?: AbortSignal): Promise<void> {
    const cmd = new DeleteIntegrationCommand({ ApiId: loc.apiId, IntegrationId: integrationId });
    return this.calls.deleteOne(loc, 'DeleteIntegration', cmd, signal);
  }

  listIntegrationResponses(
    loc: Location,
    integrationId: string,
    signal?: AbortSignal,
  ): Promise<ObservedResponse[] | undefined> {
    return this.responses.list(loc, integrationId, signal);
  }

  createIntegrationResponse(
    loc: Location,
    integrationId: string,
    r: DesiredResponse,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.responses.create(loc, integrationId, r, signal);
  }

  updateIntegrationResponse(loc: Location, integrationId: string, r: ObservedResponse, signal?: AbortSignal) {
    return this.responses.update(loc, integrationId, r, signal);
  }

  deleteIntegrationResponse(
    loc: Location,
    integrationId: string,
    responseId: string,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.responses.remove(loc, integrationId, responseId, signal);
  }
}
