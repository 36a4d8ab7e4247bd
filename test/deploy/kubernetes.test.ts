/**
 * deploy/kubernetes and deploy/helm/portico: the kustomize base and overlay render with `kubectl kustomize`,
 * every object validates against the Kubernetes schemas, the pod is set up for Portico's drain, a config
 * change rolls the pods, and the Helm chart's defaults describe the same objects as the base.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { KUSTOMIZE_BASE, KUSTOMIZE_OVERLAY, chartValues, durationSeconds, find, kubectlMissing, kustomize, renderChart, validateObject } from './manifests.js';
import type { K8sObject } from './manifests.js';
import { components } from '../helpers/components.js';

interface Probe { httpGet?: { path?: string; port?: string | number } }
interface Container {
  args: string[];
  image: string;
  ports: { name: string; containerPort: number }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  securityContext: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes: { name: string; configMap?: { name: string } }[];
}
interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Record<string, string> };
  strategy: { rollingUpdate: { maxUnavailable: number } };
  template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
}

const skip = kubectlMissing();
const spec = <T>(object: K8sObject): T => object['spec'] as T;

/** The checks every rendering must pass, whatever its values. */
async function assertDeployable(objects: K8sObject[]): Promise<void> {
  for (const object of objects) validateObject(object);
  assert.deepEqual(objects.map((object) => object.kind).sort(), ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']);

  const deployment = spec<DeploymentSpec>(find(objects, 'Deployment'));
  const pod = deployment.template.spec;
  const container = pod.containers[0] as Container;
  const podLabels = deployment.template.metadata.labels;
  const selects = (selector: Record<string, string>): boolean => Object.entries(selector).every(([key, value]) => podLabels[key] === value);
  assert.ok(selects(deployment.selector.matchLabels));
  assert.ok(selects(spec<{ selector: Record<string, string> }>(find(objects, 'Service')).selector), 'the Service selects the pods');
  assert.ok(selects(spec<{ selector: { matchLabels: Record<string, string> } }>(find(objects, 'PodDisruptionBudget')).selector.matchLabels), 'the PDB selects the pods');
  const hpa = find(objects, 'HorizontalPodAutoscaler');
  assert.deepEqual(spec<{ scaleTargetRef: unknown }>(hpa).scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: find(objects, 'Deployment').metadata.name });
  assert.equal(deployment.replicas, undefined, 'the HPA owns the replica count');
  assert.equal(deployment.strategy.rollingUpdate.maxUnavailable, 0);

  // The config the pod reads is the generated ConfigMap's, at the path given to `run -c`.
  const volume = pod.volumes.find((entry) => entry.configMap);
  const mount = container.volumeMounts.find((entry) => entry.name === volume?.name);
  assert.ok(volume?.configMap && mount);
  const configMap = find(objects, 'ConfigMap');
  assert.equal(volume.configMap.name, configMap.metadata.name);
  const configPath = container.args[container.args.indexOf('-c') + 1] as string;
  assert.equal(configPath, `${mount.mountPath}/krakend.json`);
  const configText = (configMap['data'] as Record<string, string>)['krakend.json'] as string;

  // The config is valid (check --lint) and the container port is the port it listens on.
  const dir = mkdtempSync(join(tmpdir(), 'portico-k8s-'));
  try {
    writeFileSync(join(dir, 'krakend.json'), configText);
    const loaded = await loadConfig(join(dir, 'krakend.json'), { components, lint: true });
    assert.deepEqual(loaded.issues.filter((issue) => issue.severity === 'error'), []);
    assert.equal(container.ports.find((port) => port.name === 'http')?.containerPort, loaded.config?.port);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
    assert.deepEqual(probe?.httpGet, { path: '/__health', port: 'http' });
  }
  // Kubernetes waits for preStop, then sends SIGTERM; Portico drains for up to max_shutdown_wait_time.
  const preStop = container.lifecycle?.preStop?.exec?.command;
  assert.equal(preStop?.[0], 'sleep');
  const drain = durationSeconds((JSON.parse(configText) as { max_shutdown_wait_time?: string }).max_shutdown_wait_time ?? '15s');
  assert.ok(Number(preStop[1]) + drain < pod.terminationGracePeriodSeconds, `preStop ${preStop[1]} s + drain ${drain} s must end before the ${pod.terminationGracePeriodSeconds} s grace period`);

  assert.ok(container.resources?.requests?.['cpu'] && container.resources.requests['memory'], 'requests (the HPA measures against the CPU request)');
  assert.ok(container.resources.limits?.['memory'], 'a memory limit');
  assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.ok((pod.securityContext.runAsUser ?? 0) > 0);
}

describe('Kubernetes manifests (kustomize)', { skip }, () => {
  it('the base renders, validates, and is set up for the drain', async () => {
    await assertDeployable(kustomize(KUSTOMIZE_BASE));
  });

  it('the production overlay renders, validates, pins the image and replaces the config', async () => {
    const objects = kustomize(KUSTOMIZE_OVERLAY);
    await assertDeployable(objects);
    const container = spec<DeploymentSpec>(find(objects, 'Deployment')).template.spec.containers[0] as Container;
    assert.match(container.image, /^registry\.example\.com\/portico:\d+\.\d+\.\d+$/);
    const data = find(objects, 'ConfigMap')['data'] as Record<string, string>;
    assert.equal(data['krakend.json'], readFileSync(join(KUSTOMIZE_OVERLAY, 'krakend.json'), 'utf8'));
    for (const object of objects) assert.equal((object.metadata as { namespace?: string }).namespace, 'portico');
  });

  it('a config change renames the ConfigMap, so the pod template changes and the pods roll', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-kustomize-'));
    try {
      cpSync(KUSTOMIZE_BASE, dir, { recursive: true });
      const before = kustomize(dir);
      const file = join(dir, 'krakend.json');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"timeout": "3s"', '"timeout": "4s"'));
      const after = kustomize(dir);
      const refOf = (objects: K8sObject[]): string | undefined => spec<DeploymentSpec>(find(objects, 'Deployment')).template.spec.volumes[0]?.configMap?.name;
      assert.notEqual(find(before, 'ConfigMap').metadata.name, find(after, 'ConfigMap').metadata.name);
      assert.equal(refOf(after), find(after, 'ConfigMap').metadata.name);
      assert.notEqual(refOf(before), refOf(after));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** What differs by design between the two renderings: how each names the config so that it rolls the pods. */
function normalize(objects: K8sObject[]): K8sObject[] {
  const copy = structuredClone(objects);
  for (const object of copy) {
    delete object.metadata['namespace'];
    for (const key of ['labels', 'annotations']) {
      const map = object.metadata[key] as Record<string, string> | undefined;
      if (map && Object.keys(map).length === 0) delete object.metadata[key];
    }
    if (object.kind === 'ConfigMap') object.metadata.name = object.metadata.name.replace(/-[a-z0-9]{10}$/, '');
    if (object.kind === 'Deployment') {
      const template = spec<DeploymentSpec>(object).template;
      delete template.metadata.annotations?.['checksum/config'];
      if (template.metadata.annotations && Object.keys(template.metadata.annotations).length === 0) delete template.metadata.annotations;
      for (const volume of template.spec.volumes) if (volume.configMap) volume.configMap.name = volume.configMap.name.replace(/-[a-z0-9]{10}$/, '');
    }
  }
  return copy.sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
}

describe('Helm chart deploy/helm/portico', () => {
  it('renders objects that validate, with the pods set up for the drain', { skip }, async () => {
    await assertDeployable(renderChart(chartValues()));
  });

  it('its defaults describe the same objects as the kustomize base', { skip }, () => {
    const chart = renderChart(chartValues());
    assert.ok(spec<DeploymentSpec>(find(chart, 'Deployment')).template.metadata.annotations?.['checksum/config']);
    assert.deepEqual(normalize(chart), normalize(kustomize(KUSTOMIZE_BASE)));
  });

  it('with the overlay\'s values it describes the overlay\'s objects', { skip }, () => {
    const values = chartValues();
    const overlayDeployment = spec<DeploymentSpec>(find(kustomize(KUSTOMIZE_OVERLAY), 'Deployment'));
    const [repository, tag] = (overlayDeployment.template.spec.containers[0] as Container).image.split(':') as [string, string];
    Object.assign(values, {
      image: { repository, tag },
      resources: { requests: { cpu: '1', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      autoscaling: { ...(values['autoscaling'] as object), minReplicas: 3, maxReplicas: 20 },
      config: readFileSync(join(KUSTOMIZE_OVERLAY, 'krakend.json'), 'utf8'),
    });
    assert.deepEqual(normalize(renderChart(values)), normalize(kustomize(KUSTOMIZE_OVERLAY)));
  });

  it('a changed config changes the pod template (checksum annotation)', () => {
    const values = chartValues();
    const checksum = (objects: K8sObject[]): string | undefined => spec<DeploymentSpec>(find(objects, 'Deployment')).template.metadata.annotations?.['checksum/config'];
    const before = checksum(renderChart(values));
    const after = checksum(renderChart({ ...values, config: `${String(values['config'])} ` }));
    assert.match(before ?? '', /^[0-9a-f]{64}$/);
    assert.notEqual(before, after);
  });

  it('without autoscaling and PDB: a fixed replica count, no HPA or PDB; names follow the release', () => {
    const objects = renderChart({ ...chartValues(), autoscaling: { enabled: false }, pdb: { enabled: false }, replicaCount: 4 }, 'edge');
    for (const object of objects) validateObject(object);
    assert.deepEqual(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort(), ['ConfigMap/edge-config', 'Deployment/edge', 'Service/edge']);
    assert.equal(spec<DeploymentSpec>(find(objects, 'Deployment')).replicas, 4);
    assert.equal(spec<{ selector: Record<string, string> }>(find(objects, 'Service')).selector['app.kubernetes.io/instance'], 'edge');
  });

  it('a value the chart needs but the values lack is an error, not an empty field', () => {
    assert.throws(() => renderChart({ ...chartValues(), service: undefined }), /cannot print a missing value/);
  });
});
