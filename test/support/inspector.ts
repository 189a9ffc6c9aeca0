// A minimal Chrome DevTools Protocol client for a process started with --inspect: force a full
// garbage collection and read the heap, so memory checks measure what is still reachable.
/** A minimal Chrome DevTools Protocol session with a process started with --inspect. */
export interface InspectorSession {
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  close(): void;
}

export async function inspect(port: number): Promise<InspectorSession> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`cannot reach the inspector on port ${port}`));
  });
  let seq = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.onmessage = (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const p = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id!);
    if (msg.error) p.reject(new Error(msg.error.message));
    else p.resolve(msg.result);
  };
  return {
    send: <T>(method: string, params: Record<string, unknown> = {}) =>
      new Promise<T>((resolve, reject) => {
        const id = ++seq;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** Heap and RSS of the inspected process right after a full garbage collection. */
export async function memoryAfterGc(
  session: InspectorSession,
): Promise<{ heapUsed: number; rss: number; handles: number }> {
  await session.send('HeapProfiler.collectGarbage');
  const out = await session.send<{ result: { value: string } }>('Runtime.evaluate', {
    expression:
      'JSON.stringify({ heapUsed: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss, handles: process._getActiveHandles().length })',
    returnByValue: true,
  });
  return JSON.parse(out.result.value) as { heapUsed: number; rss: number; handles: number };
}
