// CreateDeployment, GetDeployment(s), UpdateDeployment and DeleteDeployment, which moto lacks, the
// way API Gateway v2 answers them (API reference
// https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-deployments.html and
// .../apis-apiid-deployments-deploymentid.html). A deployment keeps a snapshot of the API's routes
// and integrations as the emulator holds them when it is made ("A deployment is a snapshot of your
// API configuration", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html),
// so later changes do not reach a stage until its next deployment. The messages and the rules they
// stand for are in stage-rules.ts.
import { INVALID_TOKEN_MESSAGE, pagedItems } from './listings.ts';
import { newDeploymentId, type Deployment, type Snapshot, type StageBook } from './stage-book.ts';
import {
  autoDeployStageMessage,
  awsTime,
  DEPLOYMENT_IN_USE_MESSAGE,
  deploymentNotFoundMessage,
  noRoutesMessage,
  stageNotFoundMessage,
  stagesServing,
} from './stage-rules.ts';
import {
  answer,
  badRequest,
  composed,
  isExchange,
  parseObject,
  type Exchange,
  type Json,
  type Upstream,
} from './wire.ts';

/** What the stage and deployment rules need from the rest of the fidelity layer. */
export interface StageDeps {
  /** The API's protocol, or AWS's 404 for an unknown API. */
  protocolOf(apiId: string, up: Upstream): Promise<string | Exchange>;
  /** The API's routes and integrations as AWS reports them now, or the failure reading them. */
  snapshot(apiId: string, up: Upstream): Promise<Snapshot | Exchange>;
}

export interface DeploymentOptions {
  pageSize: number;
  /** Shortest time between two CreateDeployment calls; 0 for no limit. */
  createDeploymentIntervalMs: number;
}

/**
 * The throttling answer to a CreateDeployment sooner than createDeploymentIntervalMs after the
 * last. "Amazon API Gateway quotas" lists CreateDeployment at "1 request every 5 seconds per
 * account" (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html), but links the
 * REST API's CreateDeployment and marks only VPC link rows "(V2)": whether v2 deployments fall under
 * it is not established, so the limit is off unless asked for. The answer is the proxy's usual
 * throttling one (429 TooManyRequestsException, random-faults.ts).
 */
const THROTTLED = answer('fidelity_throttled', 429, 'TooManyRequestsException', 'Too Many Requests');

export class DeploymentRules {
  private readonly book: StageBook;
  private readonly deps: StageDeps;
  private readonly opts: DeploymentOptions;
  private lastCreateAt = Number.NEGATIVE_INFINITY;

  constructor(book: StageBook, deps: StageDeps, opts: DeploymentOptions) {
    this.book = book;
    this.deps = deps;
    this.opts = opts;
  }

  /** Records a deployment made now from `snapshot` (by CreateDeployment or by an auto deployment). */
  record(apiId: string, snapshot: Snapshot, made: { description?: unknown; autoDeployed: boolean }): Deployment {
    const view: Json = {
      deploymentId: newDeploymentId(),
      deploymentStatus: 'DEPLOYED',
      createdDate: awsTime(Date.now()),
      autoDeployed: made.autoDeployed,
      ...(typeof made.description === 'string' && made.description !== '' ? { description: made.description } : {}),
    };
    const deployment = { view, snapshot };
    this.book.addDeployment(apiId, deployment);
    return deployment;
  }

  /**
   * CreateDeployment: 201 with the deployment; with stageName, the stage now serves it (the model:
   * StageName is "The name of the Stage resource for the Deployment resource to create"). Refused:
   * an unknown stage (404), an auto-deploying stage (400), an API without routes (400).
   */
  async create(apiId: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const protocol = await this.deps.protocolOf(apiId, up);
    if (typeof protocol !== 'string') return protocol;
    if (this.throttles()) return THROTTLED;
    const sent = parseObject(body) ?? {};
    const stageName = typeof sent.stageName === 'string' && sent.stageName !== '' ? sent.stageName : undefined;
    const stage = stageName === undefined ? undefined : this.book.stage(apiId, stageName);
    if (stageName !== undefined && !stage)
      return answer('fidelity_not_found', 404, 'NotFoundException', stageNotFoundMessage(stageName));
    if (stage?.autoDeploy === true) return badRequest(autoDeployStageMessage(String(stageName)));
    const snapshot = await this.deps.snapshot(apiId, up);
    if (isExchange(snapshot)) return snapshot;
    if (snapshot.routes.length === 0) return badRequest(noRoutesMessage(protocol));
    const made = this.record(apiId, snapshot, { description: sent.description, autoDeployed: false });
    if (stage)
      this.book.putStage(apiId, {
        ...stage,
        deploymentId: made.view.deploymentId,
        lastUpdatedDate: awsTime(Date.now()),
      });
    return composed(201, made.view);
  }

  private throttles(): boolean {
    const interval = this.opts.createDeploymentIntervalMs;
    if (interval <= 0) return false;
    const now = Date.now();
    if (now - this.lastCreateAt < interval) return true;
    this.lastCreateAt = now;
    return false;
  }

  async list(apiId: string, path: string, up: Upstream): Promise<Exchange> {
    const protocol = await this.deps.protocolOf(apiId, up);
    if (typeof protocol !== 'string') return protocol;
    const views = this.book.deployments(apiId).map((d) => d.view);
    const page = pagedItems(views, path, this.opts.pageSize);
    return page ? composed(200, page) : badRequest(INVALID_TOKEN_MESSAGE);
  }

  /** The deployment, or AWS's 404 for an unknown API or deployment. */
  private async find(apiId: string, id: string, up: Upstream): Promise<Deployment | Exchange> {
    const protocol = await this.deps.protocolOf(apiId, up);
    if (typeof protocol !== 'string') return protocol;
    return (
      this.book.deployment(apiId, id) ??
      answer('fidelity_not_found', 404, 'NotFoundException', deploymentNotFoundMessage(id))
    );
  }

  async get(apiId: string, id: string, up: Upstream): Promise<Exchange> {
    const found = await this.find(apiId, id, up);
    return isExchange(found) ? found : composed(200, found.view);
  }

  /** UpdateDeployment: only the description can change (the model's UpdateDeploymentRequest). */
  async update(apiId: string, id: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const found = await this.find(apiId, id, up);
    if (isExchange(found)) return found;
    const sent = parseObject(body) ?? {};
    if (typeof sent.description === 'string') {
      const { description: _old, ...rest } = found.view;
      found.view = sent.description === '' ? rest : { ...rest, description: sent.description };
    }
    return composed(200, found.view);
  }

  /** DeleteDeployment: 204, refused while a stage serves the deployment (DEPLOYMENT_IN_USE_MESSAGE). */
  async delete(apiId: string, id: string, up: Upstream): Promise<Exchange> {
    const found = await this.find(apiId, id, up);
    if (isExchange(found)) return found;
    if (stagesServing(this.book.stages(apiId), id).length > 0) return badRequest(DEPLOYMENT_IN_USE_MESSAGE);
    this.book.deleteDeployment(apiId, id);
    return composed(204);
  }
}
