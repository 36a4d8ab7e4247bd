/**
 * The v2-era namespace names KrakenD CE 2.13 still reads. krakend-ce registers each current name as an
 * alias of its module's old internal key (cmd/krakend-ce/main.go `aliases`), and lura renames current
 * to old when it normalises a config (config.go `ExtraConfig.Normalize`). Portico goes the other way,
 * once, before anything reads the config: an old name becomes the current one, with a warning.
 */
import type { ConfigIssues } from './issues.js';
import { mapChanged, ownerKeyPath } from './raw-walk.js';
import { formatKeyPath } from './source.js';
import type { KeyPath } from './source.js';

/** Old name → current name, as krakend-ce v2.13.8 lists them. */
export const LEGACY_NAMESPACES: Readonly<Record<string, string>> = {
  'github_com/devopsfaith/krakend/transport/http/server/handler': 'plugin/http-server',
  'github.com/devopsfaith/krakend/transport/http/client/executor': 'plugin/http-client',
  'github.com/devopsfaith/krakend/proxy/plugin': 'plugin/req-resp-modifier',
  'github.com/devopsfaith/krakend/proxy': 'proxy',
  'github_com/luraproject/lura/router/gin': 'router',
  'github.com/devopsfaith/krakend-httpcache': 'qos/http-cache',
  'github.com/devopsfaith/krakend-circuitbreaker/gobreaker': 'qos/circuit-breaker',
  'github.com/devopsfaith/krakend-oauth2-clientcredentials': 'auth/client-credentials',
  'github.com/devopsfaith/krakend-jose/validator': 'auth/validator',
  'github.com/devopsfaith/krakend-jose/signer': 'auth/signer',
  'github_com/devopsfaith/bloomfilter': 'auth/revoker',
  'github_com/devopsfaith/krakend-botdetector': 'security/bot-detector',
  'github_com/devopsfaith/krakend-httpsecure': 'security/http',
  'github_com/devopsfaith/krakend-cors': 'security/cors',
  'github.com/devopsfaith/krakend-cel': 'validation/cel',
  'github.com/devopsfaith/krakend-jsonschema': 'validation/json-schema',
  'github.com/devopsfaith/krakend-amqp/agent': 'async/amqp',
  'github.com/devopsfaith/krakend-amqp/consume': 'backend/amqp/consumer',
  'github.com/devopsfaith/krakend-amqp/produce': 'backend/amqp/producer',
  'github.com/devopsfaith/krakend-lambda': 'backend/lambda',
  'github.com/devopsfaith/krakend-pubsub/publisher': 'backend/pubsub/publisher',
  'github.com/devopsfaith/krakend-pubsub/subscriber': 'backend/pubsub/subscriber',
  'github.com/devopsfaith/krakend/transport/http/client/graphql': 'backend/graphql',
  'github.com/devopsfaith/krakend/http': 'backend/http',
  'github_com/devopsfaith/krakend-gelf': 'telemetry/gelf',
  'github_com/devopsfaith/krakend-gologging': 'telemetry/logging',
  'github_com/devopsfaith/krakend-logstash': 'telemetry/logstash',
  'github_com/devopsfaith/krakend-metrics': 'telemetry/metrics',
  'github_com/letgoapp/krakend-influx': 'telemetry/influx',
  'github_com/devopsfaith/krakend-opencensus': 'telemetry/opencensus',
  'github.com/devopsfaith/krakend-lua/router': 'modifier/lua-endpoint',
  'github.com/devopsfaith/krakend-lua/proxy': 'modifier/lua-proxy',
  'github.com/devopsfaith/krakend-lua/proxy/backend': 'modifier/lua-backend',
  'github.com/devopsfaith/krakend-martian': 'modifier/martian',
};

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Returns the config with every old namespace name under `extra_config` (service, endpoints, backends,
 * async agents) replaced by its current name, in place of the old key. The input is not modified.
 * Issues reported later at a renamed key still point at the line the user wrote.
 */
export function renameLegacyNamespaces(raw: Raw, issues: ConfigIssues): Raw {
  // `list`, `index`, `backend`: where the owner is, turned into a key path only when it has a v2-era name.
  const renameIn = (owner: Raw, list: 'endpoints' | 'async_agent' = 'endpoints', index?: number, backend?: number): Raw => {
    const extra = owner['extra_config'];
    if (!isObject(extra) || !Object.keys(extra).some((key) => key in LEGACY_NAMESPACES)) return owner;
    const at = ownerKeyPath(list, index, backend);
    const renamed: Raw = {};
    for (const [key, value] of Object.entries(extra)) {
      const current = LEGACY_NAMESPACES[key];
      if (current === undefined) {
        renamed[key] = value;
        continue;
      }
      const legacyAt = [...at, 'extra_config', key];
      if (current in extra) {
        // lura copies the current name's block over the old one, so the current name wins.
        issues.warning({ code: 'PRT_WARN_CONFIG_LEGACY_NAMESPACE', at: legacyAt, message: `"${key}" is the v2-era name of "${current}", which is also set; this block is ignored, as in KrakenD`, hint: `remove "${key}"` });
        continue;
      }
      uses.set(key, [...(uses.get(key) ?? []), legacyAt]);
      renamed[current] = value;
      issues.aliasKeyPath([...at, 'extra_config', current], legacyAt);
    }
    return { ...owner, extra_config: renamed };
  };
  const renameBackends = (owner: Raw, list: 'endpoints' | 'async_agent', index: number): Raw => {
    const backends = owner['backend'];
    if (!Array.isArray(backends)) return owner;
    const renamed = mapChanged(backends as unknown[], (backend, backendIndex) => (isObject(backend) ? renameIn(backend, list, index, backendIndex) : backend));
    return renamed === backends ? owner : { ...owner, backend: renamed };
  };
  const renameList = (key: 'endpoints' | 'async_agent', root: Raw): Raw => {
    const list = root[key];
    if (!Array.isArray(list)) return root;
    const renamed = mapChanged(list as unknown[], (item, index) => (isObject(item) ? renameBackends(renameIn(item, key, index), key, index) : item));
    return renamed === list ? root : { ...root, [key]: renamed };
  };
  const uses = new Map<string, KeyPath[]>();
  const renamed = renameList('async_agent', renameList('endpoints', renameIn(raw)));
  // One warning per old name, at its first use, naming the others.
  for (const [key, places] of uses) {
    const current = LEGACY_NAMESPACES[key] as string;
    const others = places.slice(1).map((place) => formatKeyPath(place.slice(0, -2)) || 'the root');
    const also = others.length === 0 ? '' : `; also used at ${others.slice(0, 5).join(', ')}${others.length > 5 ? ` and ${others.length - 5} more` : ''}`;
    issues.warning({ code: 'PRT_WARN_CONFIG_LEGACY_NAMESPACE', at: places[0] as KeyPath, message: `"${key}" is the v2-era name of "${current}"; it works as an alias, as in KrakenD CE 2.13${also}`, hint: `write "${current}"` });
  }
  return renamed;
}
