/** Go `net/http` cookie serialisation and parsing, as Martian's cookie modifier and filter use them. */
import { isIP } from 'node:net';

export interface Cookie {
  name: string;
  value: string;
  path: string;
  domain: string;
  /** Milliseconds since the epoch; `undefined` for Go's zero time (no `Expires`). */
  expires: number | undefined;
  secure: boolean;
  httpOnly: boolean;
  maxAge: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function keepBytes(text: string, valid: (code: number) => boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) if (valid(text.charCodeAt(i))) out += text[i] as string;
  return out;
}

const validValueByte = (code: number): boolean => code >= 0x20 && code < 0x7f && code !== 0x22 && code !== 0x3b && code !== 0x5c;
const validPathByte = (code: number): boolean => code >= 0x20 && code < 0x7f && code !== 0x3b;

/** Go `sanitizeCookieValue` (unquoted cookies): invalid bytes dropped, quoted when it holds a space or comma. */
export function sanitizeCookieValue(value: string): string {
  const kept = keepBytes(value, validValueByte);
  return kept !== '' && /[ ,]/.test(kept) ? `"${kept}"` : kept;
}

function isCookieDomainName(domain: string): boolean {
  const name = domain.startsWith('.') ? domain.slice(1) : domain;
  if (name === '' || name.length > 255 || name.endsWith('.')) return false;
  return name.split('.').every((label) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label)) && /[A-Za-z_]/.test(name);
}

/** The `Cookie:` pair `http.Request.AddCookie` appends. */
export function requestCookiePair(cookie: Cookie): string {
  return `${cookie.name.replace(/[\r\n]/g, '-')}=${sanitizeCookieValue(cookie.value)}`;
}

/** Go `http.Cookie.String`: the `Set-Cookie` value, empty for an invalid name. */
export function setCookieValue(cookie: Cookie): string {
  if (!TOKEN.test(cookie.name)) return '';
  let out = `${cookie.name}=${sanitizeCookieValue(cookie.value)}`;
  if (cookie.path !== '') out += `; Path=${keepBytes(cookie.path, validPathByte)}`;
  if (cookie.domain !== '' && (isCookieDomainName(cookie.domain) || isIP(cookie.domain) !== 0)) {
    out += `; Domain=${cookie.domain.startsWith('.') ? cookie.domain.slice(1) : cookie.domain}`;
  }
  if (cookie.expires !== undefined && new Date(cookie.expires).getUTCFullYear() >= 1601) out += `; Expires=${new Date(cookie.expires).toUTCString()}`;
  if (cookie.maxAge > 0) out += `; Max-Age=${cookie.maxAge}`;
  else if (cookie.maxAge < 0) out += '; Max-Age=0';
  if (cookie.httpOnly) out += '; HttpOnly';
  if (cookie.secure) out += '; Secure';
  return out;
}

function unquote(value: string): string {
  return value.length > 1 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** Name/value pairs of `Cookie:` headers (Go `Request.Cookies`); malformed pairs are skipped. */
export function requestCookies(headerValues: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (const line of headerValues) {
    for (const part of line.split(';')) {
      const trimmed = part.trim();
      if (trimmed === '') continue;
      const equals = trimmed.indexOf('=');
      const name = equals < 0 ? trimmed : trimmed.slice(0, equals);
      const value = unquote(equals < 0 ? '' : trimmed.slice(equals + 1));
      if (!TOKEN.test(name) || ![...value].every((char) => validValueByte(char.charCodeAt(0)))) continue;
      pairs.push([name, value]);
    }
  }
  return pairs;
}

/** Name/value of each `Set-Cookie:` header (Go `Response.Cookies`); malformed ones are skipped. */
export function responseCookies(headerValues: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (const line of headerValues) {
    const first = (line.split(';')[0] as string).trim();
    const equals = first.indexOf('=');
    if (equals < 0) continue;
    const name = first.slice(0, equals).trim();
    const value = unquote(first.slice(equals + 1).trim());
    if (!TOKEN.test(name) || ![...value].every((char) => validValueByte(char.charCodeAt(0)))) continue;
    pairs.push([name, value]);
  }
  return pairs;
}
