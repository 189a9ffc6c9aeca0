// Kubernetes Events for what users should see. Recording never blocks or fails a reconcile, and
// the same (object, reason, message) is not repeated within the de-duplication window.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { EventType } from '../../kind/ports.ts';
import type { Clock } from '../../runtime/clock.ts';
import { KubeRest } from './rest.ts';

/** What an Event names of the object it is about; any of the operator's kinds. */
export interface EventSubject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; uid?: string; resourceVersion?: string };
}

export class KubeEventRecorder {
  private readonly rest: KubeRest;
  private readonly recent = new Map<string, number>();
  private readonly component: string;
  private readonly instance: string;
  private readonly logger: Logger;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private warned = false;

  constructor(
    kc: KubeConfig,
    logger: Logger,
    opts: { clock: Clock; component?: string; instance?: string; windowMs?: number },
  ) {
    this.rest = new KubeRest(kc);
    this.logger = logger;
    this.clock = opts.clock;
    this.component = opts.component ?? 'apigw-operator';
    this.instance = opts.instance ?? 'apigw-operator';
    this.windowMs = opts.windowMs ?? 5 * 60_000;
  }

  record(obj: EventSubject, type: EventType, reason: string, message: string): void {
    const key = `${obj.metadata.uid}|${reason}|${message}`;
    const now = this.clock.now();
    const last = this.recent.get(key);
    if (last !== undefined && now - last < this.windowMs) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) this.prune(now);
    const ts = new Date(now);
    const body = {
      metadata: { generateName: `${obj.metadata.name}.`, namespace: obj.metadata.namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.instance,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
    };
    this.rest
      .request('POST', `/api/v1/namespaces/${encodeURIComponent(obj.metadata.namespace)}/events`, { body })
      .catch((err: unknown) => {
        // Once loudly (a missing RBAC rule should be noticed), then quietly.
        this.logger[this.warned ? 'debug' : 'warn']({ err: String(err), reason }, 'could not record event');
        this.warned = true;
      });
  }

  private prune(now: number): void {
    for (const [k, t] of this.recent) if (now - t >= this.windowMs) this.recent.delete(k);
  }
}
