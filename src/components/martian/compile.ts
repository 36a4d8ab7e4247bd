/**
 * Compiles a `modifier/martian` block into two closures, one for the backend request and one for its
 * response, once at start-up. The JSON follows google/martian's `parse.FromJSON` (the version KrakenD CE
 * 2.13.8 links through krakend-martian v2.3.0): an object with exactly one key, the modifier's type; each
 * type's fields decoded as Go's `encoding/json` does (field names matched case-insensitively, wrong types
 * refused); `scope` picks the request and/or response side, and naming a side the type lacks is an error.
 * Filters hold a nested `modifier` (and `else`); groups hold lists. Errors carry the key path.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { re2 } from '../../util/re2.js';
import type { RE2JS } from '../../util/re2.js';
import { canonicalHeaderName } from '../../config/headers.js';
import type { KeyPath } from '../../config/source.js';
import { requestCookiePair, requestCookies, responseCookies, setCookieValue } from './go-cookie.js';
import type { Cookie } from './go-cookie.js';
import { atoi, encodeQuery, escapePath, joinHostPort, matchHost, parseQuery, splitHostPort, unescape } from './go-url.js';
import { HeaderAccess, ModifierError } from './message.js';
import type { MartianRequest, MartianResponse } from './message.js';
import { rangedBody } from './ranges.js';

export type RequestModifier = (request: MartianRequest) => void;
export type ResponseModifier = (response: MartianResponse) => void;

/** What a parsed modifier does on each side; a side left out does nothing. */
export interface Compiled {
  request: RequestModifier | undefined;
  response: ResponseModifier | undefined;
}

/** A block KrakenD's Martian parser refuses (KrakenD then runs the backend without any modifier). */
export class MartianConfigError extends Error {
  constructor(
    readonly at: KeyPath,
    message: string,
    /** A type KrakenD knows but Portico does not run. */
    readonly unsupported = false,
  ) {
    super(message);
  }
}

type Message = Record<string, unknown>;
type Parser = (message: Message, at: KeyPath) => Compiled;

/** Types KrakenD registers that Portico refuses to run: `static.Modifier` serves files from the gateway's disk. */
const UNSUPPORTED = new Set(['static.Modifier']);

/** Martian's `parse.FromJSON`. */
export function compileModifier(value: unknown, at: KeyPath): Compiled {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (value === null) throw new MartianConfigError(at, 'parse: expected one modifier, received 0');
    throw new MartianConfigError(at, `json: cannot unmarshal ${goType(value)} into a modifier: expected an object with one key, the modifier's type`);
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new MartianConfigError(at, `parse: expected one modifier, received ${keys.length}: ${keys.join(', ')}`);
  const type = keys[0] as string;
  const here = [...at, type];
  if (UNSUPPORTED.has(type)) throw new MartianConfigError(here, `${type} is not supported by Portico`, true);
  const parser = PARSERS[type];
  if (parser === undefined) throw new MartianConfigError(here, `parse: unknown modifier: ${type}`);
  const message = (value as Message)[type];
  if (message !== null && (typeof message !== 'object' || Array.isArray(message))) throw new MartianConfigError(here, `json: cannot unmarshal ${goType(message)} into the ${type} fields: expected an object`);
  return parser((message ?? {}) as Message, here);
}

// --- Go encoding/json field reading -------------------------------------------------------------------

function goType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** Go matches a JSON key to a field exactly, else case-insensitively. */
function field(message: Message, name: string): unknown {
  if (name in message) return message[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(message)) if (key.toLowerCase() === lower) return message[key];
  return undefined;
}

function typeError(at: KeyPath, name: string, value: unknown, type: string): MartianConfigError {
  return new MartianConfigError([...at, name], `json: cannot unmarshal ${goType(value)} into field ${name} of type ${type}`);
}

function readString(message: Message, name: string, at: KeyPath): string {
  const value = field(message, name);
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw typeError(at, name, value, 'string');
  return value;
}

function readBoolean(message: Message, name: string, at: KeyPath): boolean {
  const value = field(message, name);
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw typeError(at, name, value, 'bool');
  return value;
}

function readInteger(message: Message, name: string, at: KeyPath): number {
  const value = field(message, name);
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError(at, name, value, 'int');
  return value;
}

function readStrings(message: Message, name: string, at: KeyPath): string[] {
  const value = field(message, name);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw typeError(at, name, value, '[]string');
  return value as string[];
}

/** Go decodes a `[]byte` field from standard base64 (line breaks ignored). */
function readBase64(message: Message, name: string, at: KeyPath): Buffer {
  const value = field(message, name);
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (typeof value !== 'string') throw typeError(at, name, value, '[]byte');
  const text = value.replace(/[\r\n]/g, '');
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new MartianConfigError([...at, name], 'illegal base64 data: expected standard base64 with padding');
  return Buffer.from(text, 'base64');
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function readTime(message: Message, name: string, at: KeyPath): number | undefined {
  const value = field(message, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
    throw new MartianConfigError([...at, name], `parsing time ${JSON.stringify(value)}: expected RFC 3339 ("2006-01-02T15:04:05Z07:00")`);
  }
  return Date.parse(value);
}

function compileRegex(message: Message, name: string, at: KeyPath): RE2JS {
  const source = readString(message, name, at);
  try {
    return re2().compile(source);
  } catch (error) {
    throw new MartianConfigError([...at, name], `error parsing regexp: ${(error as Error).message}`);
  }
}

/** A nested modifier (a filter's `modifier`, `else`); a missing one is Go's "unexpected end of JSON input". */
function nested(message: Message, name: string, at: KeyPath): Compiled {
  const value = field(message, name);
  if (value === undefined) throw new MartianConfigError([...at, name], 'unexpected end of JSON input: the nested modifier is missing');
  return compileModifier(value, [...at, name]);
}

function optionalNested(message: Message, name: string, at: KeyPath): Compiled | undefined {
  return field(message, name) === undefined ? undefined : nested(message, name, at);
}

/** Martian's `parse.NewResult`: no `scope` keeps every side the type has; a listed side it lacks is an error. */
function scoped(message: Message, at: KeyPath, sides: Compiled): Compiled {
  const value = field(message, 'scope');
  if (value === undefined || value === null) return sides;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw typeError(at, 'scope', value, '[]parse.ModifierType');
  const result: Compiled = { request: undefined, response: undefined };
  for (const side of value as string[]) {
    if (side !== 'request' && side !== 'response') throw new MartianConfigError([...at, 'scope'], `parse: invalid scope: ${side} not in ["request", "response"]`);
    if (sides[side] === undefined) throw new MartianConfigError([...at, 'scope'], `parse: invalid scope "${side}" for modifier`);
    (result as unknown as Record<string, unknown>)[side] = sides[side];
  }
  return result;
}

// --- filters ------------------------------------------------------------------------------------------

type RequestCondition = (request: MartianRequest) => boolean;
type ResponseCondition = (response: MartianResponse) => boolean;

/** Martian's `filter.Filter`: the nested modifier when the condition holds, `else` otherwise. */
function conditional(whenRequest: RequestCondition, whenResponse: ResponseCondition, then: Compiled, otherwise: Compiled | undefined): Compiled {
  const thenRequest = then.request;
  const thenResponse = then.response;
  const elseRequest = otherwise?.request;
  const elseResponse = otherwise?.response;
  return {
    request: (request) => (whenRequest(request) ? thenRequest?.(request) : elseRequest?.(request)),
    response: (response) => (whenResponse(response) ? thenResponse?.(response) : elseResponse?.(response)),
  };
}

function anyValueIs(values: readonly string[] | undefined, expected: string): boolean {
  return values !== undefined && values.includes(expected);
}

function headerFilter(message: Message, at: KeyPath): Compiled {
  const name = canonicalHeaderName(readString(message, 'name', at));
  const value = readString(message, 'value', at);
  const filter = conditional(
    (request) => anyValueIs(new HeaderAccess(request.headers, request).all(name), value),
    (response) => anyValueIs(new HeaderAccess(response.headers, undefined).all(name), value),
    nested(message, 'modifier', at),
    optionalNested(message, 'else', at),
  );
  return scoped(message, at, filter);
}

/** header.RegexFilter: the first value of a request header (the backend request's, on the response side). */
function headerRegexFilter(message: Message, at: KeyPath): Compiled {
  const regex = compileRegex(message, 'regex', at);
  const name = canonicalHeaderName(readString(message, 'header', at));
  const inner = nested(message, 'modifier', at);
  const matches = (request: MartianRequest): boolean => {
    const value = request.headers.get(name)?.[0] ?? '';
    return value !== '' && regex.matcher(value).find();
  };
  const innerRequest = inner.request;
  const innerResponse = inner.response;
  return scoped(message, at, {
    request: (request) => {
      if (matches(request)) innerRequest?.(request);
    },
    response: (response) => {
      if (matches(response.request)) innerResponse?.(response);
    },
  });
}

function queryMatches(request: MartianRequest, name: string, value: string): boolean {
  const values = parseQuery(request.rawQuery).get(name);
  return values !== undefined && (value === '' || values.includes(value));
}

function querystringFilter(message: Message, at: KeyPath): Compiled {
  const name = readString(message, 'name', at);
  const value = readString(message, 'value', at);
  const filter = conditional(
    (request) => queryMatches(request, name, value),
    (response) => queryMatches(response.request, name, value),
    nested(message, 'modifier', at),
    optionalNested(message, 'else', at),
  );
  return scoped(message, at, filter);
}

function urlFilter(message: Message, at: KeyPath): Compiled {
  const scheme = readString(message, 'scheme', at);
  const host = readString(message, 'host', at);
  const path = readString(message, 'path', at);
  const query = readString(message, 'query', at);
  const matches = (request: MartianRequest): boolean =>
    (scheme === '' || scheme === request.scheme) &&
    (host === '' || matchHost(request.urlHost, host)) &&
    (path === '' || path === (unescape(request.escapedPath, false) ?? request.escapedPath)) &&
    (query === '' || query === request.rawQuery);
  return scoped(message, at, conditional(matches, (response) => matches(response.request), nested(message, 'modifier', at), optionalNested(message, 'else', at)));
}

function urlRegexFilter(message: Message, at: KeyPath): Compiled {
  const regex = compileRegex(message, 'regex', at);
  const matches = (request: MartianRequest): boolean => regex.matcher(request.url()).find();
  return scoped(message, at, conditional(matches, (response) => matches(response.request), nested(message, 'modifier', at), optionalNested(message, 'else', at)));
}

function cookieFilter(message: Message, at: KeyPath): Compiled {
  const name = readString(message, 'name', at);
  const value = readString(message, 'value', at);
  const matches = (pairs: [string, string][]): boolean => pairs.some(([cookieName, cookieValue]) => cookieName === name && (value === '' || value === cookieValue));
  return scoped(
    message,
    at,
    conditional(
      (request) => matches(requestCookies(request.headers.get('Cookie') ?? [])),
      (response) => matches(responseCookies(response.headers.get('Set-Cookie') ?? [])),
      nested(message, 'modifier', at),
      optionalNested(message, 'else', at),
    ),
  );
}

function defaultPort(scheme: string): number {
  return scheme === 'http' ? 80 : scheme === 'https' ? 443 : 0;
}

/** port.Filter, with Go's asymmetry: on responses a host without a port that is not the default fails. */
function portFilter(message: Message, at: KeyPath): Compiled {
  const port = readInteger(message, 'port', at);
  const inner = nested(message, 'modifier', at);
  const innerRequest = inner.request;
  const innerResponse = inner.response;
  return scoped(message, at, {
    request: (request) => {
      if (request.urlHost.includes(':')) {
        if (atoiOrFail(splitOrFail(request.urlHost)[1]) === port) innerRequest?.(request);
      } else if (port === defaultPort(request.scheme)) innerRequest?.(request);
    },
    response: (response) => {
      const request = response.request;
      if (!request.urlHost.includes(':') && port === defaultPort(request.scheme)) {
        innerResponse?.(response);
        return;
      }
      if (atoiOrFail(splitOrFail(request.urlHost)[1]) === port) innerResponse?.(response);
    },
  });
}

function splitOrFail(hostport: string): [string, string] {
  try {
    return splitHostPort(hostport);
  } catch (error) {
    throw new ModifierError((error as Error).message);
  }
}

function atoiOrFail(text: string): number {
  try {
    return atoi(text);
  } catch (error) {
    throw new ModifierError((error as Error).message);
  }
}

// --- modifiers ----------------------------------------------------------------------------------------

function headerModifier(message: Message, at: KeyPath): Compiled {
  const name = readString(message, 'name', at);
  const value = readString(message, 'value', at);
  return scoped(message, at, {
    request: (request) => new HeaderAccess(request.headers, request).set(name, value),
    response: (response) => new HeaderAccess(response.headers, undefined).set(name, value),
  });
}

function headerAppend(message: Message, at: KeyPath): Compiled {
  const name = readString(message, 'name', at);
  const value = readString(message, 'value', at);
  return scoped(message, at, {
    request: (request) => new HeaderAccess(request.headers, request).add(name, value),
    response: (response) => new HeaderAccess(response.headers, undefined).add(name, value),
  });
}

function headerBlacklist(message: Message, at: KeyPath): Compiled {
  const names = readStrings(message, 'names', at);
  return scoped(message, at, {
    request: (request) => {
      const access = new HeaderAccess(request.headers, request);
      for (const name of names) access.del(name);
    },
    response: (response) => {
      const access = new HeaderAccess(response.headers, undefined);
      for (const name of names) access.del(name);
    },
  });
}

function headerCopy(message: Message, at: KeyPath): Compiled {
  const from = readString(message, 'from', at);
  const to = readString(message, 'to', at);
  const copy = (access: HeaderAccess): void => access.set(to, access.get(from));
  return scoped(message, at, {
    request: (request) => copy(new HeaderAccess(request.headers, request)),
    response: (response) => copy(new HeaderAccess(response.headers, undefined)),
  });
}

/** krakend-martian's `header.Id`: a UUID in `X-Krakend-Id` (or `header`) unless the request has one. */
function headerId(message: Message, at: KeyPath): Compiled {
  const name = canonicalHeaderName(readString(message, 'header', at) || 'X-Krakend-Id');
  return scoped(message, at, {
    request: (request) => {
      if ((request.headers.get(name)?.[0] ?? '') === '') request.headers.set(name, [randomUUID()]);
    },
    response: undefined,
  });
}

function querystringModifier(message: Message, at: KeyPath): Compiled {
  const name = readString(message, 'name', at);
  const value = readString(message, 'value', at);
  return scoped(message, at, {
    request: (request) => {
      const query = parseQuery(request.rawQuery);
      query.set(name, [value]);
      request.rawQuery = encodeQuery(query);
    },
    response: undefined,
  });
}

function bodyModifier(message: Message, at: KeyPath): Compiled {
  const contentType = readString(message, 'contentType', at);
  const body = readBase64(message, 'body', at);
  const boundary = randomBytes(30).toString('hex');
  return scoped(message, at, {
    request: (request) => {
      const previous = request.body;
      if (previous !== null && !Buffer.isBuffer(previous)) previous.resume();
      request.headers.set('Content-Type', [contentType]);
      request.headers.delete('Content-Encoding');
      request.body = body;
      request.contentLength = body.length;
    },
    response: (response) => {
      response.headers.set('Content-Type', [contentType]);
      response.headers.delete('Content-Encoding');
      const range = response.request.headers.get('Range')?.[0] ?? '';
      if (range === '') {
        response.replacedBody = body;
        return;
      }
      const ranged = rangedBody(body, range, contentType, boundary);
      response.statusCode = ranged.statusCode;
      if (ranged.body !== undefined) response.replacedBody = ranged.body;
      if (ranged.contentRange !== undefined) response.headers.set('Content-Range', [ranged.contentRange]);
      if (ranged.contentType !== undefined) response.headers.set('Content-Type', [ranged.contentType]);
    },
  });
}

function cookieModifier(message: Message, at: KeyPath): Compiled {
  const cookie: Cookie = {
    name: readString(message, 'name', at),
    value: readString(message, 'value', at),
    path: readString(message, 'path', at),
    domain: readString(message, 'domain', at),
    expires: readTime(message, 'expires', at),
    secure: readBoolean(message, 'secure', at),
    httpOnly: readBoolean(message, 'httpOnly', at),
    maxAge: readInteger(message, 'maxAge', at),
  };
  const pair = requestCookiePair(cookie);
  const setCookie = setCookieValue(cookie);
  return scoped(message, at, {
    request: (request) => {
      const existing = request.headers.get('Cookie')?.[0] ?? '';
      request.headers.set('Cookie', [existing === '' ? pair : `${existing}; ${pair}`]);
    },
    response: (response) => {
      const values = response.headers.get('Set-Cookie');
      if (values) values.push(setCookie);
      else response.headers.set('Set-Cookie', [setCookie]);
    },
  });
}

function urlModifier(message: Message, at: KeyPath): Compiled {
  const scheme = readString(message, 'scheme', at);
  const host = readString(message, 'host', at);
  const path = readString(message, 'path', at);
  const escapedPath = path === '' ? '' : escapePath(path);
  const query = readString(message, 'query', at);
  return scoped(message, at, {
    request: (request) => {
      if (scheme !== '') request.scheme = scheme;
      if (host !== '') request.urlHost = host;
      if (escapedPath !== '') request.escapedPath = escapedPath;
      if (query !== '') request.rawQuery = query;
    },
    response: undefined,
  });
}

function portModifier(message: Message, at: KeyPath): Compiled {
  const port = readInteger(message, 'port', at);
  const defaultForScheme = readBoolean(message, 'defaultForScheme', at);
  const remove = readBoolean(message, 'remove', at);
  if ([port !== 0, defaultForScheme, remove].filter(Boolean).length !== 1) throw new MartianConfigError(at, 'Must specify only one of port, defaultForScheme or remove');
  return scoped(message, at, {
    request: (request) => {
      const host = request.urlHost.includes(':') ? splitOrFail(request.urlHost)[0] : request.urlHost;
      let hostport: string;
      if (remove) hostport = host;
      else if (defaultForScheme) {
        const fallback = defaultPort(request.scheme);
        if (fallback === 0) return;
        hostport = joinHostPort(host, String(fallback));
      } else hostport = joinHostPort(host, String(port));
      request.urlHost = hostport;
      // Martian writes the map entry, which Go's client never sends: only a regex filter can see it.
      request.headers.set('Host', [hostport]);
    },
    response: undefined,
  });
}

function stashModifier(message: Message, at: KeyPath): Compiled {
  const name = canonicalHeaderName(readString(message, 'headerName', at));
  const result = scoped(message, at, {
    request: (request) => request.headers.set(name, [request.url()]),
    response: (response) => response.headers.set(name, [response.request.headers.get(name)?.[0] ?? '']),
  });
  if (result.response !== undefined && result.request === undefined) throw new MartianConfigError([...at, 'scope'], 'to write header on a response, specify scope as both request and response');
  return result;
}

function statusModifier(message: Message, at: KeyPath): Compiled {
  const statusCode = readInteger(message, 'statusCode', at);
  // Go would hand any integer on; a status Node cannot write is refused here rather than at request time.
  if (statusCode < 100 || statusCode > 999) throw new MartianConfigError([...at, 'statusCode'], `status code ${statusCode} is not a valid HTTP status`);
  return scoped(message, at, {
    request: undefined,
    response: (response) => {
      response.statusCode = statusCode;
    },
  });
}

/** The verifiers only record expectations for Martian's own proxy API: nothing a gateway request sees. */
function verifier(sides: 'both' | 'request' | 'response'): Parser {
  const nothing = (): void => undefined;
  return (message, at) => scoped(message, at, { request: sides === 'response' ? undefined : nothing, response: sides === 'request' ? undefined : nothing });
}

function runAll<T>(modifiers: ((target: T) => void)[], aggregateErrors: boolean): (target: T) => void {
  if (!aggregateErrors) {
    return (target) => {
      for (const modify of modifiers) modify(target);
    };
  }
  return (target) => {
    const messages: string[] = [];
    for (const modify of modifiers) {
      try {
        modify(target);
      } catch (error) {
        messages.push((error as Error).message);
      }
    }
    if (messages.length > 0) throw new ModifierError(messages.join('\n'));
  };
}

function list(message: Message, name: string, at: KeyPath): unknown[] {
  const value = field(message, name);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw typeError(at, name, value, 'array');
  return value;
}

function fifoGroup(message: Message, at: KeyPath): Compiled {
  const aggregateErrors = readBoolean(message, 'aggregateErrors', at);
  const requests: RequestModifier[] = [];
  const responses: ResponseModifier[] = [];
  list(message, 'modifiers', at).forEach((item, index) => {
    const compiled = compileModifier(item, [...at, 'modifiers', index]);
    if (compiled.request) requests.push(compiled.request);
    if (compiled.response) responses.push(compiled.response);
  });
  return scoped(message, at, { request: runAll(requests, aggregateErrors), response: runAll(responses, aggregateErrors) });
}

/** priority.Group: highest priority first; among equal priorities the one listed last runs first (Martian inserts before equals). */
function priorityGroup(message: Message, at: KeyPath): Compiled {
  const requests: { modify: RequestModifier; priority: number }[] = [];
  const responses: { modify: ResponseModifier; priority: number }[] = [];
  const insert = <T extends { priority: number }>(entries: T[], entry: T): void => {
    const position = entries.findIndex((existing) => entry.priority >= existing.priority);
    if (position < 0) entries.push(entry);
    else entries.splice(position, 0, entry);
  };
  list(message, 'modifiers', at).forEach((item, index) => {
    const here = [...at, 'modifiers', index];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new MartianConfigError(here, `json: cannot unmarshal ${goType(item)} into a priority entry: expected {"priority": …, "modifier": …}`);
    const entry = item as Message;
    const priority = readInteger(entry, 'priority', here);
    const compiled = nested(entry, 'modifier', here);
    if (compiled.request) insert(requests, { modify: compiled.request, priority });
    if (compiled.response) insert(responses, { modify: compiled.response, priority });
  });
  return scoped(message, at, {
    request: runAll(
      requests.map((entry) => entry.modify),
      false,
    ),
    response: runAll(
      responses.map((entry) => entry.modify),
      false,
    ),
  });
}

const PARSERS: Record<string, Parser> = {
  'header.Modifier': headerModifier,
  'header.Append': headerAppend,
  'header.Blacklist': headerBlacklist,
  'header.Copy': headerCopy,
  'header.Filter': headerFilter,
  'header.RegexFilter': headerRegexFilter,
  'header.Id': headerId,
  'header.Verifier': verifier('both'),
  'querystring.Modifier': querystringModifier,
  'querystring.Filter': querystringFilter,
  'querystring.Verifier': verifier('request'),
  'body.Modifier': bodyModifier,
  'cookie.Modifier': cookieModifier,
  'cookie.Filter': cookieFilter,
  'url.Modifier': urlModifier,
  'url.Filter': urlFilter,
  'url.RegexFilter': urlRegexFilter,
  'url.Verifier': verifier('request'),
  'port.Modifier': portModifier,
  'port.Filter': portFilter,
  'stash.Modifier': stashModifier,
  'status.Modifier': statusModifier,
  'status.Verifier': verifier('response'),
  'fifo.Group': fifoGroup,
  'priority.Group': priorityGroup,
};

export const MARTIAN_TYPES: readonly string[] = [...Object.keys(PARSERS), ...UNSUPPORTED];
