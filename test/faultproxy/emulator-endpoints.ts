// The test bed's own read endpoints on the proxy, under /__emulator/ so they can never be taken for
// an AWS call (they are not counted, faulted or throttled): what a stage serves, from its
// deployment's snapshot, which tests and the demo read to prove a change is live, not just stored.
//   GET /__emulator/served/{apiId}/{stageName} → 200 {deploymentId, autoDeployed, routes, integrations}
//                                                404 {message} when the stage serves no deployment
import type { ServerResponse } from 'node:http';
import type { Served } from './stage-book.ts';

export const EMULATOR_PREFIX = '/__emulator/';

/** What the endpoints read: the fidelity layer, absent when it is off (then nothing is deployed). */
export interface ServedSource {
  served(apiId: string, stageName: string): Served | undefined;
}

function send(res: ServerResponse, status: number, json: unknown): void {
  const text = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** A path segment decoded; a malformed escape is kept as sent (it then names nothing). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Answers a request under EMULATOR_PREFIX. */
export function answerEmulatorRead(
  method: string,
  url: string,
  source: ServedSource | undefined,
  res: ServerResponse,
): void {
  const parts = url.split('?', 1)[0]!.slice(EMULATOR_PREFIX.length).split('/').map(decoded);
  const [what, apiId, stageName] = parts;
  if (method !== 'GET' || what !== 'served' || parts.length !== 3 || !apiId || !stageName)
    return send(res, 404, { message: `no emulator endpoint ${method} ${url}` });
  if (!source) return send(res, 404, { message: 'the fidelity rules are off: no stage serves anything' });
  const served = source.served(apiId, stageName);
  if (!served) return send(res, 404, { message: `stage ${stageName} of API ${apiId} serves no deployment` });
  send(res, 200, served);
}
