// When auto-deploying stages deploy: a short while after a change, as API Gateway does for a stage
// with autoDeploy ("If you enable automatic deployments, changes to an API are automatically
// released for you", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html).
// The first change on an API starts its timer; later changes before it fires ride along, since the
// deployment snapshots the API when the timer fires. How long AWS waits is not documented; the
// delay is an option so tests can make it short.
import type { Upstream } from './wire.ts';

/** Which stages of an API are due: every auto-deploying stage, or the ones named. */
export type DueStages = 'all' | Set<string>;

interface Pending {
  timer: NodeJS.Timeout;
  due: DueStages;
  /** The client request's credentials, which moto needs to find the API's account and region. */
  up: Upstream;
}

export type DeployRun = (apiId: string, due: DueStages, up: Upstream) => Promise<void>;

export class AutoDeployer {
  private readonly pending = new Map<string, Pending>();
  private readonly delayMs: number;
  private readonly run: DeployRun;

  constructor(delayMs: number, run: DeployRun) {
    this.delayMs = delayMs;
    this.run = run;
  }

  /** Asks for a deployment of `due` stages of the API after the delay (joining one already asked for). */
  schedule(apiId: string, due: DueStages, up: Upstream): void {
    const waiting = this.pending.get(apiId);
    if (waiting) {
      waiting.due = waiting.due === 'all' || due === 'all' ? 'all' : new Set([...waiting.due, ...due]);
      return;
    }
    const timer = setTimeout(() => void this.fire(apiId), this.delayMs);
    timer.unref();
    this.pending.set(apiId, { timer, due, up });
  }

  private async fire(apiId: string): Promise<void> {
    const p = this.pending.get(apiId);
    if (!p) return;
    this.pending.delete(apiId);
    try {
      await this.run(apiId, p.due, p.up);
    } catch (err) {
      // The emulator is gone or the API with it; nothing is left to deploy.
      process.stderr.write(
        `fidelity: auto deployment of ${apiId} failed: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
  }

  /** Drops what an API was due (it was deleted). */
  cancel(apiId: string): void {
    const p = this.pending.get(apiId);
    if (p) clearTimeout(p.timer);
    this.pending.delete(apiId);
  }

  close(): void {
    for (const apiId of [...this.pending.keys()]) this.cancel(apiId);
  }
}
