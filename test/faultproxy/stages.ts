// The stage and deployment operations, answered by the fidelity layer itself: moto's stages are
// too far from API Gateway's to patch (no UpdateStage, no deploymentId, a second CreateStage
// replaces the first, no deployments; stage-rules.ts), so with fidelity on the proxy keeps stages
// and deployments (stage-book.ts) and reads only the API, its routes and its integrations from the
// emulator. Auto-deploying stages deploy by themselves a short while after each change to routes or
// integrations (auto-deploy.ts). The rules and their sources are in stage-rules.ts and deployments.ts.
import { AutoDeployer, type DueStages } from './auto-deploy.ts';
import { DeploymentRules, type StageDeps } from './deployments.ts';
import { INVALID_TOKEN_MESSAGE, pagedItems } from './listings.ts';
import { StageBook, type Served } from './stage-book.ts';
import {
  AUTO_DEPLOY_DEPLOYMENT_ID_MESSAGE,
  AUTO_DEPLOY_DESCRIPTION,
  awsTime,
  deployedStatusMessage,
  deploymentNotFoundMessage,
  executionLogsProblem,
  failedStatusMessage,
  managedStageMessage,
  mergeStageUpdate,
  newStage,
  noRoutesMessage,
  routeSettingsKeyMessage,
  STAGE_EXISTS_MESSAGE,
  stageNameProblem,
  stageNotFoundMessage,
  STAGES_QUOTA_MESSAGE,
  unknownRouteKey,
} from './stage-rules.ts';
import {
  answer,
  apiNotFoundMessage,
  apiPath,
  badRequest,
  composed,
  isExchange,
  isObject,
  lastSegmentOf,
  parseObject,
  readItems,
  type Exchange,
  type Json,
  type Upstream,
} from './wire.ts';

export interface StageOptions {
  stagesPerApi: number;
  pageSize: number;
  autoDeployDelayMs: number;
  createDeploymentIntervalMs: number;
}

export interface StageRulesDeps extends StageDeps {
  /** Runs `fn` as a write on the API, one at a time with the client's writes. */
  exclusive(apiId: string, fn: () => Promise<void>): Promise<void>;
}

type Request = { operation: string; apiId: string; path: string };
type Handler = (req: Request, body: Buffer, up: Upstream) => Promise<Exchange>;

const notFound = (message: string) => answer('fidelity_not_found', 404, 'NotFoundException', message);

/** The stage name and route key of `/v2/apis/{api}/stages/{stage}/routesettings/{routeKey}`. */
function routeSettingsOf(path: string): [string, string] {
  const parts = path.split('?', 1)[0]!.replace(/\/+$/, '').split('/');
  return [decodeURIComponent(parts.at(-3) ?? ''), decodeURIComponent(parts.at(-1) ?? '')];
}

export class StageRules {
  private readonly book = new StageBook();
  private readonly opts: StageOptions;
  private readonly deps: StageRulesDeps;
  private readonly deployments: DeploymentRules;
  private readonly deployer: AutoDeployer;
  private readonly handlers: Record<string, Handler>;

  constructor(opts: StageOptions, deps: StageRulesDeps) {
    this.opts = opts;
    this.deps = deps;
    this.deployments = new DeploymentRules(this.book, deps, opts);
    this.deployer = new AutoDeployer(opts.autoDeployDelayMs, (apiId, due, up) =>
      deps.exclusive(apiId, () => this.autoDeploy(apiId, due, up)),
    );
    const id = (r: Request) => lastSegmentOf(r.path);
    this.handlers = {
      GetStages: (r, _b, up) => this.list(r.apiId, r.path, up),
      CreateStage: (r, b, up) => this.create(r.apiId, b, up),
      GetStage: async (r, _b, up) => this.found(await this.find(r.apiId, id(r), up)),
      UpdateStage: (r, b, up) => this.update(r.apiId, id(r), b, up),
      DeleteStage: (r, _b, up) => this.delete(r.apiId, id(r), up),
      DeleteRouteSettings: (r, _b, up) => this.deleteRouteSettings(r.apiId, r.path, up),
      GetDeployments: (r, _b, up) => this.deployments.list(r.apiId, r.path, up),
      CreateDeployment: (r, b, up) => this.deployments.create(r.apiId, b, up),
      GetDeployment: (r, _b, up) => this.deployments.get(r.apiId, id(r), up),
      UpdateDeployment: (r, b, up) => this.deployments.update(r.apiId, id(r), b, up),
      DeleteDeployment: (r, _b, up) => this.deployments.delete(r.apiId, id(r), up),
    };
  }

  /** Answers one stage or deployment operation (operations.ts STAGE_OPERATIONS). */
  handle(req: Request, body: Buffer, up: Upstream): Promise<Exchange> {
    const handler = this.handlers[req.operation];
    if (!handler) throw new Error(`not a stage operation: ${req.operation}`);
    return handler(req, body, up);
  }

  /** A route or integration of the API changed: its auto-deploying stages deploy shortly. */
  routingChanged(apiId: string, up: Upstream): void {
    if (this.book.stages(apiId).some((s) => s.autoDeploy === true)) this.deployer.schedule(apiId, 'all', up);
  }

  /** Quick create made an API: its `$default` stage, managed by API Gateway and auto-deploying. */
  quickCreated(apiId: string, up: Upstream): void {
    const stage = newStage({ stageName: '$default', autoDeploy: true }, 'HTTP', awsTime(Date.now()));
    this.book.putStage(apiId, { ...stage, apiGatewayManaged: true });
    this.deployer.schedule(apiId, new Set(['$default']), up);
  }

  served(apiId: string, stageName: string): Served | undefined {
    return this.book.served(apiId, stageName);
  }

  /** Everything of a deleted API. */
  forget(apiId: string): void {
    this.book.forget(apiId);
    this.deployer.cancel(apiId);
  }

  close(): void {
    this.deployer.close();
  }

  // ---- stages ----

  private found(stage: Json | Exchange): Exchange {
    return isExchange(stage) ? stage : composed(200, stage);
  }

  /** The stage, or AWS's 404 for an unknown API or stage. */
  private async find(apiId: string, name: string, up: Upstream): Promise<Json | Exchange> {
    const protocol = await this.deps.protocolOf(apiId, up);
    if (typeof protocol !== 'string') return protocol;
    return this.book.stage(apiId, name) ?? notFound(stageNotFoundMessage(name));
  }

  private async list(apiId: string, path: string, up: Upstream): Promise<Exchange> {
    const protocol = await this.deps.protocolOf(apiId, up);
    if (typeof protocol !== 'string') return protocol;
    const page = pagedItems(this.book.stages(apiId), path, this.opts.pageSize);
    return page ? composed(200, page) : badRequest(INVALID_TOKEN_MESSAGE);
  }

  /**
   * What AWS refuses in a stage body whatever the stage: execution-log settings on an HTTP API
   * (400), route settings for a key no route has (404), a deploymentId the API does not have (404,
   * the API reference's NotFoundException for both operations; the exact answer is not established,
   * and a 404 an adapter could take for "the stage is gone" is the harder one).
   */
  private async bodyRefusal(apiId: string, sent: Json, protocol: string, up: Upstream): Promise<Exchange | undefined> {
    const logs = executionLogsProblem(sent, protocol);
    if (logs) return badRequest(logs);
    if (isObject(sent.routeSettings) && Object.keys(sent.routeSettings).length > 0) {
      const routes = await readItems(up, `${apiPath(apiId)}/routes`, apiNotFoundMessage(apiId));
      if (!Array.isArray(routes)) return routes;
      const unknown = unknownRouteKey(sent, new Set(routes.map((r) => String(r.routeKey))));
      if (unknown !== undefined) return notFound(routeSettingsKeyMessage(unknown));
    }
    const deploymentId = sent.deploymentId;
    if (deploymentId !== undefined && !this.book.deployment(apiId, String(deploymentId)))
      return notFound(deploymentNotFoundMessage(String(deploymentId)));
    return undefined;
  }

  /**
   * CreateStage: 201 with the stage (moto answers 200, and replaces a stage with the same name). A
   * deploymentId is taken together with autoDeploy true: the stage in
   * hashicorp/terraform-provider-aws#13801 had both and was refused only for its execution-log
   * settings; that AWS takes it is not established, and the auto deployment replaces it shortly.
   */
  private async create(apiId: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const protocol = await this.deps.protocolOf(apiId, up);
    if (typeof protocol !== 'string') return protocol;
    const sent = parseObject(body) ?? {};
    const badName = stageNameProblem(sent.stageName, protocol);
    if (badName) return badRequest(badName);
    if (this.book.stage(apiId, String(sent.stageName)))
      return answer('fidelity_key_exists', 409, 'ConflictException', STAGE_EXISTS_MESSAGE);
    if (this.book.stages(apiId).length >= this.opts.stagesPerApi)
      return answer('fidelity_quota', 429, 'ConflictException', STAGES_QUOTA_MESSAGE);
    const refused = await this.bodyRefusal(apiId, sent, protocol, up);
    if (refused) return refused;
    const stage = newStage(sent, protocol, awsTime(Date.now()));
    this.book.putStage(apiId, stage);
    if (stage.autoDeploy === true) this.deployer.schedule(apiId, new Set([String(stage.stageName)]), up);
    return composed(201, stage);
  }

  /**
   * UpdateStage (moto has none: a 500): merges as AWS does (mergeStageUpdate); refuses a managed
   * stage, and a deploymentId on a stage that is or becomes auto-deploying. Switching autoDeploy on
   * deploys the stage shortly, as any change does to an auto-deploying stage.
   */
  private async update(apiId: string, name: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const protocol = await this.deps.protocolOf(apiId, up);
    if (typeof protocol !== 'string') return protocol;
    const current = this.book.stage(apiId, name);
    if (!current) return notFound(stageNotFoundMessage(name));
    if (current.apiGatewayManaged === true) return badRequest(managedStageMessage(name));
    const sent = parseObject(body) ?? {};
    const autoDeploy = typeof sent.autoDeploy === 'boolean' ? sent.autoDeploy : current.autoDeploy === true;
    if (autoDeploy && sent.deploymentId !== undefined) return badRequest(AUTO_DEPLOY_DEPLOYMENT_ID_MESSAGE);
    const refused = await this.bodyRefusal(apiId, sent, protocol, up);
    if (refused) return refused;
    const merged = mergeStageUpdate(current, sent, awsTime(Date.now()));
    this.book.putStage(apiId, merged);
    if (autoDeploy && current.autoDeploy !== true) this.deployer.schedule(apiId, new Set([name]), up);
    return composed(200, merged);
  }

  /** DeleteStage: 204 (moto deletes an unknown stage with 200; AWS answers 404); managed stages stay. */
  private async delete(apiId: string, name: string, up: Upstream): Promise<Exchange> {
    const stage = await this.find(apiId, name, up);
    if (isExchange(stage)) return stage;
    if (stage.apiGatewayManaged === true) return badRequest(managedStageMessage(name));
    this.book.deleteStage(apiId, name);
    return composed(204);
  }

  /**
   * DeleteRouteSettings: the way to remove a route's settings, since UpdateStage merges them
   * (terraform-provider-aws's aws_apigatewayv2_stage deletes removed keys this way and takes a
   * NotFoundException as done). A key the stage has no settings for is answered 404.
   */
  private async deleteRouteSettings(apiId: string, path: string, up: Upstream): Promise<Exchange> {
    const [name, routeKey] = routeSettingsOf(path);
    const stage = await this.find(apiId, name, up);
    if (isExchange(stage)) return stage;
    const settings = isObject(stage.routeSettings) ? stage.routeSettings : {};
    if (!(routeKey in settings)) return notFound(routeSettingsKeyMessage(routeKey));
    const { [routeKey]: _gone, ...rest } = settings;
    this.book.putStage(apiId, { ...stage, routeSettings: rest, lastUpdatedDate: awsTime(Date.now()) });
    return composed(204);
  }

  // ---- auto deployments ----

  /**
   * Deploys the due auto-deploying stages from one snapshot taken now: each gets a deployment of
   * its own (autoDeployed true) and says so in lastDeploymentStatusMessage; with no routes nothing
   * is deployed and the stage says why, keeping what it served.
   */
  private async autoDeploy(apiId: string, due: DueStages, up: Upstream): Promise<void> {
    const isDue = (s: Json) => s.autoDeploy === true && (due === 'all' || due.has(String(s.stageName)));
    if (!this.book.stages(apiId).some(isDue)) return;
    const protocol = await this.deps.protocolOf(apiId, up);
    if (typeof protocol !== 'string') return;
    const snapshot = await this.deps.snapshot(apiId, up);
    if (isExchange(snapshot)) return;
    const now = awsTime(Date.now());
    for (const stage of this.book.stages(apiId).filter(isDue)) {
      if (snapshot.routes.length === 0) {
        const failed = failedStatusMessage(noRoutesMessage(protocol));
        this.book.putStage(apiId, { ...stage, lastDeploymentStatusMessage: failed });
        continue;
      }
      const made = this.deployments.record(apiId, snapshot, {
        description: AUTO_DEPLOY_DESCRIPTION,
        autoDeployed: true,
      });
      const id = String(made.view.deploymentId);
      this.book.putStage(apiId, {
        ...stage,
        deploymentId: id,
        lastDeploymentStatusMessage: deployedStatusMessage(id),
        lastUpdatedDate: now,
      });
    }
  }
}
