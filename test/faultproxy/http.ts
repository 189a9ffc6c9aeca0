// The fault proxy's HTTP plumbing: reading a request body, answering an error the way API Gateway
// shapes one (bare x-amzn-errortype name, JSON body with a message; the terraform-provider-aws#6790
// debug log shows a real one), and one call to the emulator with the client's own headers.
import {
  request as httpRequest,
  type Agent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { randomUUID } from 'node:crypto';
import type { UpstreamReply } from './wire.ts';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
]);

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('client aborted')));
  });
}

export function sendError(res: ServerResponse, status: number, type: string, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomUUID(),
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** One call to the emulator, carrying the client's headers (moto routes by their credential scope). */
export function sendUpstream(
  to: { upstream: string; agent: Agent },
  req: IncomingMessage,
  call: { method: string; path: string; body: Buffer },
): Promise<UpstreamReply> {
  const target = new URL(to.upstream);
  const { method, path, body } = call;
  const headers: IncomingHttpHeaders = { ...req.headers, host: target.host, 'content-length': String(body.length) };
  for (const h of HOP_BY_HOP) delete headers[h];
  return new Promise((resolve, reject) => {
    const up = httpRequest(
      { host: target.hostname, port: target.port, method, path, headers, agent: to.agent, timeout: 60_000 },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('error', reject);
        r.on('end', () => {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(r.headers))
            if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'content-length') out[k] = v;
          resolve({ status: r.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
        });
      },
    );
    up.on('timeout', () => up.destroy(new Error('upstream timeout')));
    up.on('error', reject);
    up.end(body);
  });
}
