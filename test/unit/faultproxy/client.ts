// Raw HTTP calls to a fault proxy for its unit tests: status, error type, JSON body, or the socket
// error when the proxy dropped or lost the answer.
import { request } from 'node:http';

export type Reply = { status: number; type?: string; json: Record<string, unknown>; text: string } | { error: string };

export function call(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve) => {
    const req = request(
      `${base}${path}`,
      { method, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let json: Record<string, unknown> = {};
          try {
            json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            /* not JSON */
          }
          const type = res.headers['x-amzn-errortype'];
          resolve({ status: res.statusCode ?? 0, type: typeof type === 'string' ? type : undefined, json, text });
        });
        res.on('error', (e) => resolve({ error: e.message }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(body === undefined ? '' : JSON.stringify(body));
  });
}

/** The reply's status, error type and message, for one-line assertions. */
export function outcome(r: Reply): { status: number | string; type?: string; message?: unknown } {
  if ('error' in r) return { status: r.error };
  return r.status < 300 ? { status: r.status } : { status: r.status, type: r.type, message: r.json.message };
}

export const json = (r: Reply): Record<string, unknown> => {
  if ('error' in r) throw new Error(`no answer: ${r.error}`);
  return r.json;
};
