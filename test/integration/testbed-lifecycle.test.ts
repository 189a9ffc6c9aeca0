// The test bed leaves nothing behind: `npm run testbed:up` / `down` for manual use, and a run that
// is interrupted with SIGINT before its tear-down is cleaned up by the guardian.
import { describe, expect, it } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { eventually, tb } from '../support/cluster.ts';
import { groupAlive } from '../testbed/processes.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const run = promisify(execFile);
const alive = groupAlive;

describe('test bed lifecycle', () => {
  it('testbed:up writes a usable env file and testbed:down stops every process it started', async () => {
    const stateDir = join(mkdtempSync(join(tmpdir(), 'tb-state-')), '.testbed');
    const env = { ...process.env, TESTBED_STATE_DIR: stateDir };
    await run(NODE, ['--no-warnings', join(ROOT, 'test/testbed/cli.ts'), 'up'], { env, timeout: 120_000 });
    const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { pgids: number[]; dir: string };
    const { stdout } = await run('bash', [
      '-c',
      `. ${join(stateDir, 'env')} && ${tb.tools.kubectl} get ns default -o name && echo "$AWS_ENDPOINT_URL_APIGATEWAYV2 $AWS_REGION $AWS_ACCESS_KEY_ID"`,
    ]);
    expect(stdout).toContain('namespace/default');
    expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+ us-east-1 testing$/m);
    // etcd, kube-apiserver, moto and the fidelity proxy in front of it.
    expect(state.pgids.length).toBe(4);
    expect(state.pgids.every(alive)).toBe(true);
    await run(NODE, ['--no-warnings', join(ROOT, 'test/testbed/cli.ts'), 'down'], { env, timeout: 60_000 });
    expect(state.pgids.filter(alive)).toEqual([]);
    expect(existsSync(state.dir)).toBe(false);
    expect(existsSync(stateDir)).toBe(false);
  });

  it('a run interrupted with SIGINT leaves no etcd, kube-apiserver, moto or fidelity proxy behind', async () => {
    const script = `
      import { startTestbed } from ${JSON.stringify(join(ROOT, 'test/testbed/testbed.ts'))};
      const info = await startTestbed();
      console.log(JSON.stringify({ pgids: info.pgids, dir: info.dir }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(NODE, ['--no-warnings', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const info = await eventually(
      'test bed started',
      async () => (out.includes('}') ? (JSON.parse(out) as { pgids: number[]; dir: string }) : undefined),
      120_000,
      200,
    );
    expect(info.pgids.every(alive)).toBe(true);
    child.kill('SIGINT');
    await eventually('every test bed process gone', async () => info.pgids.every((p) => !alive(p)), 20_000, 200);
    await eventually('temporary directory removed', async () => !existsSync(info.dir), 10_000, 200);
  });
});
