// Creates the proxy holds back on purpose: the waiting room behind FaultProxyOptions.lateCreate. A
// held create is applied once the next listing on its API has been answered (its last page, or with
// `betweenPages` its first page, before the client can ask for the next one), after its longest hold
// when no listing comes, or dropped when the proxy closes. The page that releases a create is passed
// on only once that create is applied, so "after the listing" and "between two pages" are exact.
interface Held {
  apiId: string;
  betweenPages: boolean;
  apply: () => Promise<void>;
  drop: () => void;
  timer: NodeJS.Timeout;
}

export class HeldCreates {
  private readonly held = new Set<Held>();

  /** Holds a create: `apply` runs when it is released, `drop` when the proxy closes first. */
  hold(
    apiId: string,
    opts: { maxDelayMs: number; betweenPages: boolean },
    apply: () => Promise<void>,
    drop: () => void,
  ): void {
    const h = { apiId, betweenPages: opts.betweenPages, apply, drop } as Held;
    h.timer = setTimeout(() => void this.release(h), opts.maxDelayMs);
    this.held.add(h);
  }

  /**
   * A page of a listing on `apiId` is about to be answered; `last` when it carries no nextToken.
   * Resolves once the creates it releases are applied.
   */
  async pageAnswered(apiId: string, last: boolean): Promise<void> {
    const released = [...this.held].filter((h) => h.apiId === apiId && (last || h.betweenPages));
    await Promise.all(released.map((h) => this.release(h)));
  }

  private release(h: Held): Promise<void> {
    if (!this.held.delete(h)) return Promise.resolve();
    clearTimeout(h.timer);
    return h.apply();
  }

  close(): void {
    for (const h of [...this.held]) {
      this.held.delete(h);
      clearTimeout(h.timer);
      h.drop();
    }
  }
}
