/**
 * The client address sent to backends as `X-Forwarded-For`. By default it is the TCP peer: a client
 * cannot choose the address backends rate-limit or audit by. With `router.forwarded_by_client_ip`, the
 * `remote_ip_headers` are read, but only when the peer is one of `trusted_proxies` (gin's rule: walk the
 * list from the right, skipping trusted hops). KrakenD trusts every peer when `trusted_proxies` is empty;
 * Portico does the same only when that key is absent and logs a warning at start-up.
 */
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export interface ClientIpSettings {
  forwardedByClientIp: boolean;
  remoteIpHeaders: string[];
  trustedProxies: string[] | undefined;
}

export type ClientIpResolver = (request: IncomingMessage) => string;

export function createClientIpResolver(settings: ClientIpSettings): ClientIpResolver {
  if (!settings.forwardedByClientIp) return peerAddress;
  const headers = (settings.remoteIpHeaders.length > 0 ? settings.remoteIpHeaders : ['X-Forwarded-For', 'X-Real-IP']).map((name) => name.toLowerCase());
  const trusted = settings.trustedProxies === undefined ? undefined : toBlockList(settings.trustedProxies);
  const isTrusted = (ip: string): boolean => {
    if (trusted === undefined) return true;
    const family = isIP(ip);
    return family !== 0 && trusted.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  };
  return function forwardedClientIp(request) {
    const peer = peerAddress(request);
    if (!isTrusted(peer)) return peer;
    for (const header of headers) {
      const value = request.headers[header];
      const text = Array.isArray(value) ? value.join(',') : value;
      if (!text) continue;
      const hops = text.split(',').map((hop) => hop.trim());
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i] as string;
        if (isIP(hop) === 0) break;
        if (i === 0 || !isTrusted(hop)) return hop;
      }
    }
    return peer;
  };
}

export function peerAddress(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function toBlockList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}
