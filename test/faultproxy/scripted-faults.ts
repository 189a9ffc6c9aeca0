// Faults the proxy injects by rule rather than by draw, each off unless a test turns it on: things
// real API Gateway has been seen to do, or may do, only sometimes, so that a fix for them can be
// proved against the test bed. The proxy (proxy.ts) decides when each applies.
import type { ItemKind } from './operations.ts';
import { isObject, type Json } from './wire.ts';

const idOf = (kind: ItemKind, item: Json): unknown => (kind === 'integration' ? item.integrationId : item.routeId);

/**
 * Creates that reads do not see yet (FaultProxyOptions.notVisibleForMs): for a while after a create
 * succeeded, GetIntegration / GetRoute of its id answers 404 and listings leave it out, while every
 * other call meets it (the emulator holds it: a second CreateRoute with its key is refused). No AWS
 * document says whether API Gateway's reads are consistent right after a write, and no public report
 * of such a 404 was found; this is the eventual-consistency case a client must survive without
 * creating the thing twice.
 */
export class NotYetVisible {
  private readonly until = new Map<string, number>();

  private key = (apiId: string, kind: ItemKind, id: unknown) => `${apiId}/${kind}/${String(id)}`;

  /** Notes a create's answer (its JSON body): hidden from reads until `now + forMs`. */
  created(apiId: string, kind: ItemKind, answer: Json | undefined, forMs: number, now: number): void {
    const id = answer ? idOf(kind, answer) : undefined;
    if (forMs > 0 && typeof id === 'string') this.until.set(this.key(apiId, kind, id), now + forMs);
  }

  hides(apiId: string, kind: ItemKind, id: unknown, now: number): boolean {
    const key = this.key(apiId, kind, id);
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(key);
    return false;
  }

  /** A listing page without what is not visible yet (a page may come out short, as AWS's may). */
  listing(apiId: string, kind: ItemKind, page: Json, now: number): Json {
    if (this.until.size === 0 || !Array.isArray(page.items)) return page;
    const items = (page.items as unknown[]).filter((i) => !isObject(i) || !this.hides(apiId, kind, idOf(kind, i), now));
    return { ...page, items };
  }
}

/**
 * A private integration's create refused for a moment: "BadRequestException: Unable to retrieve
 * listener port and load balancer DNS name from ELB listener", seen "sometimes (not always)" on
 * CreateIntegration with connectionType VPC_LINK while other integrations on the same load balancer
 * succeeded (terraform-provider-aws#22590). A 400 that goes away on retry.
 */
export const ELB_LISTENER_MESSAGE = 'Unable to retrieve listener port and load balancer DNS name from ELB listener';

/** FaultProxyOptions.transientElbFailures: the first N VPC_LINK creates are refused, unapplied. */
export class TransientElbFailures {
  private left: number;

  constructor(count: number | undefined) {
    this.left = count ?? 0;
  }

  /** True when this request is one of those refused (and counts it). */
  refuses(operation: string, body: Json | undefined): boolean {
    if (this.left <= 0 || operation !== 'CreateIntegration' || body?.connectionType !== 'VPC_LINK') return false;
    this.left--;
    return true;
  }
}
