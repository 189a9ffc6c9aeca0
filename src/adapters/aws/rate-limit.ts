// The gateway's view of the shared AWS call budget: one bucket per (account, region), taken before
// every call, slowed when AWS throttles. The runtime's token buckets implement it.
export interface CallBudget {
  take(bucket: string, signal?: AbortSignal): Promise<void>;
  throttled(bucket: string): void;
}

export const unlimited: CallBudget = {
  take: async () => {},
  throttled: () => {},
};

/** Observes every AWS call for metrics: operation, outcome (ok, not_found or an error kind) and duration. */
export type CallObserver = (operation: string, outcome: string, seconds: number) => void;
