/**
 * Shared by the deploy tests: renders deploy/kubernetes with `kubectl kustomize`, renders the Helm chart
 * with the plain-subset evaluator, and validates each object against the Kubernetes schemas
 * (kubernetes-models, offline).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { parse, parseAllDocuments } from 'yaml';
import { renderTemplate } from './helm-template.js';

/** From dist/test/deploy/ the project root is three levels up. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const KUSTOMIZE_BASE = join(ROOT, 'deploy/kubernetes/base');
export const KUSTOMIZE_OVERLAY = join(ROOT, 'deploy/kubernetes/overlays/production');
export const CHART = join(ROOT, 'deploy/helm/portico');

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [key: string]: unknown }; [key: string]: unknown };

/** `kubectl` from Debian's kubernetes-client (npm test's pretest installs it), or a skip reason. */
export function kubectlMissing(): string | false {
  const result = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  return result.status === 0 ? false : 'needs kubectl (Debian package kubernetes-client)';
}

function documents(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

export function kustomize(dir: string): K8sObject[] {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return documents(result.stdout);
}

export function chartValues(): Record<string, unknown> {
  return parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
}

/** `helm template` with release "portico": every template rendered, empty documents dropped. */
export function renderChart(values: Record<string, unknown>, releaseName = 'portico'): K8sObject[] {
  const dir = join(CHART, 'templates');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .flatMap((file) => documents(renderTemplate(readFileSync(join(dir, file), 'utf8'), { Values: values, Release: { Name: releaseName } })));
}

const MODELS: Record<string, { validate(this: void, object: K8sObject): void }> = {
  'v1/ConfigMap': { validate: (object) => new ConfigMap(object as never).validate() },
  'v1/Service': { validate: (object) => new Service(object as never).validate() },
  'apps/v1/Deployment': { validate: (object) => new Deployment(object as never).validate() },
  'policy/v1/PodDisruptionBudget': { validate: (object) => new PodDisruptionBudget(object as never).validate() },
  'autoscaling/v2/HorizontalPodAutoscaler': { validate: (object) => new HorizontalPodAutoscaler(object as never).validate() },
};

/** Throws naming the object when it does not match its Kubernetes schema (or is of a kind not expected here). */
export function validateObject(object: K8sObject): void {
  const model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!model) throw new Error(`unexpected object ${object.apiVersion} ${object.kind} ${object.metadata.name}`);
  try {
    model.validate(object);
  } catch (error) {
    throw new Error(`${object.kind} ${object.metadata.name}: ${(error as Error).message}`);
  }
}

export function find(objects: K8sObject[], kind: string): K8sObject {
  const found = objects.filter((object) => object.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as K8sObject;
}

/** The Go duration strings KrakenD configs use ("15s", "1m30s", "500ms") in seconds. */
export function durationSeconds(text: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  let total = 0;
  const rest = text.replace(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g, (_, value: string, unit: string) => {
    total += Number(value) * (units[unit] as number);
    return '';
  });
  if (rest !== '' || text === '') throw new Error(`not a duration: "${text}"`);
  return total;
}
