// API Gateway v2 stages and deployments through the AWS SDK, on the same call machinery as
// integrations and routes (calls.ts): one budget, reads retried, NotFound turned into "absent" on
// reads and "done" on deletes, and writes serialized per API with the other kinds' writes, since AWS
// refuses concurrent writes on one API whichever resource they touch (a deployment included).
import {
  CreateDeploymentCommand,
  CreateStageCommand,
  DeleteAccessLogSettingsCommand,
  DeleteRouteSettingsCommand,
  DeleteStageCommand,
  GetDeploymentCommand,
  GetDeploymentsCommand,
  GetRoutesCommand,
  GetStageCommand,
  GetStagesCommand,
  UpdateStageCommand,
  type Deployment,
  type GetRoutesCommandOutput,
  type Stage,
} from '@aws-sdk/client-apigatewayv2';
import type { Protocol } from '../../api/v1alpha1/group.ts';
import type { ObservedDeployment, ObservedStage, StageFields, StageGateway } from '../../apistage/ports.ts';
import type { Location } from '../../kind/ports.ts';
import { ApiGatewayCalls, type GatewayOptions, type Sendable } from './calls.ts';
import { fromSdkDeployment, fromSdkStage, toStageInput } from './stage-mapping.ts';

export class ApiGatewayV2StageGateway implements StageGateway {
  private readonly calls: ApiGatewayCalls;

  /** Pass the integration gateway's `calls` so that writes of every kind on an API never overlap. */
  constructor(opts: GatewayOptions | ApiGatewayCalls) {
    this.calls = opts instanceof ApiGatewayCalls ? opts : new ApiGatewayCalls(opts);
  }

  getApiProtocol(loc: Location, signal?: AbortSignal): Promise<Protocol | undefined> {
    return this.calls.getApiProtocol(loc, signal);
  }

  async getStage(loc: Location, stageName: string, signal?: AbortSignal): Promise<ObservedStage | undefined> {
    const cmd = new GetStageCommand({ ApiId: loc.apiId, StageName: stageName });
    const out = await this.calls.getOne<Stage>(loc, 'GetStage', cmd, signal);
    return out === undefined ? undefined : fromSdkStage(out);
  }

  /** Every stage of the API, all pages; undefined when the API does not exist. */
  listStages(loc: Location, signal?: AbortSignal): Promise<ObservedStage[] | undefined> {
    const page = (token?: string) => new GetStagesCommand({ ApiId: loc.apiId, NextToken: token });
    return this.calls.allPages<Stage, ObservedStage>(loc, { operation: 'GetStages', page, map: fromSdkStage }, signal);
  }

  async createStage(loc: Location, stageName: string, fields: StageFields, signal?: AbortSignal) {
    const cmd = new CreateStageCommand({ ApiId: loc.apiId, StageName: stageName, ...toStageInput(fields) });
    // Sent once: a stage name is unique per API, so a lost answer is recovered by reading the stage.
    return fromSdkStage(await this.write<Stage>(loc, 'CreateStage', cmd, { single: true, signal }));
  }

  async updateStage(
    loc: Location,
    stageName: string,
    fields: StageFields & { deploymentId?: string },
    signal?: AbortSignal,
  ): Promise<ObservedStage> {
    const { deploymentId, ...rest } = fields;
    const input = {
      ApiId: loc.apiId,
      StageName: stageName,
      ...toStageInput(rest),
      ...(deploymentId ? { DeploymentId: deploymentId } : {}),
    };
    return fromSdkStage(await this.write<Stage>(loc, 'UpdateStage', new UpdateStageCommand(input), { signal }));
  }

  deleteRouteSettings(loc: Location, stageName: string, routeKey: string, signal?: AbortSignal): Promise<void> {
    const cmd = new DeleteRouteSettingsCommand({ ApiId: loc.apiId, StageName: stageName, RouteKey: routeKey });
    return this.calls.deleteOne(loc, 'DeleteRouteSettings', cmd, signal);
  }

  deleteAccessLogSettings(loc: Location, stageName: string, signal?: AbortSignal): Promise<void> {
    const cmd = new DeleteAccessLogSettingsCommand({ ApiId: loc.apiId, StageName: stageName });
    return this.calls.deleteOne(loc, 'DeleteAccessLogSettings', cmd, signal);
  }

  deleteStage(loc: Location, stageName: string, signal?: AbortSignal): Promise<void> {
    const cmd = new DeleteStageCommand({ ApiId: loc.apiId, StageName: stageName });
    return this.calls.deleteOne(loc, 'DeleteStage', cmd, signal);
  }

  async createDeployment(
    loc: Location,
    input: { stageName?: string; description: string },
    signal?: AbortSignal,
  ): Promise<ObservedDeployment> {
    const cmd = new CreateDeploymentCommand({
      ApiId: loc.apiId,
      Description: input.description,
      ...(input.stageName ? { StageName: input.stageName } : {}),
    });
    // Sent once: a lost answer is recovered by listing the deployments for the revision it names.
    return fromSdkDeployment(await this.write<Deployment>(loc, 'CreateDeployment', cmd, { single: true, signal }));
  }

  listDeployments(loc: Location, signal?: AbortSignal): Promise<ObservedDeployment[] | undefined> {
    const page = (token?: string) => new GetDeploymentsCommand({ ApiId: loc.apiId, NextToken: token });
    return this.calls.allPages<Deployment, ObservedDeployment>(
      loc,
      { operation: 'GetDeployments', page, map: fromSdkDeployment },
      signal,
    );
  }

  async hasRoutes(loc: Location, signal?: AbortSignal): Promise<boolean | undefined> {
    const cmd = new GetRoutesCommand({ ApiId: loc.apiId, MaxResults: '1' });
    const out = await this.calls.getOne<GetRoutesCommandOutput>(loc, 'GetRoutes', cmd, signal);
    return out === undefined ? undefined : (out.Items ?? []).length > 0;
  }

  async getDeployment(loc: Location, deploymentId: string, signal?: AbortSignal) {
    const cmd = new GetDeploymentCommand({ ApiId: loc.apiId, DeploymentId: deploymentId });
    const out = await this.calls.getOne<Deployment>(loc, 'GetDeployment', cmd, signal);
    return out === undefined ? undefined : fromSdkDeployment(out);
  }

  private write<T>(loc: Location, operation: string, cmd: Sendable, opts: { single?: boolean; signal?: AbortSignal }) {
    return this.calls.serialized(loc, () => this.calls.call<T>(loc, operation, cmd, opts));
  }
}
