// What the fidelity rules keep about stages and deployments, per API: the stages as AWS reports
// them, and each deployment with the snapshot of routes and integrations it was made from, so the
// proxy can say what a stage serves. Plain state, no rules (stage-rules.ts) and no I/O.
import { randomInt } from 'node:crypto';
import type { Json } from './wire.ts';

/** The routes and integrations of an API at one moment, as AWS reports them. */
export interface Snapshot {
  routes: Json[];
  integrations: Json[];
}

export interface Deployment {
  /** The deployment as GetDeployment answers it. */
  view: Json;
  snapshot: Snapshot;
}

/** What a stage serves: its deployment's snapshot. */
export interface Served extends Snapshot {
  deploymentId: string;
  autoDeployed: boolean;
}

interface ApiBook {
  stages: Map<string, Json>;
  deployments: Map<string, Deployment>;
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A deployment id shaped like AWS's: six lowercase letters and digits ("dty748", "0hucor"). */
export function newDeploymentId(): string {
  return Array.from({ length: 6 }, () => ID_CHARS[randomInt(ID_CHARS.length)]).join('');
}

export class StageBook {
  private readonly apis = new Map<string, ApiBook>();

  private of(apiId: string): ApiBook {
    let book = this.apis.get(apiId);
    if (!book) {
      book = { stages: new Map(), deployments: new Map() };
      this.apis.set(apiId, book);
    }
    return book;
  }

  /** Stages in creation order. */
  stages(apiId: string): Json[] {
    return [...(this.apis.get(apiId)?.stages.values() ?? [])];
  }

  stage(apiId: string, name: string): Json | undefined {
    return this.apis.get(apiId)?.stages.get(name);
  }

  /** Stores a stage, keeping its place in the listing when it is replaced by an update. */
  putStage(apiId: string, stage: Json): void {
    this.of(apiId).stages.set(String(stage.stageName), stage);
  }

  deleteStage(apiId: string, name: string): void {
    this.apis.get(apiId)?.stages.delete(name);
  }

  /** Deployments in creation order. */
  deployments(apiId: string): Deployment[] {
    return [...(this.apis.get(apiId)?.deployments.values() ?? [])];
  }

  deployment(apiId: string, id: string): Deployment | undefined {
    return this.apis.get(apiId)?.deployments.get(id);
  }

  addDeployment(apiId: string, deployment: Deployment): void {
    this.of(apiId).deployments.set(String(deployment.view.deploymentId), deployment);
  }

  deleteDeployment(apiId: string, id: string): void {
    this.apis.get(apiId)?.deployments.delete(id);
  }

  /** Everything of a deleted API. */
  forget(apiId: string): void {
    this.apis.delete(apiId);
  }

  /** What a stage serves, or undefined when the stage or its deployment does not exist. */
  served(apiId: string, stageName: string): Served | undefined {
    const id = this.stage(apiId, stageName)?.deploymentId;
    const deployment = typeof id === 'string' ? this.deployment(apiId, id) : undefined;
    if (!deployment) return undefined;
    return { deploymentId: id as string, autoDeployed: deployment.view.autoDeployed === true, ...deployment.snapshot };
  }
}
