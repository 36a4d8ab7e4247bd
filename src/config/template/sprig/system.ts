/** Sprig's functions that read the outside world: environment, randomness, clock; and paths and dates. */
import { randomInt, randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import { fn } from '../functions.js';
import type { TemplateFunction } from '../functions.js';
import { GoTime } from '../values.js';
import type { GoValue } from '../values.js';

export interface SystemContext {
  env: NodeJS.ProcessEnv;
  /** The clock; tests fix it. */
  now(): number;
}

/** os.ExpandEnv: `$NAME` and `${NAME}`; unknown variables are empty. */
function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$(\{([^}]*)\}|([A-Za-z0-9_]+|[*#$@!?-]|[0-9]))/g, (_whole, _all: string, braced?: string, bare?: string) => env[(braced ?? bare) as string] ?? '');
}

function random(alphabet: string, count: bigint): string {
  let out = '';
  for (let i = 0n; i < count; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** path.Clean: "." for empty, no trailing slash, `..` resolved lexically. */
function clean(path: string): string {
  if (path === '') return '.';
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

function base(path: string): string {
  if (path === '') return '.';
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

function dir(path: string): string {
  const slash = path.lastIndexOf('/');
  return clean(path.slice(0, slash + 1));
}

function ext(path: string): string {
  for (let i = path.length - 1; i >= 0 && path[i] !== '/'; i--) if (path[i] === '.') return path.slice(i);
  return '';
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Go's reference-time layouts ("2006-01-02T15:04:05Z07:00"); the common elements. */
export function formatGoTime(time: GoTime, layout: string): string {
  const d = new Date(time.epochMs + time.offsetMinutes * 60_000);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const hour12 = d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12;
  const offset = time.offsetMinutes;
  const zone = (colon: boolean, z: boolean): string => {
    if (z && offset === 0) return 'Z';
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    return `${sign}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
  };
  const tokens: [string, () => string][] = [
    ['January', () => MONTHS[d.getUTCMonth()] as string],
    ['Monday', () => DAYS[d.getUTCDay()] as string],
    ['Z07:00', () => zone(true, true)],
    ['Z0700', () => zone(false, true)],
    ['-07:00', () => zone(true, false)],
    ['-0700', () => zone(false, false)],
    ['2006', () => String(d.getUTCFullYear())],
    ['.000000000', () => `.${pad(d.getUTCMilliseconds(), 3)}000000`],
    ['.000000', () => `.${pad(d.getUTCMilliseconds(), 3)}000`],
    ['.000', () => `.${pad(d.getUTCMilliseconds(), 3)}`],
    ['.999999999', () => (d.getUTCMilliseconds() ? `.${pad(d.getUTCMilliseconds(), 3).replace(/0+$/, '')}` : '')],
    ['.999', () => (d.getUTCMilliseconds() ? `.${pad(d.getUTCMilliseconds(), 3).replace(/0+$/, '')}` : '')],
    ['Jan', () => (MONTHS[d.getUTCMonth()] as string).slice(0, 3)],
    ['Mon', () => (DAYS[d.getUTCDay()] as string).slice(0, 3)],
    ['MST', () => (offset === 0 ? 'UTC' : zone(false, false))],
    ['_2', () => String(d.getUTCDate()).padStart(2, ' ')],
    ['01', () => pad(d.getUTCMonth() + 1)],
    ['02', () => pad(d.getUTCDate())],
    ['03', () => pad(hour12)],
    ['04', () => pad(d.getUTCMinutes())],
    ['05', () => pad(d.getUTCSeconds())],
    ['06', () => pad(d.getUTCFullYear() % 100)],
    ['15', () => pad(d.getUTCHours())],
    ['PM', () => (d.getUTCHours() >= 12 ? 'PM' : 'AM')],
    ['pm', () => (d.getUTCHours() >= 12 ? 'pm' : 'am')],
    ['1', () => String(d.getUTCMonth() + 1)],
    ['2', () => String(d.getUTCDate())],
    ['3', () => String(hour12)],
    ['4', () => String(d.getUTCMinutes())],
    ['5', () => String(d.getUTCSeconds())],
  ];
  let out = '';
  for (let i = 0; i < layout.length; ) {
    const token = tokens.find(([name]) => layout.startsWith(name, i));
    if (token) {
      out += token[1]();
      i += token[0].length;
    } else {
      out += layout[i];
      i++;
    }
  }
  return out;
}

export function systemFunctions(context: SystemContext): [string, TemplateFunction][] {
  const localOffset = (ms: number): number => -new Date(ms).getTimezoneOffset();
  /** Sprig's date argument: a time, or Unix seconds; anything else means now. */
  const toTime = (value: GoValue): GoTime => {
    if (value instanceof GoTime) return value;
    const ms = typeof value === 'bigint' ? Number(value) * 1000 : context.now();
    return new GoTime(ms, localOffset(ms));
  };
  return [
    ['env', fn(['string'], (name: string) => context.env[name] ?? '')],
    ['expandenv', fn(['string'], (text: string) => expandEnv(text, context.env))],
    ['uuidv4', fn([], () => randomUUID())],
    ['randAlphaNum', fn(['int'], (n: bigint) => random('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', n))],
    ['randAlpha', fn(['int'], (n: bigint) => random('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', n))],
    ['randNumeric', fn(['int'], (n: bigint) => random('0123456789', n))],
    ['randAscii', fn(['int'], (n: bigint) => random(Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join(''), n))],
    ['randInt', fn(['int', 'int'], (min: bigint, max: bigint) => {
      if (max <= min) throw new Error('invalid argument to Intn');
      return min + BigInt(randomInt(Number(max - min)));
    })],
    ['fail', fn(['string'], (message: string): GoValue => {
      throw new Error(message);
    })],
    ['base', fn(['string'], base)],
    ['dir', fn(['string'], dir)],
    ['clean', fn(['string'], clean)],
    ['ext', fn(['string'], ext)],
    ['isAbs', fn(['string'], (path: string) => path.startsWith('/'))],
    ['osBase', fn(['string'], base)],
    ['osDir', fn(['string'], dir)],
    ['osClean', fn(['string'], clean)],
    ['osExt', fn(['string'], ext)],
    ['osIsAbs', fn(['string'], (path: string) => path.startsWith('/'))],
    ['now', fn([], () => new GoTime(context.now(), localOffset(context.now())))],
    ['date', fn(['string', 'any'], (layout: string, value: GoValue) => formatGoTime(toTime(value), layout))],
    ['htmlDate', fn(['any'], (value: GoValue) => formatGoTime(toTime(value), '2006-01-02'))],
    ['unixEpoch', fn(['any'], (value: GoValue) => {
      if (!(value instanceof GoTime)) throw new Error('wrong type for value; expected time.Time');
      return String(Math.floor(value.epochMs / 1000));
    })],
  ];
}
