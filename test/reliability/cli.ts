// `npm run test:reliability [-- --full] [jest args]`: runs the reliability project, in reduced size
// unless --full (or RELIABILITY_FULL=1) asks for the full one. Jest refuses unknown flags, so
// --full is taken out here and passed on as the environment variable the scenarios read.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const full = args.includes('--full') || process.env.RELIABILITY_FULL === '1';
const rest = args.filter((a) => a !== '--full');
const child = spawn(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings',
    join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
    '--selectProjects=reliability',
    ...rest,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, RELIABILITY_FULL: full ? '1' : '0' },
  },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
