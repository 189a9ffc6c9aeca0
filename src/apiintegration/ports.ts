// What the ApiIntegration reconciler needs from AWS and from Kubernetes. Adapters implement these;
// the reconciler and its pure core never see an SDK type.
import type { IntegrationFieldName } from '../api/v1alpha1/fields.ts';
import type { AllowedCredentials } from '../api/v1alpha1/tenancy.ts';
import type { EventReason } from './reasons.ts';
import type { ApiIntegration, ApiIntegrationSpecT, ApiIntegrationStatusT } from '../api/v1alpha1/types.ts';
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { ApiTenancy, GatewayVerbs, Location, ObjectEvents, ObjectStore } from '../kind/ports.ts';
import type { DesiredResponse, ObservedResponse } from '../kind/responses.ts';

// Enumerations widen to strings: AWS reports values the schema does not offer (a cleared "", say).
type Loose<T> = T extends number ? number : T extends string ? string : T;

/**
 * Integration fields in the spec's lowerCamelCase names, one per row of the field table. Used for
 * create, update and what AWS reports; an empty tlsConfig clears it.
 */
export type IntegrationFields = {
  [K in IntegrationFieldName]?: K extends 'tlsConfig'
    ? { serverNameToVerify?: string }
    : Loose<NonNullable<ApiIntegrationSpecT[K]>>;
};

export interface ObservedIntegration extends IntegrationFields {
  integrationId: string;
  integrationResponseSelectionExpression?: string;
  apiGatewayManaged?: boolean;
}

/** A route of the API, as far as integrations care: which integration it sends traffic to. */
export interface RouteRef {
  routeId: string;
  routeKey: string;
  /** `integrations/<id>` when the route has an integration target. */
  target?: string;
}

/** The integration responses of WebSocket integrations (responses.ts). */
export interface IntegrationResponseGateway {
  /** GetIntegrationResponses, every page; undefined when the integration (or its API) does not exist. */
  listIntegrationResponses(
    loc: Location,
    integrationId: string,
    signal?: AbortSignal,
  ): Promise<ObservedResponse[] | undefined>;
  createIntegrationResponse(
    loc: Location,
    integrationId: string,
    response: DesiredResponse,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Sets the fields of the response with this id (and key). */
  updateIntegrationResponse(
    loc: Location,
    integrationId: string,
    response: ObservedResponse,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Succeeds when the response is already gone. */
  deleteIntegrationResponse(
    loc: Location,
    integrationId: string,
    responseId: string,
    signal?: AbortSignal,
  ): Promise<void>;
}

export interface IntegrationGateway extends IntegrationResponseGateway {
  /** The API's protocol, or undefined when the API does not exist. */
  getApiProtocol(loc: Location, signal?: AbortSignal): Promise<Protocol | undefined>;
  /** undefined when the integration (or its API) does not exist; `fresh` skips any shared listing. */
  getIntegration(
    loc: Location,
    integrationId: string,
    signal?: AbortSignal,
    fresh?: boolean,
  ): Promise<ObservedIntegration | undefined>;
  /** Every integration of the API, all pages; undefined when the API does not exist. */
  listIntegrations(loc: Location, signal?: AbortSignal): Promise<ObservedIntegration[] | undefined>;
  /** Every route of the API, all pages; undefined when the API does not exist. */
  listRoutes(loc: Location, signal?: AbortSignal): Promise<RouteRef[] | undefined>;
  /** Never retried inside: a lost response must be recovered by listing, not by creating again. */
  createIntegration(loc: Location, fields: IntegrationFields, signal?: AbortSignal): Promise<ObservedIntegration>;
  updateIntegration(
    loc: Location,
    integrationId: string,
    fields: IntegrationFields,
    signal?: AbortSignal,
  ): Promise<ObservedIntegration>;
  /** Succeeds when the integration or its API is already gone. */
  deleteIntegration(loc: Location, integrationId: string, signal?: AbortSignal): Promise<void>;
}

/** Which of the gateway's calls the write fence refuses once this replica stops leading. */
export const INTEGRATION_GATEWAY_VERBS: GatewayVerbs<IntegrationGateway> = {
  getApiProtocol: 'read',
  getIntegration: 'read',
  listIntegrations: 'read',
  listRoutes: 'read',
  createIntegration: 'write',
  updateIntegration: 'write',
  deleteIntegration: 'write',
  listIntegrationResponses: 'read',
  createIntegrationResponse: 'write',
  updateIntegrationResponse: 'write',
  deleteIntegrationResponse: 'write',
};

export type ApiIntegrationStore = ObjectStore<ApiIntegration, ApiIntegrationStatusT>;

export type EventRecorder = ObjectEvents<ApiIntegration, EventReason>;

/**
 * Tenancy as ApiIntegrations need it: the APIs, and the roles their integrations may hand to API
 * Gateway in spec.credentialsArn (the Namespace's apigw.dev/allowed-credentials-arns annotation);
 * then `credentialsAllowed(allowed, arn)` from api/v1alpha1/tenancy.ts. Routes hand over no role.
 */
export interface IntegrationTenancy extends ApiTenancy {
  allowedCredentials(namespace: string): Promise<AllowedCredentials>;
}
