/**
 * `scripts/test-services.sh`, npm's pretest step: silent when every listed service is installed; a
 * non-root user missing one gets a single line naming the package. (The root path runs apt-get and is
 * exercised by a fresh machine's `npm test`, not here.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** From dist/test/dev/ the script is at the project root's scripts/. */
const SCRIPT = fileURLToPath(new URL('../../../scripts/test-services.sh', import.meta.url));
const isRoot = process.getuid?.() === 0;

function run(services: string, asUser?: string): { status: number | null; stdout: string; stderr: string } {
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PRETEST_SERVICES: services };
  // As root, drop to an unprivileged user so the script reports instead of installing.
  const result = asUser ? spawnSync('setpriv', ['--reuid', asUser, '--regid', asUser, '--clear-groups', 'sh', SCRIPT], { env, encoding: 'utf8' }) : spawnSync('sh', [SCRIPT], { env, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm test pretest: scripts/test-services.sh', { skip: process.platform === 'win32' && 'a POSIX shell script' }, () => {
  it('is silent and succeeds when every service is there', () => {
    const result = run('sh sh\nid coreutils\n');
    assert.equal(result.status, 0);
    assert.equal(result.stdout + result.stderr, '');
  });

  it('fails with one line naming the missing packages when it may not install them', { skip: isRoot && spawnSync('setpriv', ['--version']).status !== 0 && 'needs setpriv to drop root' }, () => {
    const result = run('sh sh\nportico-no-such-server-a pkg-a\nportico-no-such-server-b pkg-b\n', isRoot ? '65534' : undefined);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] as string, /^npm test needs: pkg-a pkg-b \(as root on Debian\/Ubuntu: apt-get install -y pkg-a pkg-b\)$/);
  });
});
