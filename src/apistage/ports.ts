// What the ApiStage reconciler needs from AWS and Kubernetes: the stage and its settings, and the deployments a
// stage serves. Interfaces only (the AWS one is in adapters/aws/stage-gateway.ts); the pure core
// never sees an SDK type.
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { ApiStage, ApiStageStatusT } from '../api/v1alpha1/stage-types.ts';
import type { GatewayVerbs, Location, ObjectEvents, ObjectStore } from '../kind/ports.ts';
import type { StageEventReason } from './reasons.ts';

/** One route-settings block (defaultRouteSettings, and each routeSettings entry). */
export interface RouteSettings {
  throttlingBurstLimit?: number;
  throttlingRateLimit?: number;
  detailedMetricsEnabled?: boolean;
  /** WebSocket APIs only. */
  loggingLevel?: string;
  /** WebSocket APIs only. */
  dataTraceEnabled?: boolean;
}

/** Stage settings in the spec's lowerCamelCase names: CreateStage / UpdateStage input and GetStage's answer. */
export interface StageFields {
  description?: string;
  autoDeploy?: boolean;
  stageVariables?: Record<string, string>;
  defaultRouteSettings?: RouteSettings;
  routeSettings?: Record<string, RouteSettings>;
  accessLogSettings?: { destinationArn?: string; format?: string };
}

export interface ObservedStage extends StageFields {
  stageName: string;
  /** The deployment the stage serves; absent until one is made. */
  deploymentId?: string;
  /** With autoDeploy: how AWS's last deployment of a change went. */
  lastDeploymentStatusMessage?: string;
  /** Made by quick create; cannot be deleted. */
  apiGatewayManaged?: boolean;
}

export interface ObservedDeployment {
  deploymentId: string;
  description?: string;
  /** Epoch ms. */
  createdDate?: number;
  /** PENDING, FAILED or DEPLOYED. */
  deploymentStatus?: string;
  /** Why a deployment failed (autoDeploy), as AWS words it. */
  deploymentStatusMessage?: string;
}

export interface StageGateway {
  /** The API's protocol, or undefined when the API does not exist. */
  getApiProtocol(loc: Location, signal?: AbortSignal): Promise<Protocol | undefined>;
  /** undefined when the stage (or its API) does not exist. */
  getStage(loc: Location, stageName: string, signal?: AbortSignal): Promise<ObservedStage | undefined>;
  /** A stage name is unique per API: a create whose answer was lost is recovered by reading the stage. */
  createStage(loc: Location, stageName: string, fields: StageFields, signal?: AbortSignal): Promise<ObservedStage>;
  /** UpdateStage merges: only the fields sent change. */
  updateStage(
    loc: Location,
    stageName: string,
    fields: StageFields & { deploymentId?: string },
    signal?: AbortSignal,
  ): Promise<ObservedStage>;
  /** UpdateStage cannot remove a route's settings; this can. Succeeds when they are already gone. */
  deleteRouteSettings(loc: Location, stageName: string, routeKey: string, signal?: AbortSignal): Promise<void>;
  /** UpdateStage cannot remove access logging; this can. */
  deleteAccessLogSettings(loc: Location, stageName: string, signal?: AbortSignal): Promise<void>;
  /** Succeeds when the stage or its API is already gone. */
  deleteStage(loc: Location, stageName: string, signal?: AbortSignal): Promise<void>;
  /**
   * Sent once, never retried inside: a deployment whose answer was lost is recovered by listing
   * (its description names the revision), not made twice. With `stageName`, the stage serves it.
   */
  createDeployment(
    loc: Location,
    input: { stageName?: string; description: string },
    signal?: AbortSignal,
  ): Promise<ObservedDeployment>;
  /** GetDeployments, every page; undefined when the API does not exist. */
  listDeployments(loc: Location, signal?: AbortSignal): Promise<ObservedDeployment[] | undefined>;
  /** Whether the API has any route (one GetRoutes item); undefined when the API does not exist. */
  hasRoutes(loc: Location, signal?: AbortSignal): Promise<boolean | undefined>;
  /** undefined when the deployment (or its API) does not exist. */
  getDeployment(loc: Location, deploymentId: string, signal?: AbortSignal): Promise<ObservedDeployment | undefined>;
}

/** Which of the gateway's calls the write fence refuses once this replica stops leading. */
export const STAGE_GATEWAY_VERBS: GatewayVerbs<StageGateway> = {
  getApiProtocol: 'read',
  getStage: 'read',
  createStage: 'write',
  updateStage: 'write',
  deleteRouteSettings: 'write',
  deleteAccessLogSettings: 'write',
  deleteStage: 'write',
  createDeployment: 'write',
  listDeployments: 'read',
  hasRoutes: 'read',
  getDeployment: 'read',
};

export type ApiStageStore = ObjectStore<ApiStage, ApiStageStatusT>;

export type StageEventRecorder = ObjectEvents<ApiStage, StageEventReason | 'AwsRejected'>;
