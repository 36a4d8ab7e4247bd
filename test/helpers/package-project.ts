/**
 * A throw-away project outside the repository that depends on this package the way a user's does:
 * `node_modules/portico` links to the package root (package.json `exports` decides what resolves), and
 * TypeScript and Node's types link to the repository's own copies (no network). Bounded in time.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** From `dist/test/helpers/` the package root is three levels up. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const TSC = join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** Links `portico`, `typescript` and `@types/node` into `dir/node_modules` (created when needed). */
export async function linkDependencies(dir: string): Promise<void> {
  await mkdir(join(dir, 'node_modules', '@types'), { recursive: true });
  await symlink(PACKAGE_ROOT, join(dir, 'node_modules', 'portico'), 'dir');
  await symlink(join(PACKAGE_ROOT, 'node_modules', 'typescript'), join(dir, 'node_modules', 'typescript'), 'dir');
  await symlink(join(PACKAGE_ROOT, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');
}

export async function tempProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-user-'));
  await linkDependencies(dir);
  return dir;
}

export interface RunResult {
  code: number;
  output: string;
}

/** Runs `command args` in `cwd`; never rejects: the exit code and the combined output come back. */
export function run(command: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    // Without the test runner's own variables: a nested `node --test` then reports as a top-level run.
    const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
    execFile(command, args, { cwd, timeout: timeoutMs, env: { ...env, NODE_OPTIONS: '' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}
