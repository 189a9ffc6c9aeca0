// API Gateway v2 through the AWS SDK: every call takes a token from the shared budget, is observed
// for metrics, and has its errors translated. Short retries live here (the SDK's own for
// idempotent calls, p-retry for 409 conflicts); long retries belong to the work queue.
import {

  CreateIntegrationCommand,
  DeleteIntegrationCommand,
  GetApiCommand,
  GetIntegrationCommand,
  GetIntegrationsCommand,
  UpdateIntegrationCommand,
  type CreateIntegrationCommandInput,
  type UpdateIntegrationCommandInput,
} from '@aws-sdk/client-apigatewayv2';
import pRetry from 'p-retry';
import type { Protocol } from '../../api/v1alpha1/types.ts';
import { AwsError } from '../../apiintegration/errors.ts';
import type { IntegrationFields, IntegrationGateway, Location, ObservedIntegration } from '../../apiintegration/ports.ts';
import { isNotFound, translate } from './errors.ts';
import { fromSdk, toSdkInput } from './mapping.ts';
import { unlimited, type CallBudget, type CallObserver } from './rate-limit.ts';
import type { ClientFactory } from './clients.ts';

export interface GatewayOptions {
  clients: ClientFactory;
  budget?: CallBudget;
  observe?: CallObserver;
  /** Retries of 409 ConflictException inside one call (the SDK does not retry them). */
  conflictRetries?: number;
}

// Commands are heterogeneous; the SDK checks them at its own boundary.
type Sendable = object;

export class ApiGatewayV2Gateway implements IntegrationGateway {
  private readonly protocols = new Map<string, Protocol>();
  private readonly opts: Required<Omit<GatewayOptions, 'observe'>> & { observe?: CallObserver };

  constructor(opts: GatewayOptions) {
    this.opts = { budget: unlimited, conflictRetries: 3, ...opts };
  }

  private async call<T>(loc: Location, operation: string, cmd: Sendable, opts: { once?: boolean; signal?: AbortSignal }): Promise<T> {
    const { client, bucket } = await this.opts.clients.get(loc, { once: opts.once });
    await this.opts.budget.take(bucket, opts.signal);
    const started = performance.now();
    try {
      const out = (await client.send(cmd as never, { abortSignal: opts.signal })) as T;
      this.opts.observe?.(operation, 'ok', (performance.now() - started) / 1000);
      return out;
    } catch (err) {
      const t = isNotFound(err) ? undefined : translate(err, operation);
      const outcome = t === undefined ? 'not_found' : t instanceof AwsError ? t.kind.toLowerCase() : 'credentials';
      this.opts.observe?.(operation, outcome, (performance.now() - started) / 1000);
      if (outcome === 'throttled') this.opts.budget.throttled(bucket);
      throw err;
    }
  }

  /** Retries only conflicts, briefly; everything else is translated and thrown. */
  private async withConflictRetry<T>(operation: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return pRetry(
      async () => {
        try {
          return await fn();
        } catch (err) {
          if (isNotFound(err)) throw err;
          throw translate(err, operation);
        }
      },
      {
        retries: this.opts.conflictRetries,
        minTimeout: 200,
        maxTimeout: 2000,
        randomize: true,
        signal,
        shouldRetry: ({ error }) => error instanceof AwsError && error.kind === 'Conflict',
      },
    );
  }

  async getApiProtocol(loc: Location, signal?: AbortSignal): Promise<Protocol | undefined> {
    const key = `${loc.roleArn ?? ''}|${loc.region}|${loc.apiId}`;
    const cached = this.protocols.get(key);
    if (cached) return cached;
    try {
      const api = await this.call<{ ProtocolType?: string }>(loc, 'GetApi', new GetApiCommand({ ApiId: loc.apiId }), { signal });
      const protocol: Protocol = api.ProtocolType === 'WEBSOCKET' ? 'WEBSOCKET' : 'HTTP';
      // An API's protocol never changes, so the answer can be kept; the map is bounded by the APIs in use.
      this.protocols.set(key, protocol);
      return protocol;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw translate(err, 'GetApi');
    }
  }

  async getIntegration(loc: Location, integrationId: string, signal?: AbortSignal): Promise<ObservedIntegration | undefined> {
    try {
      const out = await this.call<object>(loc, 'GetIntegration', new GetIntegrationCommand({ ApiId: loc.apiId, IntegrationId: integrationId }), { signal });
      return fromSdk(out);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw translate(err, 'GetIntegration');
    }
  }

  async listIntegrations(loc: Location, signal?: AbortSignal): Promise<ObservedIntegration[] | undefined> {
    const all: ObservedIntegration[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.call<{ Items?: object[]; NextToken?: string }>(
          loc,
          'GetIntegrations',
          new GetIntegrationsCommand({ ApiId: loc.apiId, NextToken: nextToken }),
          { signal },
        );
        for (const item of page.Items ?? []) all.push(fromSdk(item));
        nextToken = page.NextToken || undefined;
      } while (nextToken);
      return all;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw translate(err, 'GetIntegrations');
    }
  }

  async createIntegration(loc: Location, fields: IntegrationFields, signal?: AbortSignal): Promise<ObservedIntegration> {
    const input = { ApiId: loc.apiId, ...toSdkInput(fields) } as CreateIntegrationCommandInput;
    // `once`: the SDK must not re-send a create whose response was lost; a 409 was refused, not applied.
    const out = await this.withConflictRetry(
      'CreateIntegration',
      () => this.call<object>(loc, 'CreateIntegration', new CreateIntegrationCommand(input), { once: true, signal }),
      signal,
    ).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
      throw new AwsError('Rejected', `CreateIntegration: API ${loc.apiId} not found in ${loc.region}`, { operation: 'CreateIntegration', httpStatus: 404, cause: err });
    });
    return fromSdk(out);
  }

  async updateIntegration(loc: Location, integrationId: string, fields: IntegrationFields, signal?: AbortSignal): Promise<ObservedIntegration> {
    const input = { ApiId: loc.apiId, IntegrationId: integrationId, ...toSdkInput(fields) } as UpdateIntegrationCommandInput;
    const out = await this.withConflictRetry('UpdateIntegration', () => this.call<object>(loc, 'UpdateIntegration', new UpdateIntegrationCommand(input), { signal }), signal);
    return fromSdk(out);
  }

  async deleteIntegration(loc: Location, integrationId: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.withConflictRetry(
        'DeleteIntegration',
        () => this.call(loc, 'DeleteIntegration', new DeleteIntegrationCommand({ ApiId: loc.apiId, IntegrationId: integrationId }), { signal }),
        signal,
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
