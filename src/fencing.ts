// Write fencing: once this replica is not the leader, every write to AWS or Kubernetes fails before
// it is sent, so a replica that lost its lease cannot race the new leader. Typed decorators of the
// ports: a new write method does not compile until it is fenced here, and a renamed one cannot
// slip through unfenced. Events are writes too; a former leader's events are dropped.
import type {
  ApiIntegrationStore,
  EventRecorder,
  IntegrationFields,
  IntegrationGateway,
  ObservedIntegration,
  RouteRef,
} from './apiintegration/ports.ts';
import type { EventType, Location } from './kind/ports.ts';
import type { ApiIntegration, ApiIntegrationStatusT } from './api/v1alpha1/types.ts';
import type { Protocol } from './api/v1alpha1/group.ts';
import type { EventReason } from './apiintegration/reasons.ts';
import type { ApiRoute, ApiRouteStatusT } from './api/v1alpha1/route-types.ts';
import type { ApiRouteStore, ObservedRoute, RouteEventRecorder, RouteFields, RouteGateway } from './apiroute/ports.ts';
import type { RouteEventReason } from './apiroute/reasons.ts';

export class NotLeaderError extends Error {
  constructor() {
    super('not the leader: write refused');
    this.name = 'NotLeaderError';
  }
}

type IsLeading = () => boolean;

function guard(isLeading: IsLeading): void {
  if (!isLeading()) throw new NotLeaderError();
}

export class FencedStore implements ApiIntegrationStore {
  private readonly inner: ApiIntegrationStore;
  private readonly isLeading: IsLeading;

  constructor(inner: ApiIntegrationStore, isLeading: IsLeading) {
    this.inner = inner;
    this.isLeading = isLeading;
  }

  async patchMetadata(
    obj: ApiIntegration,
    patch: Parameters<ApiIntegrationStore['patchMetadata']>[1],
    opts?: Parameters<ApiIntegrationStore['patchMetadata']>[2],
  ) {
    guard(this.isLeading);
    return this.inner.patchMetadata(obj, patch, opts);
  }

  async patchStatus(obj: ApiIntegration, status: ApiIntegrationStatusT, signal?: AbortSignal) {
    guard(this.isLeading);
    return this.inner.patchStatus(obj, status, signal);
  }
}

export class FencedGateway implements IntegrationGateway {
  private readonly inner: IntegrationGateway;
  private readonly isLeading: IsLeading;

  constructor(inner: IntegrationGateway, isLeading: IsLeading) {
    this.inner = inner;
    this.isLeading = isLeading;
  }

  getApiProtocol(loc: Location, signal?: AbortSignal): Promise<Protocol | undefined> {
    return this.inner.getApiProtocol(loc, signal);
  }

  getIntegration(
    loc: Location,
    integrationId: string,
    signal?: AbortSignal,
    fresh?: boolean,
  ): Promise<ObservedIntegration | undefined> {
    return this.inner.getIntegration(loc, integrationId, signal, fresh);
  }

  listIntegrations(loc: Location, signal?: AbortSignal): Promise<ObservedIntegration[] | undefined> {
    return this.inner.listIntegrations(loc, signal);
  }

  listRoutes(loc: Location, signal?: AbortSignal): Promise<RouteRef[] | undefined> {
    return this.inner.listRoutes(loc, signal);
  }

  async createIntegration(
    loc: Location,
    fields: IntegrationFields,
    signal?: AbortSignal,
  ): Promise<ObservedIntegration> {
    guard(this.isLeading);
    return this.inner.createIntegration(loc, fields, signal);
  }

  async updateIntegration(
    loc: Location,
    integrationId: string,
    fields: IntegrationFields,
    signal?: AbortSignal,
  ): Promise<ObservedIntegration> {
    guard(this.isLeading);
    return this.inner.updateIntegration(loc, integrationId, fields, signal);
  }

  async deleteIntegration(loc: Location, integrationId: string, signal?: AbortSignal): Promise<void> {
    guard(this.isLeading);
    return this.inner.deleteIntegration(loc, integrationId, signal);
  }
}

export class FencedEvents implements EventRecorder {
  private readonly inner: EventRecorder;
  private readonly isLeading: IsLeading;

  constructor(inner: EventRecorder, isLeading: IsLeading) {
    this.inner = inner;
    this.isLeading = isLeading;
  }

  record(obj: ApiIntegration, type: EventType, reason: EventReason, message: string): void {
    if (this.isLeading()) this.inner.record(obj, type, reason, message);
  }
}

export class FencedRouteStore implements ApiRouteStore {
  private readonly inner: ApiRouteStore;
  private readonly isLeading: IsLeading;

  constructor(inner: ApiRouteStore, isLeading: IsLeading) {
    this.inner = inner;
    this.isLeading = isLeading;
  }

  async patchMetadata(
    obj: ApiRoute,
    patch: Parameters<ApiRouteStore['patchMetadata']>[1],
    opts?: Parameters<ApiRouteStore['patchMetadata']>[2],
  ) {
    guard(this.isLeading);
    return this.inner.patchMetadata(obj, patch, opts);
  }

  async patchStatus(obj: ApiRoute, status: ApiRouteStatusT, signal?: AbortSignal) {
    guard(this.isLeading);
    return this.inner.patchStatus(obj, status, signal);
  }
}

export class FencedRouteGateway implements RouteGateway {
  private readonly inner: RouteGateway;
  private readonly isLeading: IsLeading;

  constructor(inner: RouteGateway, isLeading: IsLeading) {
    this.inner = inner;
    this.isLeading = isLeading;
  }

  getApiProtocol(loc: Location, signal?: AbortSignal): Promise<Protocol | undefined> {
    return this.inner.getApiProtocol(loc, signal);
  }

  getRoute(loc: Location, routeId: string, signal?: AbortSignal, fresh?: boolean): Promise<ObservedRoute | undefined> {
    return this.inner.getRoute(loc, routeId, signal, fresh);
  }

  listRoutes(loc: Location, signal?: AbortSignal, fresh?: boolean): Promise<ObservedRoute[] | undefined> {
    return this.inner.listRoutes(loc, signal, fresh);
  }

  async createRoute(
    loc: Location,
    fields: RouteFields & { routeKey: string },
    signal?: AbortSignal,
  ): Promise<ObservedRoute> {
    guard(this.isLeading);
    return this.inner.createRoute(loc, fields, signal);
  }

  async updateRoute(loc: Location, routeId: string, fields: RouteFields, signal?: AbortSignal): Promise<ObservedRoute> {
    guard(this.isLeading);
    return this.inner.updateRoute(loc, routeId, fields, signal);
  }

  async deleteRouteRequestParameter(loc: Location, routeId: string, key: string, signal?: AbortSignal): Promise<void> {
    guard(this.isLeading);
    return this.inner.deleteRouteRequestParameter(loc, routeId, key, signal);
  }

  async deleteRoute(loc: Location, routeId: string, signal?: AbortSignal): Promise<void> {
    guard(this.isLeading);
    return this.inner.deleteRoute(loc, routeId, signal);
  }
}

export class FencedRouteEvents implements RouteEventRecorder {
  private readonly inner: RouteEventRecorder;
  private readonly isLeading: IsLeading;

  constructor(inner: RouteEventRecorder, isLeading: IsLeading) {
    this.inner = inner;
    this.isLeading = isLeading;
  }

  record(obj: ApiRoute, type: EventType, reason: RouteEventReason, message: string): void {
    if (this.isLeading()) this.inner.record(obj, type, reason, message);
  }
}
