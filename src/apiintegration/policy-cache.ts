// Function policy reads shared between the objects on one function: many integrations (every
// route of an API, often) invoke one function, and Lambda's control plane has rate limits of its
// own, so one GetPolicy per function, qualifier and identity answers them all until the next drift
// check. A write through here drops the copy, so the operator never acts on its own stale view; a
// failed read is not kept.
import type { Clock } from '../runtime/clock.ts';
import type { FunctionAt, LambdaPolicies, PermissionWrite, PolicyRead } from './permission-ports.ts';
import type { WantedStatement } from './permission.ts';

export interface SharedPoliciesOptions {
  clock: Clock;
  /** How long one read answers: the drift checks of every object on the function within it share it. */
  ttlMs: number;
}

const keyOf = (at: FunctionAt) => `${at.roleArn ?? ''}|${at.fn.functionArn}|${at.fn.qualifier ?? ''}`;

export class SharedPolicies implements LambdaPolicies {
  private readonly inner: LambdaPolicies;
  private readonly opts: SharedPoliciesOptions;
  private readonly reads = new Map<string, { at: number; read: Promise<PolicyRead> }>();
  private readonly accounts = new Map<string, Promise<string>>();

  constructor(inner: LambdaPolicies, opts: SharedPoliciesOptions) {
    this.inner = inner;
    this.opts = opts;
  }

  /** An identity's account does not change: asked once, unless the asking failed. */
  accountOf(roleArn: string | undefined, signal?: AbortSignal): Promise<string> {
    const key = roleArn ?? '';
    let held = this.accounts.get(key);
    if (!held) {
      held = this.inner.accountOf(roleArn, signal);
      this.accounts.set(key, held);
      held.catch(() => this.accounts.delete(key));
    }
    return held;
  }

  getPolicy(at: FunctionAt, signal?: AbortSignal, fresh?: boolean): Promise<PolicyRead> {
    const key = keyOf(at);
    const now = this.opts.clock.now();
    const hit = this.reads.get(key);
    if (hit && !fresh && now - hit.at < this.opts.ttlMs) return hit.read;
    const read = this.inner.getPolicy(at, signal);
    const entry = { at: now, read };
    this.reads.set(key, entry);
    read.catch(() => {
      if (this.reads.get(key) === entry) this.reads.delete(key);
    });
    for (const [k, v] of this.reads) if (now - v.at >= this.opts.ttlMs) this.reads.delete(k);
    return read;
  }

  addPermission(at: FunctionAt, statement: WantedStatement, signal?: AbortSignal): Promise<PermissionWrite> {
    return this.writing(at, () => this.inner.addPermission(at, statement, signal));
  }

  removePermission(at: FunctionAt, statementId: string, signal?: AbortSignal): Promise<PermissionWrite> {
    return this.writing(at, () => this.inner.removePermission(at, statementId, signal));
  }

  private async writing<R>(at: FunctionAt, write: () => Promise<R>): Promise<R> {
    this.reads.delete(keyOf(at));
    try {
      return await write();
    } finally {
      this.reads.delete(keyOf(at));
    }
  }
}
