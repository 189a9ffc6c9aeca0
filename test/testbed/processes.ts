// Child processes of the test bed: each runs in its own process group so that stopping it stops
// everything it spawned, and a detached guardian removes them if the owner dies without cleaning up
// (SIGINT, SIGKILL, a crashed jest worker).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { eventually, GiveUp } from '../support/poll.ts';

export interface Started {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
}

export function startProcess(
  name: string,
  cmd: string,
  args: string[],
  logFile: string,
  env?: NodeJS.ProcessEnv,
): Started {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${cmd}`);
  child.unref();
  return { name, pid: child.pid, logFile, child };
}

/**
 * Whether any process of the group still runs. Zombies do not count: the processes of a
 * detached test bed are reaped by whatever init the machine has, possibly late.
 */
export function groupAlive(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command name: state, ppid, pgrp, ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }
  return false;
}

/**
 * Sends SIGTERM to the whole group, then SIGKILL after `graceMs` if anything is left, and returns
 * only once the group is gone: a process still tearing down its memory after SIGKILL is listed in
 * /proc for a moment, and callers (and `testbed:down`) promise that nothing is left running.
 */
export async function stopGroup(pgid: number, graceMs = 5000): Promise<void> {
  if (!groupAlive(pgid)) return;
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    return;
  }
  if (await goneWithin(pgid, graceMs)) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    return;
  }
  if (!(await goneWithin(pgid, 10_000))) throw new Error(`process group ${pgid} survived SIGKILL for 10 s`);
}

async function goneWithin(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !groupAlive(pgid);
}

/**
 * Starts a detached shell that waits for `ownerPid` to exit, then kills the given process groups
 * and removes `dir`. It is the safety net for runs that end without reaching their tear-down.
 */
export function startGuardian(ownerPid: number, pgids: number[], dir: string): number {
  const script = [
    'owner=$1; dir=$2; shift 2',
    'while kill -0 "$owner" 2>/dev/null; do sleep 1; done',
    'for g in "$@"; do kill -TERM -- "-$g" 2>/dev/null; done',
    'sleep 3',
    'for g in "$@"; do kill -KILL -- "-$g" 2>/dev/null; done',
    'rm -rf -- "$dir"',
  ].join('\n');
  const child = spawn('bash', ['-c', script, 'testbed-guardian', String(ownerPid), dir, ...pgids.map(String)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child.pid ?? 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(addr.port));
    });
  });
}

/** Polls `probe` until it holds; fails at once when `started` exits first, pointing at its log. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  started?: Started,
): Promise<void> {
  const exited = () => started !== undefined && started.child.exitCode !== null;
  try {
    await eventually(
      what,
      async () => {
        if (exited())
          throw new GiveUp(
            `${what} exited with code ${started!.child.exitCode} before it was ready; see ${started!.logFile}`,
          );
        return (await probe()) || undefined;
      },
      timeoutMs,
      200,
    );
  } catch (err) {
    if (err instanceof GiveUp || !started) throw err;
    throw new Error(`${(err as Error).message}; see ${started.logFile}`, { cause: err });
  }
}
