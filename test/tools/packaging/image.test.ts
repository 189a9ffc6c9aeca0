// The Dockerfile, checked without a Docker engine: its stages and base images (Node.js 24, the same
// release the tests run on), a numeric non-root user, production dependencies only, and a small
// build context. Then the final image's /app is assembled the way the Dockerfile would assemble it
// (tsc build, the lock file's production packages, the prod-deps stage's own clean-up commands)
// and its ENTRYPOINT is run: it must start with nothing but production dependencies. Last,
// hack/build-image.sh (which builds the image for real, see test/integration/image.test.ts) is
// checked statically: it builds stand-ins for exactly the Dockerfile's base images, says so, and
// caches outside the checkout.
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { parse } from 'yaml';
import { commandLines as scriptCommandLines } from '../../support/scripts.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
  type: string;
};

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  steps: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (!op || args === undefined) throw new Error(`cannot parse Dockerfile line: ${line}`);
    if (op.toUpperCase() === 'FROM') {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ image: image!, name, steps: [] });
    } else {
      if (stages.length === 0) throw new Error(`${op} before FROM`);
      stages[stages.length - 1]!.steps.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const final = stages[stages.length - 1]!;
const stage = (name: string) => stages.find((s) => s.name === name);
const steps = (s: Stage, op: string) => s.steps.filter((i) => i.op === op).map((i) => i.args);
const workdir = (s: Stage) => steps(s, 'WORKDIR').at(-1) ?? '/';
/** COPY [--from=x] [--chown=...] src... dest */
function copies(s: Stage): { from?: string; sources: string[]; dest: string }[] {
  return steps(s, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
  });
}
const entrypoint = (): string[] => JSON.parse(steps(final, 'ENTRYPOINT').at(-1) ?? 'null') as string[];

describe('Dockerfile', () => {
  it('is multi-stage, every base image pinned by tag and on Node.js 24', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) {
      expect(s.image).toMatch(/^[^:@\s]+:[^:\s]+$/);
      expect(s.image).not.toMatch(/:latest$/);
      expect(s.image).toMatch(/^node:24\.|^gcr\.io\/distroless\/nodejs24-/);
    }
  });

  it('builds on exactly the Node.js release the tests run on', () => {
    const nodeStages = stages.filter((s) => s.image.startsWith('node:'));
    expect(nodeStages.length).toBeGreaterThan(0);
    for (const s of nodeStages) expect(s.image.split(':')[1]!.split('-')[0]).toBe(pkg.devDependencies.node);
    expect(pkg.devDependencies.node).toMatch(/^24\./);
  });

  it('builds with npm ci and npm run build', () => {
    const build = stages.find((s) => steps(s, 'RUN').some((r) => r.includes('npm run build')));
    expect(build).toBeDefined();
    expect(steps(build!, 'RUN').some((r) => /^npm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
  });

  it('copies node_modules into the image only from a stage that installed with --omit=dev', () => {
    const fromStages = copies(final).filter((c) => c.sources.some((s) => s.includes('node_modules')));
    expect(fromStages).toHaveLength(1);
    const source = stage(fromStages[0]!.from ?? '');
    expect(source).toBeDefined();
    expect(steps(source!, 'RUN').some((r) => /^npm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(steps(source!, 'RUN').some((r) => /^npm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(false);
    expect(steps(source!, 'COPY').every((c) => !c.includes('--from='))).toBe(true);
  });

  it('runs as a numeric non-root user, straight on node (no npm, no shell), from the build output', () => {
    const user = steps(final, 'USER').at(-1);
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user!.split(':')[0])).toBeGreaterThan(0);
    expect(steps(final, 'RUN')).toEqual([]);
    const ep = entrypoint();
    expect(ep[0]).toMatch(/\/node$/);
    expect(ep.join(' ')).not.toMatch(/npm|\bsh\b/);
    expect(ep[1]).toBe(join('dist', 'src', 'main.js'));
  });

  it('runs as the user the chart’s securityContext names', () => {
    const values = parse(readFileSync(join(ROOT, 'charts', 'apigw-operator', 'values.yaml'), 'utf8')) as Record<
      string,
      { runAsUser?: number; runAsGroup?: number }
    >;
    const [uid, gid] = steps(final, 'USER').at(-1)!.split(':').map(Number);
    for (const ctx of [values.podSecurityContext!, values.securityContext!])
      expect([ctx.runAsUser, ctx.runAsGroup]).toEqual([uid, gid ?? uid]);
  });

  it('takes from the build context only package.json into the image', () => {
    expect(
      copies(final)
        .filter((c) => !c.from)
        .flatMap((c) => c.sources),
    ).toEqual(['package.json']);
    expect(pkg.type).toBe('module');
  });

  it('sends only what it copies to the builder (.dockerignore)', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.slice(1).map((l) => {
      expect(l.startsWith('!')).toBe(true);
      return l.slice(1).replace(/\/$/, '');
    });
    const fromContext = stages
      .flatMap((s) =>
        copies(s)
          .filter((c) => !c.from)
          .flatMap((c) => c.sources),
      )
      .map((s) => s.replace(/\/$/, ''));
    expect(new Set(allowed)).toEqual(new Set(fromContext));
    for (const never of ['node_modules', 'dist', '.git', '.testbed', 'test']) expect(allowed).not.toContain(never);
  });
});

/**
 * Runs node with `args` until its stdout says "operator started", it exits, or 45 s pass, then
 * SIGKILLs it: the controller keeps retrying a cluster that is not there, and a graceful stop
 * could block on logging into a pipe nobody reads any more.
 */
function runUntilStarted(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(NODE, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const stop = () => child.kill('SIGKILL');
    const deadline = setTimeout(stop, 45_000);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('operator started')) stop();
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', () => {
      clearTimeout(deadline);
      done({ stdout, stderr });
    });
  });
}

describe('the image, assembled without Docker', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'apigw-image-'));
  const buildStage = stages.find((s) => steps(s, 'RUN').some((r) => r.includes('npm run build')))!;
  const depsStage = stage(copies(final).find((c) => c.sources.some((s) => s.includes('node_modules')))!.from!)!;
  const stageDirs = new Map<string, string>([
    [buildStage.name!, join(tmp, 'build')],
    [depsStage.name!, join(tmp, 'prod-deps')],
  ]);
  const app = join(tmp, 'app');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** Maps an absolute path inside a stage to the local directory standing in for it. */
  function local(stageName: string, path: string): string {
    const s = stage(stageName)!;
    const rel = posix.relative(workdir(s), path);
    if (rel.startsWith('..')) throw new Error(`${path} is outside ${stageName}'s WORKDIR ${workdir(s)}`);
    return join(stageDirs.get(stageName)!, rel);
  }

  it('assembles /app from a tsc build and the production packages of the lock file', () => {
    // build stage: `npm run build` writes dist/ under its WORKDIR (tsconfig.build.json's outDir).
    execFileSync(
      NODE,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        join(stageDirs.get(buildStage.name!)!, 'dist'),
      ],
      { stdio: 'pipe' },
    );
    // prod-deps stage: what `npm ci --omit=dev` installs is the lock file's packages not marked dev.
    const deps = stageDirs.get(depsStage.name!)!;
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    for (const [path, meta] of Object.entries(lock.packages)) {
      if (!path || meta.dev || path.replace(/^node_modules\//, '').includes('node_modules/')) continue;
      if (existsSync(join(ROOT, path))) cpSync(join(ROOT, path), join(deps, path), { recursive: true });
    }
    cpSync(join(ROOT, 'package.json'), join(deps, 'package.json'));
    for (const cmd of steps(depsStage, 'RUN').filter((r) => !/^npm ci\b/.test(r)))
      execFileSync('bash', ['-c', cmd], { cwd: deps, stdio: 'pipe' });
    // final stage: its COPY instructions, in order.
    mkdirSync(app, { recursive: true });
    for (const c of copies(final)) {
      for (const src of c.sources) {
        const from = c.from ? local(c.from, src) : join(ROOT, src);
        const to = posix.isAbsolute(c.dest)
          ? join(app, posix.relative(workdir(final), c.dest))
          : join(app, c.dest.endsWith('/') ? join(c.dest, posix.basename(src)) : c.dest);
        mkdirSync(dirname(to), { recursive: true });
        cpSync(from, to, { recursive: true });
      }
    }
    expect(existsSync(join(app, entrypoint()[1]!))).toBe(true);
    expect(readdirSync(join(app, 'node_modules'))).not.toContain('typescript');
    expect(readdirSync(join(app, 'node_modules'))).not.toContain('jest');
  }, 180_000);

  it('starts its ENTRYPOINT with production dependencies only', async () => {
    const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'production' };
    const run = (args: string[]) => spawnSync(NODE, [entrypoint()[1]!, ...args], { cwd: app, encoding: 'utf8', env });
    const help = run(['--help']);
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--leader-elect');
    const validate = run(['validate', '-f', join(ROOT, 'examples', 'http-lambda-proxy.yaml'), '--protocol', 'http']);
    expect(validate.stdout).toContain('valid for a HTTP API');
    expect(validate.status).toBe(0);
    // The controller loads every module (Kubernetes and AWS clients included) and starts; there is
    // no cluster here, so it is stopped once it says it started (or has exited), not after a fixed
    // few seconds a loaded machine may spend loading modules.
    const controller = await runUntilStarted(
      [entrypoint()[1]!, '--region', 'us-east-1', '--metrics-bind-address', '0', '--health-probe-bind-address', '0'],
      { cwd: app, env },
    );
    expect(`${controller.stdout}${controller.stderr}`).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
    expect(controller.stdout).toContain('operator started');
  }, 60_000);
});

describe('hack/build-image.sh', () => {
  const script = join(ROOT, 'hack', 'build-image.sh');
  const text = readFileSync(script, 'utf8');
  const commandLines = scriptCommandLines(text);

  it('is an executable bash script in strict mode that parses', () => {
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(text).toMatch(/^set -euo pipefail$/m);
    expect(() => accessSync(script, constants.X_OK)).not.toThrow();
    const r = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('quotes its variable expansions in commands', () => {
    const suspicious = commandLines.filter(
      (l) =>
        !/\[\[.*\]\]/.test(l) &&
        /(^|\s)\$\{?[A-Za-z_][A-Za-z_0-9]*\}?(\s|$)/.test(l.replace(/"[^"]*"/g, '""').replace(/'[^']*'/g, "''")),
    );
    expect(suspicious).toEqual([]);
  });

  it('plans stand-ins for exactly the base images the Dockerfile names, on the pinned Node.js', () => {
    const r = spawnSync('bash', [script, '--plan'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const plan = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(new Set([plan.BUILD_BASE, plan.RUNTIME_BASE])).toEqual(new Set(stages.map((s) => s.image)));
    expect(plan.RUNTIME_BASE).toBe(final.image);
    expect(plan.NODE_VERSION).toBe(pkg.devDependencies.node);
    expect(plan.STAGES!.split(' ')).toEqual(stages.filter((s) => s !== final && s.name).map((s) => s.name));
  });

  it('says the base images are local stand-ins, labels them, and never overwrites or pushes an official image', () => {
    expect(text).toMatch(/log "building a LOCAL STAND-IN for \$BUILD_BASE/);
    expect(text).toMatch(/log "building a LOCAL STAND-IN for \$RUNTIME_BASE/);
    expect(text).toMatch(/log "NOTE: base images are LOCAL STAND-INS/);
    expect(text.match(/LABEL \$STANDIN_LABEL="local stand-in for/g)).toHaveLength(2);
    expect(text).toContain('is not a stand-in (an official image): using it as it is');
    expect(commandLines.join('\n')).not.toMatch(/docker"? (push|login)|"\$DOCKER" (push|login)/);
  });

  it('builds the stand-ins the Dockerfile needs: Debian bookworm + node + npm, and distroless’s layout', () => {
    expect(text).toMatch(/debootstrap --variant=minbase [^\n]*bookworm/);
    expect(text).toContain('COPY node /usr/local/bin/node');
    expect(text).toMatch(/npm pack --silent "npm@\$STANDIN_NPM_VERSION"/);
    expect(text).toMatch(/npm pack --silent "node-linux-\$NODE_ARCH@\$NODE_VERSION"/);
    // The runtime: /nodejs/bin/node as ENTRYPOINT, user nonroot 65532, no shell copied in.
    expect(text).toContain('COPY node /out/nodejs/bin/node');
    expect(text).toContain('nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin');
    expect(text).toMatch(/FROM scratch\nCOPY --from=collect \/out\/ \//);
    expect(text).toContain('ENTRYPOINT ["/nodejs/bin/node"]');
  });

  it('installs and starts the engine without a prompt, builds on the host network, caches outside the checkout', () => {
    const commands = commandLines.join('\n');
    expect(commands).toMatch(/export DEBIAN_FRONTEND=noninteractive/);
    expect(commands).toMatch(/apt-get install -y [^\n]*"\$@" <\/dev\/null/);
    expect(commands).toMatch(/apt_install docker\.io/);
    expect(commands).toMatch(/setsid dockerd >>"\$logfile" 2>&1 <\/dev\/null 9>&- &/);
    expect(commands).toMatch(/build --network host/);
    expect(commands).toMatch(/CACHE_BASE="\$\{XDG_CACHE_HOME:-\$HOME\/\.cache\}\/apigw-operator"/);
    expect(commands).not.toMatch(/\$ROOT\/(\.cache|cache|\.testbed)/);
    expect(commands).toMatch(/IMAGE_SIZE_BYTES=/);
  });

  it('is run by an integration test that fails rather than skips, and bounds the image size', () => {
    const source = readFileSync(join(ROOT, 'test', 'integration', 'image.test.ts'), 'utf8');
    expect(source).toContain("join(ROOT, 'hack', 'build-image.sh')");
    expect(source).not.toMatch(/\.skip\b|skipIf|\bxit\(|\bxdescribe\(/);
    expect(source).toMatch(/MAX_IMAGE_BYTES = \d/);
    expect(source).toMatch(/'--read-only',\s*'--user',\s*'65532:65532'/);
    expect(source).toMatch(/'rm', '-f'/);
  });
});
