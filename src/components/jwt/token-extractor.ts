/**
 * Finds the token of a request: the `auth_header_name` header (`Bearer <token>`, scheme matched
 * case-insensitively), else the `cookie_key` cookie, as KrakenD's validator looks for it.
 */
import type { IncomingMessage } from 'node:http';

export type TokenExtractor = (request: IncomingMessage) => string | undefined;

export function createTokenExtractor(headerName: string, cookieName: string): TokenExtractor {
  const header = headerName.toLowerCase();
  return function extractToken(request) {
    const value = request.headers[header];
    const text = Array.isArray(value) ? value[0] : value;
    if (text !== undefined && text !== '') {
      const space = text.indexOf(' ');
      if (space === -1) return undefined;
      if (text.slice(0, space).toLowerCase() !== 'bearer') return undefined;
      const token = text.slice(space + 1).trim();
      return token === '' ? undefined : token;
    }
    return cookieValue(request.headers.cookie, cookieName);
  };
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) {
      let value = part.slice(eq + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}
