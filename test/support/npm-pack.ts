// `npm pack` of the checkout as a fresh clone has it (tracked files and new ones not yet committed),
// in a copy: the package's prepack rebuilds dist/, which must not change under other tests' feet.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
/** The project's pinned Node first: npm, tsc and the installed bins (`#!/usr/bin/env node`) use it. */
export const PATH_WITH_NODE = `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`;

/**
 * What a child needs of this environment to reach the npm registry: its CA bundle and proxy. The
 * rest is left out, so jest's NODE_OPTIONS and the like never reach the commands under test.
 */
export function networkEnv(): Record<string, string> {
  const keep =
    /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO)_PROXY|npm_config_(cafile|registry|proxy|https_proxy))$/i;
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => keep.test(e[0]) && e[1] !== undefined),
  );
}

export function run(cmd: string, args: string[], cwd: string, timeoutMs = 60_000, path = PATH_WITH_NODE) {
  return spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...networkEnv(), PATH: path, HOME: process.env.HOME ?? cwd, npm_config_update_notifier: 'false' },
  });
}

export function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export interface Packed {
  /** The tarball's path. */
  tgz: string;
  files: { path: string }[];
}

/** Packs a copy of the checkout into `work` (which must exist). */
export function packCheckout(work: string): Packed {
  const checkout = join(work, 'checkout');
  const listed = ok(run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT), 'git ls-files');
  for (const file of listed.split('\0').filter(Boolean)) {
    if (file === 'node_modules' || !existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    cpSync(join(ROOT, file), join(checkout, file), { verbatimSymlinks: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
  const out = ok(run('npm', ['pack', '--json', '--pack-destination', work], checkout, 180_000), 'npm pack');
  const [packed] = JSON.parse(out.slice(out.indexOf('[\n'))) as { filename: string; files: { path: string }[] }[];
  return { tgz: join(work, packed!.filename), files: packed!.files };
}
