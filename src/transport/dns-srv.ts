/**
 * `sd: "dns"` (lura `sd/dnssrv`): the backend's first `host` is a DNS SRV name
 * (`_api._tcp.service.consul`). Its records are looked up at start-up and again every
 * `dns_cache_ttl` (30 s by default) in the background; requests use the cached list and never wait
 * for a refresh. Only the records of the lowest priority are used, each repeated by its weight
 * (weights scaled to at most 100 and divided by their greatest common divisor), and the calls rotate
 * over that list. A failed refresh keeps the previous list. Unlike lura, records that all weigh 0
 * share the traffic evenly instead of leaving no host.
 *
 * ```json
 * { "url_pattern": "/users", "sd": "dns", "sd_scheme": "http", "host": ["_users._tcp.example.internal"] }
 * ```
 */
import dns from 'node:dns';
import type { SrvRecord } from 'node:dns';
import type { Balancer } from './balancer.js';

export type SrvLookup = (name: string) => Promise<SrvRecord[]>;

export interface SrvSubscriberOptions {
  name: string;
  /** `sd_scheme`: `http` or `https`. */
  scheme: string;
  ttlMs: number;
  /** Defaults to a resolver using the system's (or `dns.setServers`') name servers. */
  lookup?: SrvLookup;
  /** Told about failed lookups (the previous list stays in use). */
  onError?(error: Error): void;
}

/** Keeps the host list of one SRV name fresh. */
export class SrvSubscriber {
  private instances: string[] = [];
  private inflight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly lookup: SrvLookup;

  constructor(private readonly options: SrvSubscriberOptions) {
    this.lookup = options.lookup ?? defaultLookup();
    void this.refresh();
  }

  /** The current list of origins, each repeated by its weight. */
  get hosts(): readonly string[] {
    return this.instances;
  }

  /** Looks the name up now unless a lookup is already running; settles when it ends. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.inflight ??= this.lookup(this.options.name)
      .then(
        (records) => {
          const instances = srvInstances(records, this.options.scheme);
          if (instances.length > 0 || this.instances.length === 0) this.instances = instances;
        },
        (error: Error) => this.options.onError?.(error),
      )
      .finally(() => {
        this.inflight = undefined;
        this.schedule();
      });
    return this.inflight;
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), this.options.ttlMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

function defaultLookup(): SrvLookup {
  const resolver = new dns.promises.Resolver({ timeout: 2000, tries: 2 });
  // Through the module object: `dns.setServers` rebinds it, while ESM named imports keep the old binding.
  resolver.setServers(dns.getServers());
  return (name) => resolver.resolveSrv(name);
}

/** A balancer rotating over a subscriber's list, starting at a random place like lura. */
export function createSrvBalancer(subscriber: SrvSubscriber): Balancer {
  let counter = Math.floor(Math.random() * 1024);
  return {
    pick() {
      const hosts = subscriber.hosts;
      if (hosts.length === 0) return undefined;
      return hosts[counter++ % hosts.length];
    },
    whenReady: () => subscriber.refresh(),
  };
}

/** lura's `resolve`: lowest priority only, sorted, each host repeated by its compacted weight. */
export function srvInstances(records: readonly SrvRecord[], scheme: string): string[] {
  const sorted = [...records].sort(
    (a, b) => a.priority - b.priority || b.weight - a.weight || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.port - b.port,
  );
  const first = sorted[0];
  if (first === undefined) return [];
  const best = sorted.filter((record) => record.priority === first.priority);
  const weights = compactWeights(best.map((record) => record.weight));
  const instances: string[] = [];
  best.forEach((record, index) => {
    const host = record.name.replace(/\.$/, '');
    const origin = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${record.port}`;
    for (let i = 0; i < (weights[index] as number); i++) instances.push(origin);
  });
  if (instances.length > 100) shuffle(instances);
  return instances;
}

/** Scales weights to a sum of at most max(100, count), then divides them by their GCD. */
export function compactWeights(weights: readonly number[]): number[] {
  const scale = Math.max(100, weights.length);
  // All-zero weights (valid per RFC 2782) would leave lura with no host at all; share evenly instead.
  if (weights.every((weight) => weight === 0)) return weights.map(() => 1);
  const sum = weights.reduce((total, weight) => total + weight, 0);
  const scaled = sum <= scale ? [...weights] : weights.map((weight) => Math.floor((weight * scale) / sum));
  const divisor = scaled.reduce((a, b) => gcd(a, b), scaled[0] ?? 0);
  return divisor < 2 ? scaled : scaled.map((weight) => weight / divisor);
}

function gcd(a: number, b: number): number {
  while (b > 0) [a, b] = [b, a % b];
  return a;
}

function shuffle(items: string[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as string, items[i] as string];
  }
}
