// The krew plugin `apigw`: plugins/apigw.yaml passes krew's own manifest validator, and a manifest
// filled for this checkout (hack/krew-archive.sh's archives, hack/krew-manifest.ts's sums) installs
// on every platform it names through `kubectl krew install`, which the validator runs against the
// archives served on a loopback port. Both krew binaries are built by hack/build-tools.sh.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { findReleaseTools, type ReleaseTools } from '../../testbed/tools.ts';
import { networkEnv, ok, packCheckout, PATH_WITH_NODE, ROOT, run } from '../../support/npm-pack.ts';

const VERSION = `v${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}`;
const work = mkdtempSync(join(tmpdir(), 'apigw-krew-'));
const archives = join(work, 'archives');
const unpacked = join(work, 'unpacked');
/** kubectl-krew (krew runs as a kubectl plugin) for the validator's `kubectl krew install`. */
const krewBin = join(work, 'bin');

/** Commands run through the unpacked archive's launcher, reached by a link as krew links it. */
const PLUGIN_COMMANDS: { args: string[]; code: number; says: RegExp }[] = [
  { args: ['--help'], code: 0, says: /kubectl apigw why KIND\/NAME/ },
];

let tools: ReleaseTools;
let server: Server;
let baseUrl: string;

/** Asynchronous: the archives are served from this process, whose event loop must keep running. */
function validateManifest(manifest: string, ...flags: string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(
      tools.validateKrewManifest,
      ['-manifest', manifest, ...flags],
      { cwd: work, timeout: 300_000, env: { ...networkEnv(), PATH: `${krewBin}:${PATH_WITH_NODE}`, HOME: work } },
      (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

beforeAll(async () => {
  tools = findReleaseTools();
  mkdirSync(krewBin);
  symlinkSync(tools.krew, join(krewBin, 'kubectl-krew'));
  const { tgz } = packCheckout(work);
  ok(run('bash', [join(ROOT, 'hack', 'krew-archive.sh'), archives, tgz], ROOT, 300_000), 'hack/krew-archive.sh');
  server = createServer((req, res) => {
    try {
      res.end(readFileSync(join(archives, basename(req.url ?? ''))));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mkdirSync(unpacked);
  ok(run('tar', ['-xzf', join(archives, `kubectl-apigw_${VERSION}_linux_amd64.tar.gz`), '-C', unpacked], work), 'tar');
}, 480_000);

afterAll(() => {
  server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the krew plugin apigw', () => {
  it('plugins/apigw.yaml passes validate-krew-manifest: Linux and macOS on amd64 and arm64, Node.js in the caveats', async () => {
    const r = await validateManifest(join(ROOT, 'plugins', 'apigw.yaml'), '-skip-install');
    expect(r).toEqual({ code: 0, out: expect.stringContaining('no overlapping') });
    const plugin = parse(readFileSync(join(ROOT, 'plugins', 'apigw.yaml'), 'utf8')) as {
      spec: { version: string; caveats: string; platforms: { selector: { matchLabels: object }; bin: string }[] };
    };
    expect(plugin.spec.version).toBe(VERSION);
    expect(plugin.spec.caveats).toMatch(/Node\.js 24 or newer/);
    expect(plugin.spec.platforms.map((p) => p.selector.matchLabels)).toEqual([
      { os: 'linux', arch: 'amd64' },
      { os: 'linux', arch: 'arm64' },
      { os: 'darwin', arch: 'amd64' },
      { os: 'darwin', arch: 'arm64' },
    ]);
    expect(new Set(plugin.spec.platforms.map((p) => p.bin))).toEqual(new Set(['kubectl-apigw']));
  });

  it('installs from the archives with their sha256 on every platform, as krew installs it', async () => {
    const dir = join(work, 'release');
    mkdirSync(dir);
    const manifest = join(dir, 'apigw.yaml');
    const filled = ok(
      run(
        'node',
        [join(ROOT, 'hack', 'krew-manifest.ts'), '--version', VERSION, '--base-url', baseUrl, '--archives', archives],
        ROOT,
      ),
      'hack/krew-manifest.ts',
    );
    writeFileSync(manifest, filled);
    const sums = readFileSync(join(archives, 'sha256sums.txt'), 'utf8');
    for (const p of (parse(filled) as { spec: { platforms: { uri: string; sha256: string }[] } }).spec.platforms)
      expect(sums).toContain(`${p.sha256}  ${basename(p.uri)}`);
    expect(await validateManifest(manifest)).toEqual({
      code: 0,
      out: expect.stringContaining('all 4 spec.platforms installed fine'),
    });
  });

  it('holds the compiled plugin with its dependencies, LICENSE, and an executable launcher', () => {
    expect(statSync(join(unpacked, 'kubectl-apigw')).mode & 0o111).toBe(0o111);
    expect(statSync(join(unpacked, 'LICENSE')).isFile()).toBe(true);
    for (const f of ['dist/src/main.js', 'node_modules/yaml/package.json', 'package.json'])
      expect(statSync(join(unpacked, 'apigw-operator', f)).isFile()).toBe(true);
    const links = join(work, 'krew-bin');
    mkdirSync(links);
    symlinkSync(join(unpacked, 'kubectl-apigw'), join(links, 'kubectl-apigw'));
    for (const c of PLUGIN_COMMANDS) {
      const r = run(join(links, 'kubectl-apigw'), c.args, work);
      expect({ code: r.status, stderr: r.stderr }).toEqual({ code: c.code, stderr: '' });
      expect(r.stdout).toMatch(c.says);
    }
  });

  it('says Node.js 24 is needed when the node on PATH is older', () => {
    const oldNode = join(work, 'old-node');
    mkdirSync(oldNode);
    writeFileSync(join(oldNode, 'node'), '#!/bin/sh\ncase "$1" in -p) echo 20 ;; *) echo v20.19.5 ;; esac\n');
    chmodSync(join(oldNode, 'node'), 0o755);
    const r = run(join(unpacked, 'kubectl-apigw'), ['--help'], work, 10_000, `${oldNode}:/usr/bin:/bin`);
    expect(r.status).toBe(127);
    expect(r.stderr).toMatch(/Node\.js 24 or newer must be on PATH; found v20\.19\.5/);
  });
});
