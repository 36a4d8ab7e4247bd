/**
 * examples/gitops: runs the release workflow's own steps locally, in order, from the workflow file, so the
 * test cannot drift from it. Skipped, as `act` skips them: `uses:` actions and the steps guarded with
 * `if: ${{ !env.ACT }}` (install, image build and push, git push). `portico` is the Portico under test.
 * Until `portico audit` and flexible configuration are both on this branch, the steps that need them
 * (and the steps that read the rendered file) are skipped with the reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ROOT, find, kubectlMissing, kustomize, validateObject } from './manifests.js';

interface Step { name?: string; uses?: string; if?: string; run?: string; env?: Record<string, string> }
interface Workflow { env?: Record<string, string>; jobs: Record<string, { env?: Record<string, string>; steps: Step[] }> }
interface Outcome { ran: string[]; skipped: string[]; failed?: { step: string; output: string } }

const EXAMPLE = join(ROOT, 'examples/gitops');
const HOSTED_ONLY = '${{ !env.ACT }}';
const FAKE_SHA = '0123456789abcdef0123456789abcdef01234567';

function readWorkflow(dir: string): { env: Record<string, string>; steps: Step[] } {
  const workflow = parse(readFileSync(join(dir, '.github/workflows/release.yml'), 'utf8')) as Workflow;
  const job = workflow.jobs['release'];
  assert.ok(job, 'the workflow has a "release" job');
  return { env: { ...workflow.env, ...job.env }, steps: job.steps };
}

/** A copy of the example laid out as in the repository (its overlay's base is ../../../deploy/kubernetes/base). */
function layOut(): { root: string; dir: string; bin: string } {
  const root = mkdtempSync(join(tmpdir(), 'portico-gitops-'));
  const dir = join(root, 'examples/gitops');
  cpSync(EXAMPLE, dir, { recursive: true });
  cpSync(join(ROOT, 'deploy/kubernetes'), join(root, 'deploy/kubernetes'), { recursive: true });
  const bin = join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'portico'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'dist/src/cli/portico.js')}" "$@"\n`);
  chmodSync(join(bin, 'portico'), 0o755);
  return { root, dir, bin };
}

function baseEnv(bin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, ACT: 'true', GITHUB_SHA: FAKE_SHA };
  for (const key of Object.keys(env)) if (key.startsWith('FC_')) delete env[key];
  return env;
}

/** What this branch's Portico offers: `audit`, and flexible configuration (a one-line template rendered). */
function features(bin: string, dir: string): { audit: boolean; flexible: boolean } {
  const env = baseEnv(bin);
  const audit = spawnSync('portico', ['audit', '--help'], { env, encoding: 'utf8' }).status === 0;
  const probe = join(dir, 'fc-probe.tmpl');
  writeFileSync(probe, '{ "version": {{ 3 }}, "endpoints": [] }\n');
  const flexible = spawnSync('portico', ['check', '-c', probe], { env: { ...env, FC_ENABLE: '1' }, encoding: 'utf8' }).status === 0;
  rmSync(probe);
  return { audit, flexible };
}

function runWorkflow(dir: string, bin: string, available: { audit: boolean; flexible: boolean }): Outcome {
  const { env: workflowEnv, steps } = readWorkflow(dir);
  const githubEnv = join(dir, '..', 'github-env');
  writeFileSync(githubEnv, '');
  const env: NodeJS.ProcessEnv = { ...baseEnv(bin), ...workflowEnv, GITHUB_ENV: githubEnv };
  const outcome: Outcome = { ran: [], skipped: [] };
  const unrendered: string[] = [];
  const unset: string[] = [];
  for (const [index, step] of steps.entries()) {
    const name = step.name ?? step.uses ?? `step ${index + 1}`;
    if (step.uses !== undefined) continue; // an action, not a command
    if (step.if !== undefined) {
      assert.equal(step.if, HOSTED_ONLY, `${name}: only "if: ${HOSTED_ONLY}" is understood here`);
      continue;
    }
    const run = step.run ?? '';
    assert.ok(!/\$\{\{/.test(run + JSON.stringify(step.env ?? {})), `${name}: a locally run step uses shell variables, not \${{ }} expressions`);
    let reason: string | undefined;
    if (step.env?.['FC_ENABLE'] !== undefined && !available.flexible) {
      reason = 'flexible configuration (FC_ENABLE) is not in this Portico yet';
      if (step.env['FC_OUT']) unrendered.push(step.env['FC_OUT']);
    } else if (/\bportico audit\b/.test(run) && !available.audit) reason = '"portico audit" is not in this Portico yet';
    else if (unrendered.some((file) => run.includes(file))) reason = `reads ${unrendered.join(', ')}, which was not rendered`;
    else if (unset.some((name) => new RegExp(`\\$\\{?${name}\\b`).test(run))) reason = `needs ${unset.join(', ')}, set by a skipped step`;
    if (reason) {
      // What a skipped step would have put in GITHUB_ENV is missing for the steps after it.
      for (const match of run.matchAll(/echo "(\w+)=/g)) unset.push(match[1] as string);
      outcome.skipped.push(`${name}: ${reason}`);
      continue;
    }
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', run], { cwd: dir, env: { ...env, ...step.env }, encoding: 'utf8', timeout: 60_000 });
    outcome.ran.push(name);
    if (result.status !== 0) {
      outcome.failed = { step: name, output: `${result.stdout}${result.stderr}` };
      return outcome;
    }
    // GITHUB_ENV: KEY=value lines set the environment of the following steps.
    for (const line of readFileSync(githubEnv, 'utf8').split('\n')) {
      const at = line.indexOf('=');
      if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return outcome;
}

const skip = kubectlMissing();

describe('examples/gitops release workflow, run locally', { skip }, () => {
  let lab: { root: string; dir: string; bin: string };
  let available: { audit: boolean; flexible: boolean };
  before(() => {
    lab = layOut();
    available = features(lab.bin, lab.dir);
  });
  after(() => rmSync(lab.root, { recursive: true, force: true }));

  it('renders, lints, audits, names the image and bumps the overlay, in the workflow\'s order', (t) => {
    const overlay = join(lab.dir, 'kubernetes/kustomization.yaml');
    const tagBefore = /newTag: (.*)/.exec(readFileSync(overlay, 'utf8'))?.[1];
    const outcome = runWorkflow(lab.dir, lab.bin, available);
    for (const line of outcome.skipped) t.diagnostic(`skipped ${line}`);
    assert.equal(outcome.failed, undefined, `${outcome.failed?.step}:\n${outcome.failed?.output}`);

    const expected = ['Render the flexible configuration', 'Lint the rendered configuration', 'Audit (fails on CRITICAL or HIGH findings)', 'Name the image after the commit and the config', 'Bump the image in the overlay'];
    const skippedNames = outcome.skipped.map((line) => line.slice(0, line.indexOf(':')));
    assert.deepEqual([...outcome.ran, ...skippedNames].sort(), [...expected].sort(), 'every local step either ran or was skipped with a reason');
    assert.deepEqual(outcome.ran, expected.filter((name) => outcome.ran.includes(name)), 'in the workflow\'s order');
    if (!available.flexible) return;
    assert.deepEqual(outcome.ran, available.audit ? expected : expected.filter((name) => !name.startsWith('Audit')));

    const tag = /newTag: "(.*)"/.exec(readFileSync(overlay, 'utf8'))?.[1] ?? '';
    assert.notEqual(`"${tag}"`, tagBefore);
    assert.match(readFileSync(join(lab.dir, 'build/manifests.yaml'), 'utf8'), new RegExp(`image: registry\\.example\\.com/acme/gateway:${tag.replace(/\./g, '\\.')}\\n`));
    assert.match(tag, new RegExp(`^0\\.1\\.0-${FAKE_SHA.slice(0, 12)}-[0-9a-f]{12}$`));
    const rendered = JSON.parse(readFileSync(join(lab.dir, 'build/krakend.json'), 'utf8')) as { endpoints: unknown[] };
    assert.equal(rendered.endpoints.length, 2);
  });

  it('a HIGH audit finding stops the pipeline before the image is named', (t) => {
    if (!available.audit || !available.flexible) {
      t.skip(`needs ${[!available.audit && 'portico audit', !available.flexible && 'flexible configuration'].filter(Boolean).join(' and ')}`);
      return;
    }
    const template = join(lab.dir, 'config/templates/endpoint.tmpl');
    const original = readFileSync(template, 'utf8');
    try {
      // Without a circuit breaker anywhere, rule 3.1.3 (HIGH) applies.
      writeFileSync(template, original.replace(/"extra_config": \{\s*"qos\/circuit-breaker": \{[^}]*\}\s*\}/, '"extra_config": {}'));
      const outcome = runWorkflow(lab.dir, lab.bin, available);
      assert.equal(outcome.failed?.step, 'Audit (fails on CRITICAL or HIGH findings)', JSON.stringify(outcome));
      assert.match(outcome.failed.output, /3\.1\.3/);
      assert.ok(!outcome.ran.includes('Bump the image in the overlay'));
    } finally {
      writeFileSync(template, original);
    }
  });

  it('an unknown key stops the pipeline at the lint step', (t) => {
    if (!available.flexible) {
      t.skip('needs flexible configuration');
      return;
    }
    const template = join(lab.dir, 'config/krakend.tmpl');
    const original = readFileSync(template, 'utf8');
    try {
      writeFileSync(template, original.replace('"idle_timeout"', '"idle_timout": "1s",\n  "idle_timeout"'));
      const outcome = runWorkflow(lab.dir, lab.bin, available);
      assert.equal(outcome.failed?.step, 'Lint the rendered configuration', JSON.stringify(outcome));
      assert.match(outcome.failed.output, /idle_timout/);
    } finally {
      writeFileSync(template, original);
    }
  });


  it('the example overlay renders and validates: the workflow\'s image, the config from the image', () => {
    const objects = kustomize(join(lab.dir, 'kubernetes'));
    for (const object of objects) validateObject(object);
    const deployment = find(objects, 'Deployment') as unknown as { spec: { template: { spec: { containers: { image: string; volumeMounts?: unknown[] }[]; volumes?: unknown[] } } } };
    const pod = deployment.spec.template.spec;
    assert.match(pod.containers[0]?.image ?? '', new RegExp(`^${readWorkflow(lab.dir).env['IMAGE']}:`));
    assert.deepEqual(pod.volumes ?? [], [], 'no ConfigMap volume over the baked config');
    assert.deepEqual(pod.containers[0]?.volumeMounts ?? [], []);
    assert.equal((find(objects, 'ConfigMap')['data'] as Record<string, string>)['krakend.json'], undefined, 'the base\'s sample config is not shipped');
  });
});
