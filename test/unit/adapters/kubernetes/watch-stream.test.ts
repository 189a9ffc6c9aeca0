// How the watch adapter reads the API server's stream: one JSON event per line, however the bytes
// are cut into chunks; a 410 answer becomes GoneError so the informer relists; the caller's abort
// ends the watch quietly; a line that is not JSON fails the watch instead of dropping an event.
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CustomResourceListWatcher } from '../../../../src/adapters/kubernetes/listwatch.ts';
import { GoneError, type WatchEvent } from '../../../../src/runtime/ports.ts';
import { listenWithKubeConfig } from '../../../support/local-kube.ts';

type Obj = { metadata: { name: string; resourceVersion: string } };
let srv: Server | undefined;

afterEach(async () => {
  srv?.closeAllConnections();
  await new Promise<void>((r) => (srv ? srv.close(() => r()) : r()));
  srv = undefined;
});

async function watcher(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  srv = createServer(handler);
  const kc = await listenWithKubeConfig(srv, 't');
  return new CustomResourceListWatcher<Obj>(kc, { group: 'apigw.dev', version: 'v1alpha1', plural: 'things' });
}

const opts = (signal = new AbortController().signal) => ({
  resourceVersion: '7',
  allowWatchBookmarks: true,
  timeoutSeconds: 300,
  signal,
});
const line = (type: string, name: string, rv: string) =>
  JSON.stringify({ type, object: { metadata: { name, resourceVersion: rv } } }) + '\n';

describe('watch stream', () => {
  it('delivers every event in order when lines are split across chunks, and resolves when the server ends', async () => {
    let url = '';
    const lw = await watcher((req, res) => {
      url = req.url!;
      res.writeHead(200, { 'content-type': 'application/json' });
      const all = line('ADDED', 'a', '8') + line('MODIFIED', 'a', '9') + line('BOOKMARK', '', '10');
      // Cut at awkward places: mid-line, and right after a newline.
      const cuts = [5, all.indexOf('\n') + 1, all.length - 3];
      let at = 0;
      const send = (i: number): void => {
        if (i === cuts.length) return void res.end(all.slice(at));
        res.write(all.slice(at, cuts[i]));
        at = cuts[i]!;
        setTimeout(() => send(i + 1), 5);
      };
      send(0);
    });
    const seen: WatchEvent<Obj>[] = [];
    await lw.watch(opts(), (e) => seen.push(e));
    expect(seen.map((e) => [e.type, (e as { object: Obj }).object.metadata.resourceVersion])).toEqual([
      ['ADDED', '8'],
      ['MODIFIED', '9'],
      ['BOOKMARK', '10'],
    ]);
    expect(url).toBe(
      '/apis/apigw.dev/v1alpha1/things?watch=true&resourceVersion=7&allowWatchBookmarks=true&timeoutSeconds=300',
    );
  });

  it('skips blank lines, accepts CRLF, and delivers a last line the server closed without a newline', async () => {
    const lw = await watcher((_req, res) => {
      res.writeHead(200);
      res.end('\n' + line('ADDED', 'a', '8').replace('\n', '\r\n') + '\r\n\n' + line('MODIFIED', 'a', '9').trimEnd());
    });
    const seen: string[] = [];
    await lw.watch(opts(), (e) => seen.push(`${e.type} ${(e as { object: Obj }).object.metadata.resourceVersion}`));
    expect(seen).toEqual(['ADDED 8', 'MODIFIED 9']);
  });

  it('passes an in-stream ERROR event on with its Status', async () => {
    const lw = await watcher((_req, res) => {
      res.writeHead(200);
      res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }) + '\n');
    });
    const seen: WatchEvent<Obj>[] = [];
    await lw.watch(opts(), (e) => seen.push(e));
    expect(seen).toEqual([expect.objectContaining({ type: 'ERROR', status: expect.objectContaining({ code: 410 }) })]);
  });

  it('rejects with GoneError when the API server answers 410 to the watch request', async () => {
    const lw = await watcher((_req, res) => {
      res.writeHead(410, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' }));
    });
    await expect(lw.watch(opts(), () => undefined)).rejects.toBeInstanceOf(GoneError);
  });

  it("resolves when the caller aborts a stream that is still open, whatever the abort's reason", async () => {
    const lw = await watcher((_req, res) => {
      res.writeHead(200);
      res.write(line('ADDED', 'a', '8'));
    });
    const ctl = new AbortController();
    const seen: string[] = [];
    await lw.watch(opts(ctl.signal), (e) => {
      seen.push(e.type);
      ctl.abort(new Error('watch silent'));
    });
    expect(seen).toEqual(['ADDED']);
  });

  it('fails the watch on a line that is not JSON, rather than skipping an event', async () => {
    const lw = await watcher((_req, res) => {
      res.writeHead(200);
      res.end(line('ADDED', 'a', '8') + '{"type":"MODIFIED","obj\n' + line('MODIFIED', 'a', '9'));
    });
    const seen: string[] = [];
    await expect(lw.watch(opts(), (e) => seen.push(e.type))).rejects.toThrow(SyntaxError);
    expect(seen).toEqual(['ADDED']);
  });
});
