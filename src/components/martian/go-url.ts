/**
 * The pieces of Go's `net/url` and `net/http` cookie handling that Martian's modifiers rely on, with
 * Go's exact escaping rules, so a modified URL or cookie reaches the backend as KrakenD would send it.
 */

const HEX = '0123456789ABCDEF';

function isUnreserved(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x2d || code === 0x5f || code === 0x2e || code === 0x7e;
}

/** Reserved characters a path keeps unescaped (Go `shouldEscape` in `encodePath` mode). */
const PATH_KEEPS = new Set([...'$&+,/:;=@'].map((char) => char.charCodeAt(0)));

function escapeBytes(text: string, keep: (code: number) => boolean, spaceAsPlus: boolean): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (keep(byte)) out += String.fromCharCode(byte);
    else if (spaceAsPlus && byte === 0x20) out += '+';
    else out += `%${HEX[byte >> 4] as string}${HEX[byte & 15] as string}`;
  }
  return out;
}

/** Go `url.URL.EscapedPath` of a path set from a decoded value (`url.Modifier`'s `path`). */
export function escapePath(path: string): string {
  if (path === '*') return path;
  return escapeBytes(path, (code) => isUnreserved(code) || PATH_KEEPS.has(code), false);
}

/** Go `url.QueryEscape`. */
export function queryEscape(text: string): string {
  return escapeBytes(text, isUnreserved, true);
}

/** Percent-decoding (and `+` as space for queries); `undefined` for a malformed escape, as Go refuses it. */
export function unescape(text: string, plusAsSpace: boolean): string | undefined {
  if (!text.includes('%') && !(plusAsSpace && text.includes('+'))) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (plusAsSpace && code === 0x2b) bytes.push(0x20);
    else for (const byte of Buffer.from(text[i] as string, 'utf8')) bytes.push(byte);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Go `url.ParseQuery`, ignoring its error as `URL.Query()` does: malformed pairs are skipped. */
export function parseQuery(rawQuery: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const equals = pair.indexOf('=');
    const key = unescape(equals < 0 ? pair : pair.slice(0, equals), true);
    const value = unescape(equals < 0 ? '' : pair.slice(equals + 1), true);
    if (key === undefined || value === undefined) continue;
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return values;
}

/** Go `url.Values.Encode`: keys sorted bytewise, each value escaped. */
export function encodeQuery(values: Map<string, string[]>): string {
  const keys = [...values.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const parts: string[] = [];
  for (const key of keys) {
    const escaped = queryEscape(key);
    for (const value of values.get(key) as string[]) parts.push(`${escaped}=${queryEscape(value)}`);
  }
  return parts.join('&');
}

/** Martian's `MatchHost`: exact, or with `*` standing for one leading label (`*.example.com`). */
export function matchHost(host: string, pattern: string): boolean {
  if (host === '') return false;
  if (host === pattern) return true;
  let hi = host.length - 1;
  for (let mi = pattern.length - 1; mi >= 0; mi--) {
    if (pattern[mi] === '*') {
      while (hi > 0 && host[hi] !== '.') hi--;
      if (mi === 0 && hi === 0) return true;
      continue;
    }
    if (host[hi] !== pattern[mi]) return false;
    if (hi === 0) return mi === 0;
    hi--;
  }
  return false;
}

/** Go `net.SplitHostPort`; throws Go's messages for a malformed address. */
export function splitHostPort(hostport: string): [string, string] {
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0) throw new Error(`address ${hostport}: missing ']' in address`);
    const rest = hostport.slice(end + 1);
    if (!rest.startsWith(':')) throw new Error(`address ${hostport}: missing port in address`);
    return [hostport.slice(1, end), rest.slice(1)];
  }
  const colon = hostport.lastIndexOf(':');
  if (colon < 0) throw new Error(`address ${hostport}: missing port in address`);
  const host = hostport.slice(0, colon);
  if (host.includes(':')) throw new Error(`address ${hostport}: too many colons in address`);
  return [host, hostport.slice(colon + 1)];
}

/** Go `net.JoinHostPort`. */
export function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go `strconv.Atoi` for a port: decimal digits with an optional sign, else throws. */
export function atoi(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number(text);
}
