// Fills plugins/apigw.yaml for one release: its version, and per platform the archive's URL and
// sha256 (from the files hack/krew-archive.sh wrote). Prints the manifest, which the release
// attaches and which is what krew-index receives.
//   node hack/krew-manifest.ts --version v0.1.0 --base-url https://…/releases/download/v0.1.0 --archives DIR
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';

interface Platform {
  selector: { matchLabels: { os: string; arch: string } };
}

const { values } = parseArgs({
  options: { version: { type: 'string' }, 'base-url': { type: 'string' }, archives: { type: 'string' } },
});
const version = values.version ?? '';
if (!/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version) || !values['base-url'] || !values.archives) {
  console.error('usage: node hack/krew-manifest.ts --version vX.Y.Z --base-url URL --archives DIR');
  process.exit(2);
}

// The template's header speaks of the template; the release's copy gets its own.
const template = readFileSync(resolve(import.meta.dirname, '..', 'plugins', 'apigw.yaml'), 'utf8');
const manifest = parseDocument(template.replace(/^(#.*\n)+/, ''));
manifest.commentBefore = ` The krew plugin manifest of kubectl-apigw ${version}, made by hack/krew-manifest.ts.`;
manifest.setIn(['spec', 'version'], version);
const { platforms } = (manifest.toJS() as { spec: { platforms: Platform[] } }).spec;
platforms.forEach((p, i) => {
  const name = `kubectl-apigw_${version}_${p.selector.matchLabels.os}_${p.selector.matchLabels.arch}.tar.gz`;
  const sha256 = createHash('sha256')
    .update(readFileSync(join(values.archives!, name)))
    .digest('hex');
  manifest.setIn(['spec', 'platforms', i, 'uri'], `${values['base-url']!.replace(/\/$/, '')}/${name}`);
  manifest.setIn(['spec', 'platforms', i, 'sha256'], sha256);
});
process.stdout.write(manifest.toString({ lineWidth: 0 }));
