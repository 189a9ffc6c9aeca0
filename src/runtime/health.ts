// The probe and metrics HTTP endpoints, shaped like controller-runtime's: /healthz and /readyz
// with named checks (`?verbose` lists them, `?exclude=name` skips one, `/readyz/<name>` runs one),
// and /metrics from a prom-client Registry. node:http is enough; no framework needed. Like
// controller-runtime, the aggregate report withholds failure reasons (probe ports are usually
// unauthenticated); they go to the log, and a single-check URL shows its own. A check registered
// with `showFailure` has its reason in the aggregate too: one whose reason is safe to show and is
// what a person asking /readyz needs (e.g. the operator's AWS credentials do not work).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { silentLogger, type Logger } from './log.ts';

/** Passes unless it returns false or throws (the error message is the reason: logged, and shown by `/<root>/<name>`). */
export type Check = () => boolean | void | Promise<boolean | void>;

export interface ProbeServerOptions {
  /** Serve /metrics from this registry. */
  registry?: Registry;
  /** Failing checks are logged with their reason; the aggregate response withholds it. */
  logger?: Logger;
}

/** ":8081" → all interfaces; "127.0.0.1:0" → loopback, any port; "0" or "" → disabled. */
export function parseBindAddress(address: string): { host: string | undefined; port: number } | undefined {
  const a = address.trim();
  if (a === '' || a === '0') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(a);
  if (!m) throw new RangeError(`invalid bind address "${address}": want host:port, :port or 0`);
  const port = Number(m[3]);
  if (port > 65535) throw new RangeError(`invalid port in bind address "${address}"`);
  return { host: m[1] ?? (m[2] || undefined), port };
}

async function runCheck(check: Check): Promise<string | undefined> {
  try {
    const ok = await check();
    return ok === false ? 'check returned false' : undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export class ProbeServer {
  private readonly healthz = new Map<string, Check>();
  private readonly readyz = new Map<string, Check>();
  /** Checks whose failure reasons the aggregate report shows. */
  private readonly shown = new Set<string>();
  private readonly registry: Registry | undefined;
  private readonly log: Logger;
  private server: Server | undefined;

  constructor(opts: ProbeServerOptions = {}) {
    this.registry = opts.registry;
    this.log = (opts.logger ?? silentLogger()).child({ component: 'probes' });
  }

  addHealthzCheck(name: string, check: Check): void {
    this.healthz.set(name, check);
  }

  addReadyzCheck(name: string, check: Check, opts: { showFailure?: boolean } = {}): void {
    this.readyz.set(name, check);
    if (opts.showFailure) this.shown.add(name);
  }

  /** Starts listening; resolves the bound port, or undefined when the address disables it. */
  async listen(address: string): Promise<number | undefined> {
    const bind = parseBindAddress(address);
    if (!bind) return undefined;
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(bind.port, bind.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://probe');
    const [, root, name, extra] = url.pathname.split('/');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    if (url.pathname === '/metrics' && this.registry) return sendMetrics(res, this.registry);
    const checks = root === 'healthz' ? this.healthz : root === 'readyz' ? this.readyz : undefined;
    if (!checks || extra !== undefined) return send(res, 404, 'not found\n');
    if (name) return checkOne(res, checks, name);
    await this.report(res, root!, checks, url.searchParams);
  }

  /** All checks but the excluded ones; the list only when something failed or `verbose` asks for it. */
  private async report(
    res: ServerResponse,
    root: string,
    checks: Map<string, Check>,
    params: URLSearchParams,
  ): Promise<void> {
    const excluded = new Set(params.getAll('exclude'));
    const verbose = params.has('verbose');
    const names = [...checks.keys()].filter((n) => !excluded.has(n)).sort();
    const results = await Promise.all(names.map(async (n) => ({ name: n, failure: await runCheck(checks.get(n)!) })));
    const failed = results.some((r) => r.failure !== undefined);
    for (const r of results)
      if (r.failure !== undefined) this.log.info({ check: r.name, failure: r.failure }, `${root} check failed`);
    if (!failed && !verbose) return send(res, 200, 'ok');
    const lines = results.map((r) => {
      if (r.failure === undefined) return `[+]${r.name} ok`;
      const shown = root === 'readyz' && this.shown.has(r.name);
      return `[-]${r.name} failed: ${shown ? r.failure.replace(/\s+/g, ' ') : 'reason withheld'}`;
    });
    lines.push(failed ? `${root} check failed` : `${root} check passed`);
    send(res, failed ? 500 : 200, `${lines.join('\n')}\n`);
  }
}

async function sendMetrics(res: ServerResponse, registry: Registry): Promise<void> {
  const body = await registry.metrics();
  res.writeHead(200, { 'Content-Type': registry.contentType });
  res.end(body);
}

async function checkOne(res: ServerResponse, checks: Map<string, Check>, name: string): Promise<void> {
  const check = checks.get(name);
  if (!check) return send(res, 404, `no check named ${name}\n`);
  const failure = await runCheck(check);
  return failure === undefined ? send(res, 200, 'ok') : send(res, 500, `internal server error: ${failure}\n`);
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}
