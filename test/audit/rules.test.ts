/** The audit rules one by one: each triggered by its fixture, silenced by `ignore`, filtered by severity. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { audit } from '../../src/audit/audit.js';
import { AUDIT_RULES } from '../../src/audit/rules.js';
import { buildSubject } from '../../src/audit/subject.js';
import { NEVER_FIRES, TRIGGERS, cleanConfig } from './fixtures.js';

type Json = Record<string, unknown>;

function ruleIds(config: Json, options: Parameters<typeof audit>[1] = {}, ignored: (string | number)[][] = []): string[] {
  return audit(buildSubject(config, ignored), options).Recommendations.map((recommendation) => recommendation.Rule);
}

function triggered(id: string): Json {
  const config = cleanConfig();
  (TRIGGERS[id] as (config: Json) => void)(config);
  return config;
}

/** krakend-audit v0.9.3's rule ids (rules.go, `ruleSet`), in its order. */
const KRAKEND_IDS = [
  '1.1.1', '1.1.2', '1.2.1',
  '2.1.1', '2.1.2', '2.1.3', '2.1.7', '2.1.8', '2.1.9', '2.2.1', '2.2.2', '2.2.3', '2.2.4', '2.2.5', '2.3.1',
  '3.1.1', '3.1.2', '3.1.3', '3.3.1', '3.3.2', '3.3.3', '3.3.4',
  '4.1.1', '4.1.2', '4.1.3', '4.2.1', '4.3.1',
  '5.1.1', '5.1.2', '5.1.3', '5.1.4', '5.1.5', '5.1.6', '5.1.7', '5.2.1', '5.2.2', '5.2.3',
  '6.1.1',
  '7.1.1', '7.1.2', '7.1.3', '7.1.4', '7.1.5', '7.1.6', '7.1.7', '7.1.8', '7.1.9', '7.2.1', '7.2.2', '7.2.3', '7.2.4', '7.3.1',
]; // prettier-ignore

describe('audit rules', () => {
  it("has krakend-audit's rules, in its order, then Portico's own (P-prefixed, marked)", () => {
    const krakend = AUDIT_RULES.filter((rule) => !rule.portico).map((rule) => rule.id);
    assert.deepEqual(krakend, KRAKEND_IDS);
    const own = AUDIT_RULES.filter((rule) => rule.portico);
    assert.ok(own.length >= 3);
    for (const rule of own) assert.match(rule.id, /^P\d+\.\d+\.\d+$/);
    assert.equal(new Set(AUDIT_RULES.map((rule) => rule.id)).size, AUDIT_RULES.length, 'ids are unique');
  });

  it('the clean fixture triggers nothing', () => {
    assert.deepEqual(ruleIds(cleanConfig()), []);
  });

  for (const rule of AUDIT_RULES) {
    if (rule.id in NEVER_FIRES || rule.id.startsWith('P7.4.')) continue;
    it(`${rule.id} [${rule.severity}] is triggered by its fixture and silenced by ignore`, () => {
      const trigger = TRIGGERS[rule.id];
      assert.ok(trigger, `no fixture for ${rule.id}`);
      const config = triggered(rule.id);
      assert.ok(ruleIds(config).includes(rule.id), `${rule.id} did not fire: ${ruleIds(config).join(', ')}`);
      assert.ok(!ruleIds(config, { ignore: [rule.id] }).includes(rule.id));
      const others = ruleIds(config, { severities: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'].filter((severity) => severity !== rule.severity) });
      assert.ok(!others.includes(rule.id), 'filtered out when its severity is not asked for');
    });
  }

  it('P7.4.1 and P7.4.2 report each key the loader says Portico ignores, by what it leaves off', () => {
    const ignored = [['extra_config', 'security/policies'], ['extra_config', 'telemetry/metrics'], ['async_agent'], ['endpoints', 0, 'extra_config', 'qos/ratelimit/tiered']];
    const result = audit(buildSubject(cleanConfig(), ignored));
    const locations = (id: string): string[] | undefined => result.Recommendations.find((recommendation) => recommendation.Rule === id)?.Locations.map((location) => location.keyPath);
    assert.deepEqual(locations('P7.4.1'), ['extra_config["security/policies"]', 'endpoints[0].extra_config["qos/ratelimit/tiered"]']);
    assert.deepEqual(locations('P7.4.2'), ['extra_config["telemetry/metrics"]', 'async_agent']);
    assert.deepEqual(ruleIds(cleanConfig(), { ignore: ['P7.4.1', 'P7.4.2'] }, ignored), []);
  });

  it('4.1.2 never fires, as in krakend-audit v0.9.3', () => {
    const unnamed = cleanConfig();
    delete unnamed['name'];
    for (const config of [unnamed, ...Object.keys(TRIGGERS).map(triggered)]) assert.ok(!ruleIds(config).includes('4.1.2'));
  });

  it('severity filtering keeps only the asked severities', () => {
    const config = triggered('3.3.4'); // 3.3.1 LOW, 3.3.2 MEDIUM, 3.3.3 HIGH, 3.3.4 CRITICAL
    assert.deepEqual(ruleIds(config), ['3.3.1', '3.3.2', '3.3.3', '3.3.4']);
    assert.deepEqual(ruleIds(config, { severities: ['CRITICAL'] }), ['3.3.4']);
    assert.deepEqual(ruleIds(config, { severities: ['HIGH', 'LOW'] }), ['3.3.1', '3.3.3']);
  });

  it('timeouts are judged as lura resolves them: endpoint, else root, else 2s', () => {
    const config = cleanConfig();
    config['timeout'] = '4s';
    (config['endpoints'] as Json[])[1]!['timeout'] = '1s';
    const found = audit(buildSubject(config)).Recommendations.find((recommendation) => recommendation.Rule === '3.3.1');
    assert.deepEqual(found?.Locations, [{ keyPath: 'timeout' }], 'only the endpoint inheriting the root timeout');
    assert.equal(timeoutOf('3s'), false, 'exactly 3s is not above 3s');
    assert.equal(timeoutOf('3.5s'), true);
  });

  it('counts the v2 namespace names KrakenD still accepts (lura Normalize aliases)', () => {
    const config = triggered('2.2.2');
    (config['extra_config'] as Json)['github_com/devopsfaith/krakend-cors'] = { allow_origins: ['*'] };
    assert.ok(!ruleIds(config).includes('2.2.2'));
  });

  it('follows krakend-audit where it reads less than its message says', () => {
    // auth/basic is not recorded by its parser, so 1.1.1 only sees the old plugin.
    const basic = cleanConfig();
    (basic['extra_config'] as Json)['auth/basic'] = { users: {} };
    assert.ok(!ruleIds(basic).includes('1.1.1'));
    // A client plugin at backend level is not looked at.
    const backendPlugin = cleanConfig();
    ((backendPlugin['endpoints'] as Json[])[0]!['backend'] as Json[])[1]!['extra_config'] = { 'plugin/http-client': { name: 'no-redirect' } };
    assert.ok(!ruleIds(backendPlugin).includes('7.1.7'));
    // With no endpoints at all, "every endpoint is no-op" and "no endpoint aggregates" hold.
    const empty = { ...cleanConfig(), endpoints: [] };
    assert.deepEqual(ruleIds(empty).filter((id) => id.startsWith('5.')), ['5.2.2', '5.2.3']);
  });

  it('5.1.6 compares methods as lura keeps them: as written, inherited from the endpoint', () => {
    const config = cleanConfig();
    (config['endpoints'] as Json[]).push({ endpoint: '/w', method: 'put', backend: [{ url_pattern: '/a' }, { url_pattern: '/b', method: 'GET' }] });
    assert.ok(!ruleIds(config).includes('5.1.6'), 'one write backend');
    ((config['endpoints'] as Json[])[2]!['backend'] as Json[])[1]!['method'] = 'get';
    assert.ok(ruleIds(config).includes('5.1.6'), 'krakend-audit counts a lower-case "get" as a write');
  });

  it('6.1.1 needs ten agents', () => {
    const nine = triggered('6.1.1');
    (nine['async_agent'] as unknown[]).pop();
    assert.ok(!ruleIds(nine).includes('6.1.1'));
  });

  it('P2.2.6 is quiet once trusted_proxies is a list, even an empty one', () => {
    const config = triggered('P2.2.6');
    ((config['extra_config'] as Json)['router'] as Json)['trusted_proxies'] = [];
    assert.ok(!ruleIds(config).includes('P2.2.6'));
  });
});

function timeoutOf(timeout: string): boolean {
  const config = cleanConfig();
  (config['endpoints'] as Json[])[0]!['timeout'] = timeout;
  return ruleIds(config).includes('3.3.1');
}
