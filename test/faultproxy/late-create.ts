// Creates the proxy holds back on purpose until the client has listed again: the waiting room
// behind FaultProxyOptions.lateCreate. A held create is released by the next successful
// GetIntegrations answered on its API, by its longest hold, or (dropped) by the proxy closing.
export class HeldCreates {
  private readonly waiters = new Map<string, Set<(released: boolean) => void>>();

  /** Resolves true after the next answered listing on `apiId` or after `maxDelayMs`; false on close. */
  wait(apiId: string, maxDelayMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const onApi = this.waiters.get(apiId) ?? new Set();
      this.waiters.set(apiId, onApi);
      const release = (released: boolean) => {
        clearTimeout(timer);
        onApi.delete(release);
        resolve(released);
      };
      const timer = setTimeout(() => release(true), maxDelayMs);
      onApi.add(release);
    });
  }

  listingAnswered(apiId: string): void {
    const onApi = this.waiters.get(apiId);
    this.waiters.delete(apiId);
    for (const release of [...(onApi ?? [])]) release(true);
  }

  close(): void {
    for (const onApi of this.waiters.values()) for (const release of [...onApi]) release(false);
    this.waiters.clear();
  }
}
