// The Dockerfile, checked without a Docker engine: its stages and base images (Node.js 24, the same
// release the tests run on), a numeric non-root user, production dependencies only, and a small
// build context. Then the final image's /app is assembled the way the Dockerfile would assemble it
// (tsc build, the lock file's production packages, the prod-deps stage's own clean-up commands)
// and its ENTRYPOINT is run: it must start with nothing but production dependencies.
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; type: string };

interface Instruction { op: string; args: string }
interface Stage { image: string; name?: string; steps: Instruction[] }

function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
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
    const values = parse(readFileSync(join(ROOT, 'charts', 'apigw-operator', 'values.yaml'), 'utf8')) as Record<string, { runAsUser?: number; runAsGroup?: number }>;
    const [uid, gid] = steps(final, 'USER').at(-1)!.split(':').map(Number);
    for (const ctx of [values.podSecurityContext!, values.securityContext!]) expect([ctx.runAsUser, ctx.runAsGroup]).toEqual([uid, gid ?? uid]);
  });

  it('takes from the build context only package.json into the image', () => {
    expect(copies(final).filter((c) => !c.from).flatMap((c) => c.sources)).toEqual(['package.json']);
    expect(pkg.type).toBe('module');
  });

  it('sends only what it copies to the builder (.dockerignore)', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.slice(1).map((l) => {
      expect(l.startsWith('!')).toBe(true);
      return l.slice(1).replace(/\/$/, '');
    });
    const fromContext = stages.flatMap((s) => copies(s).filter((c) => !c.from).flatMap((c) => c.sources)).map((s) => s.replace(/\/$/, ''));
    expect(new Set(allowed)).toEqual(new Set(fromContext));
    for (const never of ['node_modules', 'dist', '.git', '.testbed', 'test']) expect(allowed).not.toContain(never);
  });
});

describe('the image, assembled without Docker', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'apigw-image-'));
  const buildStage = stages.find((s) => steps(s, 'RUN').some((r) => r.includes('npm run build')))!;
  const depsStage = stage(copies(final).find((c) => c.sources.some((s) => s.includes('node_modules')))!.from!)!;
  const stageDirs = new Map<string, string>([[buildStage.name!, join(tmp, 'build')], [depsStage.name!, join(tmp, 'prod-deps')]]);
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
    execFileSync(NODE, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stageDirs.get(buildStage.name!)!, 'dist')], { stdio: 'pipe' });
    // prod-deps stage: what `npm ci --omit=dev` installs is the lock file's packages not marked dev.
    const deps = stageDirs.get(depsStage.name!)!;
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    for (const [path, meta] of Object.entries(lock.packages)) {
      if (!path || meta.dev || path.replace(/^node_modules\//, '').includes('node_modules/')) continue;
      if (existsSync(join(ROOT, path))) cpSync(join(ROOT, path), join(deps, path), { recursive: true });
    }
    cpSync(join(ROOT, 'package.json'), join(deps, 'package.json'));
    for (const cmd of steps(depsStage, 'RUN').filter((r) => !/^npm ci\b/.test(r))) execFileSync('bash', ['-c', cmd], { cwd: deps, stdio: 'pipe' });
    // final stage: its COPY instructions, in order.
    mkdirSync(app, { recursive: true });
    for (const c of copies(final)) {
      for (const src of c.sources) {
        const from = c.from ? local(c.from, src) : join(ROOT, src);
        const to = posix.isAbsolute(c.dest) ? join(app, posix.relative(workdir(final), c.dest)) : join(app, c.dest.endsWith('/') ? join(c.dest, posix.basename(src)) : c.dest);
        mkdirSync(dirname(to), { recursive: true });
        cpSync(from, to, { recursive: true });
      }
    }
    expect(existsSync(join(app, entrypoint()[1]!))).toBe(true);
    expect(readdirSync(join(app, 'node_modules'))).not.toContain('typescript');
    expect(readdirSync(join(app, 'node_modules'))).not.toContain('jest');
  }, 180_000);

  it('starts its ENTRYPOINT with production dependencies only', () => {
    // SIGKILL at the timeout: the controller keeps retrying a cluster that is not there, and a
    // graceful stop could block on logging into a pipe spawnSync no longer reads.
    const run = (args: string[], timeout?: number) =>
      spawnSync(NODE, [entrypoint()[1]!, ...args], { cwd: app, encoding: 'utf8', timeout, killSignal: 'SIGKILL', env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' } });
    const help = run(['--help']);
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--leader-elect');
    const validate = run(['validate', '-f', join(ROOT, 'examples', 'http-lambda-proxy.yaml'), '--protocol', 'http']);
    expect(validate.stdout).toContain('valid for a HTTP API');
    expect(validate.status).toBe(0);
    // The controller loads every module (Kubernetes and AWS clients included) and starts; there is
    // no cluster here, so it is stopped after a few seconds.
    const controller = run(['--region', 'us-east-1', '--metrics-bind-address', '0', '--health-probe-bind-address', '0'], 5000);
    expect(`${controller.stdout}${controller.stderr}`).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
    expect(controller.stdout).toContain('operator started');
  }, 60_000);
});
