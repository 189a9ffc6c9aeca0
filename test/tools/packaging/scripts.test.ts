// Shell scripts users and maintainers run: the kind end-to-end script (which needs Docker, so CI
// only checks it: syntax, strict mode, pinned images, and that it installs, waits, updates, deletes
// and always tears down) and the manifest renderer.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commandLines } from '../../support/scripts.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const SCRIPTS = ['test/e2e/kind.sh', 'hack/render-manifests.sh'];
const versions = Object.fromEntries(
  readFileSync(join(ROOT, 'hack', 'versions.env'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => l.split('=', 2) as [string, string]),
);

describe.each(SCRIPTS)('%s', (script) => {
  const path = join(ROOT, script);
  const text = readFileSync(path, 'utf8');

  it('parses (bash -n)', () => {
    const r = spawnSync('bash', ['-n', path], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('is an executable bash script in strict mode', () => {
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(text).toMatch(/^set -euo pipefail$/m);
    expect(() => accessSync(path, constants.X_OK)).not.toThrow();
  });

  it('quotes its variable expansions in commands', () => {
    // Unquoted $VAR in an argument position (word splitting, globbing); assignments and [[ ]] are fine.
    const suspicious = commandLines(text).filter(
      (l) =>
        !/\[\[.*\]\]/.test(l) &&
        /(^|\s)\$\{?[A-Za-z_][A-Za-z_0-9]*\}?(\s|$)/.test(l.replace(/"[^"]*"/g, '""').replace(/'[^']*'/g, "''")),
    );
    expect(suspicious).toEqual([]);
  });
});

describe('test/e2e/kind.sh', () => {
  const text = readFileSync(join(ROOT, 'test', 'e2e', 'kind.sh'), 'utf8');

  it('pins the kind node image by digest, and moto to the test bed’s version', () => {
    expect(text).toMatch(/kindest\/node:v\d+\.\d+\.\d+@sha256:[a-f0-9]{64}/);
    expect(text).toContain('motoserver/moto:${MOTO_PIN_VERSION}');
    expect(versions.MOTO_PIN_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(text).not.toMatch(/:latest\b/);
    for (const image of text.matchAll(/IMAGE="([^"$]+)"/g)) expect(image[1]).toMatch(/:[\w.-]+$/);
  });

  it('builds a uniquely tagged image, loads it into kind and installs it with helm --wait', () => {
    expect(text).toMatch(/IMAGE_TAG="e2e-\$\(date [^)]*\)-\$\$"/);
    expect(text).toMatch(/docker build -t "\$IMAGE_REPO:\$IMAGE_TAG"/);
    expect(text).toMatch(/kind load docker-image "\$IMAGE_REPO:\$IMAGE_TAG"/);
    expect(text).toMatch(/upgrade --install [^\n]*\\\n[^\n]*image\.tag="\$IMAGE_TAG"[\s\S]*--wait/);
    expect(text).toContain('pod-security.kubernetes.io/enforce=restricted');
  });

  it('applies the examples and the route examples, waits for Ready, updates one, deletes them and checks AWS', () => {
    expect(text).toMatch(/kubectl -n "\$APPS" wait --for=condition=Ready apiintegrations --all/);
    expect(text).toMatch(/patch apiintegration orders-lambda/);
    expect(text).toMatch(/examples\/routes\/\*\.yaml/);
    expect(text).toMatch(/kubectl -n "\$APPS" wait --for=condition=Ready apiroutes --all/);
    // Both kinds in one delete, as a prune does: the operator orders it.
    expect(text).toMatch(/delete apiintegrations,apiroutes --all/);
    expect(text).toMatch(/"get-\$what"/);
    expect(text).toMatch(/for what in integrations routes/);
  });

  it('collects diagnostics on failure and always tears down', () => {
    expect(text).toMatch(/^trap cleanup EXIT$/m);
    const cleanup = /cleanup\(\) \{([\s\S]*?)\n\}/.exec(text)?.[1] ?? '';
    expect(cleanup).toMatch(/diagnose/);
    expect(cleanup).toMatch(/kind delete cluster/);
    const diagnose = /diagnose\(\) \{([\s\S]*?)\n\}/.exec(text)?.[1] ?? '';
    expect(diagnose).toMatch(/logs/);
    expect(diagnose).toMatch(/get events/);
  });
});
