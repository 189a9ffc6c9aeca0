// `npm run testbed:up` / `npm run testbed:down`: a test bed that outlives the command, for manual
// use (`. .testbed/env && kubectl get ns`). State lives in .testbed/ (git-ignored).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { envFile, startTestbed, stopTestbed, type TestbedInfo } from './testbed.ts';

const stateDir = resolve(process.env.TESTBED_STATE_DIR ?? '.testbed');
const stateFile = join(stateDir, 'state.json');

async function up(): Promise<void> {
  if (existsSync(stateFile)) {
    console.error(`a test bed is already up (${stateFile}); run \`npm run testbed:down\` first`);
    process.exit(1);
  }
  const info = await startTestbed({ ownerPid: 0, log: (m) => console.error(`[testbed] ${m}`) });
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(stateFile, JSON.stringify(info, null, 2));
  writeFileSync(join(stateDir, 'env'), envFile(info));
  console.log(`test bed is up; run: . ${join(stateDir, 'env')} && kubectl get ns`);
}

async function down(): Promise<void> {
  if (!existsSync(stateFile)) {
    console.log('no test bed is up');
    return;
  }
  const info = JSON.parse(readFileSync(stateFile, 'utf8')) as TestbedInfo;
  await stopTestbed(info);
  rmSync(stateDir, { recursive: true, force: true });
  console.log('test bed stopped');
}

const cmd = process.argv[2];
if (cmd === 'up') await up();
else if (cmd === 'down') await down();
else {
  console.error('usage: testbed up|down');
  process.exit(2);
}
