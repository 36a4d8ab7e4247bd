/**
 * `auth/revoker` (KrakenD CE, krakend/bloomfilter): tokens whose `token_keys` claims were revoked get 401
 * from `auth/validator`. Revocations live in a rotating Bloom filter (`bloom-filter.ts`) fed through the
 * admin listener (`admin-api.ts`). One filter per gateway instance, as in KrakenD; with `run -w N` an
 * addition reaching one worker is relayed to the others through the primary process (`relay.ts`).
 *
 * ```json
 * "extra_config": {
 *   "auth/revoker": { "N": 10000000, "P": 0.0000001, "hash_name": "optimal", "TTL": 1500, "port": 1234, "token_keys": ["jti"] }
 * }
 * ```
 */
import cluster from 'node:cluster';
import { isIP } from 'node:net';
import type { Server } from 'node:http';
import type { BuildContext, ClaimsRejecter } from '../../pipeline/types.js';
import { readInteger, readString, readStrings } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { blockOf } from '../registry.js';
import type { ComponentDefinition } from '../registry.js';
import { createAdminServer } from './admin-api.js';
import { RotatingBloomFilter, filterSize } from './bloom-filter.js';
import { REVOCATION_RELAY, SYNC_TIMEOUT_MS, WorkerRevocationFeed } from './relay.js';

export const REVOKER_NAMESPACE = 'auth/revoker';
/** The v2-era name KrakenD CE 2.13 still reads (krakend-ce `cmd/krakend-ce/main.go` aliases). */
/** A filter needing more than this is refused: three of them are kept. */
const MAX_FILTER_BYTES = 512 << 20;

/** Go decodes these keys case-insensitively: `N` and `n` are the same field. */
function field(block: Block, name: string): unknown {
  if (name in block) return block[name];
  for (const key of Object.keys(block)) if (key.toLowerCase() === name.toLowerCase()) return block[key];
  return undefined;
}

function settingsOf(block: Block): { n: number; p: number; ttlSeconds: number } {
  const n = field(block, 'N');
  const p = field(block, 'P');
  const ttl = field(block, 'TTL');
  return { n: typeof n === 'number' ? n : 0, p: typeof p === 'number' ? p : 0, ttlSeconds: typeof ttl === 'number' ? ttl : 0 };
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip === 'localhost' || (isIP(ip) === 4 && ip.startsWith('127.'));
}

interface Revoker {
  rejecter: ClaimsRejecter | undefined;
}

/**
 * In a worker of `run -w N`: the channel to the primary, which relays revocations added on the other
 * workers and, before this worker builds its filter, replays those added before it started.
 */
let workerFeed: WorkerRevocationFeed | undefined;
const feedOfThisWorker = (): WorkerRevocationFeed | undefined => (cluster.isWorker ? (workerFeed ??= new WorkerRevocationFeed()) : undefined);

const REVOKER = Symbol('auth/revoker');

/** One revoker per built gateway, made by whichever of its factories runs first. */
function revokerFor(context: BuildContext): Revoker | undefined {
  const block = blockOf(context.service.extraConfig, REVOKER_NAMESPACE);
  if (block === undefined) return undefined;
  return context.instance(REVOKER, () => startRevoker(block, context));
}

function startRevoker(block: Block, context: BuildContext): Revoker {
  const { n, p, ttlSeconds } = settingsOf(block);
  const filter = new RotatingBloomFilter({ n, p });
  const timer = setInterval(() => filter.rotate(), ttlSeconds * 1000);
  timer.unref();
  context.onClose(() => clearInterval(timer));
  const tokenKeys = readStrings(block, 'token_keys');
  const log = '[SERVICE: auth/revoker]';

  const addLocally = (elements: string[]): void => {
    for (const element of elements) filter.add(element);
  };
  const keepMs = 3 * ttlSeconds * 1000;
  const relay = cluster.isWorker ? (elements: string[]) => process.send?.({ type: REVOCATION_RELAY, elements, keepMs }) : undefined;
  const feed = feedOfThisWorker();
  if (feed) context.onClose(feed.attach(addLocally));

  const port = readInteger(block, 'port', 0);
  if (port > 0) {
    const host = readString(block, 'listen_ip', '127.0.0.1') || '127.0.0.1';
    const server: Server = createAdminServer({
      add(elements) {
        addLocally(elements);
        relay?.(elements);
        context.logger.info(`${log} ${elements.length} revocation(s) added`);
      },
      check: (elements) => elements.map((element) => filter.check(element)),
    });
    server.on('error', (error) => context.logger.error(`${log} the admin listener on ${host}:${port} failed: ${error.message}; revocations cannot be added`));
    server.listen(port, host, () => context.logger.info(`${log} admin listener on ${host}:${port}`));
    context.onClose(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
  }

  if (tokenKeys.length === 0) return { rejecter: undefined };
  // krakend/bloomfilter `RejectToken`: a string claim named in `token_keys`, as `<claim>-<value>`.
  const rejecter: ClaimsRejecter = (claims) => {
    for (const key of tokenKeys) {
      const value = claims[key];
      if (typeof value === 'string' && filter.check(`${key}-${value}`)) return true;
    }
    return false;
  };
  return { rejecter };
}

export const revokerComponent: ComponentDefinition = {
  namespace: REVOKER_NAMESPACE,
  tokenRejecter: (_endpoint, context) => revokerFor(context)?.rejecter,
  async prepare() {
    const feed = feedOfThisWorker();
    if (feed && !(await feed.sync())) {
      process.stderr.write(`portico: [SERVICE: auth/revoker] the primary did not replay earlier revocations within ${SYNC_TIMEOUT_MS} ms; this worker knows only those added from now on\n`);
    }
  },
  schemas: {
    service: {
      type: 'object',
      properties: {
        N: { type: 'integer', minimum: 1, description: 'Revocations the filter is sized for.' },
        P: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'False-positive rate at N revocations.' },
        hash_name: { enum: ['default', 'optimal'], description: 'Hash family (KrakenD crashes without one; Portico hashes its own way).' },
        TTL: { type: 'integer', minimum: 1, description: 'Seconds between rotations: a revocation lasts 2 to 3 TTLs.' },
        port: { type: 'integer', minimum: 0, maximum: 65535, description: 'Port of the admin listener that adds revocations (Portico: JSON over HTTP).' },
        listen_ip: { type: 'string', default: '127.0.0.1', description: 'Portico: address of the admin listener (KrakenD listens on every interface).' },
        token_keys: { type: 'array', items: { type: 'string' }, description: 'Claims checked against the filter.' },
        headers: { type: 'array', items: { type: 'string' }, description: 'Read by krakend/bloomfilter but never checked by KrakenD CE: no effect.' },
        n: { type: 'integer', minimum: 1, description: 'Same as N (Go reads keys case-insensitively).' },
        p: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Same as P.' },
        ttl: { type: 'integer', minimum: 1, description: 'Same as TTL.' },
      },
      patternProperties: { '^[@$_#]': {} },
      additionalProperties: false,
    },
  },
  validate(block, _scope, at, issues) {
    const { n, p, ttlSeconds } = settingsOf(block);
    // KrakenD panics at start-up on each of these (nil hasher, ticker of 0 s, NaN sizes).
    if (field(block, 'hash_name') === undefined) issues.error({ code: 'PRT_ERR_CONFIG_REQUIRED', at: [...at, 'hash_name'], message: 'hash_name is required (KrakenD crashes without it)', expected: '"default" or "optimal"' });
    if (ttlSeconds <= 0) issues.error({ code: 'PRT_ERR_CONFIG_REQUIRED', at: [...at, 'TTL'], message: 'TTL must be at least 1 second (KrakenD crashes without it)', expected: 'a positive integer (seconds)' });
    if (n <= 0 || !(p > 0 && p < 1)) {
      issues.error({ code: 'PRT_ERR_CONFIG_REQUIRED', at: [...at, n <= 0 ? 'N' : 'P'], message: 'N and P size the filter', expected: 'N ≥ 1 and 0 < P < 1' });
      return;
    }
    const bytes = Math.ceil(filterSize({ n, p }).bits / 8);
    if (bytes > MAX_FILTER_BYTES) {
      issues.error({ code: 'PRT_ERR_CONFIG_VALUE', at: [...at, 'N'], message: `N and P need ${bytes} bytes per filter (three are kept)`, expected: `at most ${MAX_FILTER_BYTES} bytes: a smaller N or a larger P` });
    }
    if (readStrings(block, 'token_keys').length === 0) issues.warning({ code: 'PRT_WARN_CONFIG_REVOKER', at, message: 'no token_keys: no token is ever checked against the revocation filter' });
    const port = readInteger(block, 'port', 0);
    if (port === 0) issues.warning({ code: 'PRT_WARN_CONFIG_REVOKER', at: [...at, 'port'], message: 'no port: there is no way to add revocations' });
    const host = readString(block, 'listen_ip', '127.0.0.1') || '127.0.0.1';
    if (port > 0 && !isLoopback(host)) {
      issues.warning({ code: 'PRT_WARN_CONFIG_REVOKER', at: [...at, 'listen_ip'], message: `the admin listener on ${host}:${port} has no authentication: anyone reaching it can revoke tokens` });
    }
  },
  service(_block, context) {
    // No layer: starts the filter and its listener with the gateway, even when no endpoint validates JWTs.
    revokerFor(context);
    return undefined;
  },
};

