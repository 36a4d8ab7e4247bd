/** Go's fmt.Sprint, Sprintln and Sprintf over template values, with Go's verbs and error markers. */
import { roundSignificant, toExponentialEven, toFixedEven } from './decimal.js';
import { formatFloat, formatValue, goTypeName, isMap, sortedKeys, structType } from './values.js';
import type { GoMap, GoValue } from './values.js';

/** fmt.Sprint: a space between two operands when neither is a string. */
export function sprint(args: GoValue[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(arg);
  });
  return out;
}

export function sprintln(args: GoValue[]): string {
  return `${args.map(formatValue).join(' ')}\n`;
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  precision: number | undefined;
}

export function sprintf(format: string, args: GoValue[]): string {
  let out = '';
  let argIndex = 0;
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent === -1) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: undefined, precision: undefined };
    for (; i < format.length; i++) {
      const ch = format[i];
      if (ch === '-') spec.minus = true;
      else if (ch === '+') spec.plus = true;
      else if (ch === '#') spec.sharp = true;
      else if (ch === ' ') spec.space = true;
      else if (ch === '0') spec.zero = true;
      else break;
    }
    const readNumber = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const arg = args[argIndex++];
        return typeof arg === 'bigint' ? Number(arg) : undefined;
      }
      const start = i;
      while (i < format.length && /[0-9]/.test(format[i] as string)) i++;
      return i > start ? Number(format.slice(start, i)) : undefined;
    };
    spec.width = readNumber();
    if (format[i] === '.') {
      i++;
      spec.precision = readNumber() ?? 0;
    }
    const verb = format[i];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    i++;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatArg(args[argIndex++], verb, spec);
  }
  if (argIndex < args.length) {
    out += `%!(EXTRA ${args
      .slice(argIndex)
      .map((arg) => `${goTypeName(arg === undefined ? null : arg)}=${formatValue(arg)}`)
      .join(', ')})`;
  }
  return out;
}

function badVerb(value: GoValue, verb: string): string {
  if (value === undefined || value === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(value)}=${formatValue(value)})`;
}

function pad(text: string, spec: Spec, numeric = false): string {
  const width = spec.width ?? 0;
  const length = [...text].length;
  if (length >= width) return text;
  if (spec.minus) return text + ' '.repeat(width - length);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(text) ? (text[0] as string) : '';
    return sign + '0'.repeat(width - length) + text.slice(sign.length);
  }
  return ' '.repeat(width - length) + text;
}

function formatArg(value: GoValue, verb: string, spec: Spec): string {
  if (verb === 'T') return pad(value === undefined || value === null ? '<nil>' : goTypeName(value), spec);
  if (value === undefined || value === null) return verb === 'v' ? pad('<nil>', spec) : badVerb(value, verb);
  if (Array.isArray(value)) return pad(`[${value.map((item) => formatArg(item, verb, { ...spec, width: undefined })).join(' ')}]`, spec);
  const struct = structType(value);
  if (struct) return pad(`{${struct.fields.map(([field]) => formatArg((value as GoMap)[field], verb, { ...spec, width: undefined })).join(' ')}}`, spec);
  if (isMap(value)) {
    const items = sortedKeys(value).map((key) => `${formatArg(key, verb, { ...spec, width: undefined })}:${formatArg(value[key], verb, { ...spec, width: undefined })}`);
    return pad(`map[${items.join(' ')}]`, spec);
  }
  switch (typeof value) {
    case 'boolean':
      return verb === 't' || verb === 'v' ? pad(String(value), spec) : badVerb(value, verb);
    case 'string':
      return formatString(value, verb, spec);
    case 'bigint':
      return formatInteger(value, verb, spec);
    case 'number':
      return formatFloatVerb(value, verb, spec);
  }
  return verb === 'v' || verb === 's' ? pad(formatValue(value), spec) : badVerb(value, verb);
}

function formatString(value: string, verb: string, spec: Spec): string {
  switch (verb) {
    case 'v':
    case 's':
      return pad(spec.precision === undefined ? value : [...value].slice(0, spec.precision).join(''), spec);
    case 'q':
      return pad(spec.sharp && !value.includes('`') ? `\`${value}\`` : goQuote(value), spec);
    case 'x':
    case 'X': {
      const hex = Buffer.from(value, 'utf8').toString('hex');
      return pad(verb === 'X' ? hex.toUpperCase() : hex, spec);
    }
  }
  return badVerb(value, verb);
}

function formatInteger(value: bigint, verb: string, spec: Spec): string {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'v':
    case 'd':
      digits = magnitude.toString(10);
      break;
    case 'b':
      digits = magnitude.toString(2);
      break;
    case 'o':
      digits = magnitude.toString(8);
      if (spec.sharp) prefix = '0';
      break;
    case 'O':
      digits = magnitude.toString(8);
      prefix = '0o';
      break;
    case 'x':
      digits = magnitude.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      digits = magnitude.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(value)), spec);
    case 'q':
      return pad(goQuoteRune(Number(value)), spec);
    case 'U':
      return pad(`U+${magnitude.toString(16).toUpperCase().padStart(4, '0')}`, spec);
    default:
      return badVerb(value, verb);
  }
  if (spec.precision !== undefined) digits = digits.padStart(spec.precision, '0');
  const sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return pad(sign + prefix + digits, { ...spec, zero: spec.zero && spec.precision === undefined }, true);
}

function formatFloatVerb(value: number, verb: string, spec: Spec): string {
  let text: string;
  switch (verb) {
    case 'v':
      text = spec.precision === undefined ? formatFloat(value) : formatG(value, spec.precision);
      break;
    case 'g':
    case 'G':
      text = spec.precision === undefined ? formatFloat(value) : formatG(value, spec.precision);
      if (verb === 'G') text = text.toUpperCase();
      break;
    case 'e':
    case 'E':
      text = formatE(value, spec.precision ?? 6);
      if (verb === 'E') text = text.toUpperCase();
      break;
    case 'f':
    case 'F':
      text = Number.isFinite(value) ? toFixedEven(value, spec.precision ?? 6) : formatFloat(value);
      break;
    default:
      return badVerb(value, verb);
  }
  if (!text.startsWith('-') && Number.isFinite(value)) text = (spec.plus ? '+' : spec.space ? ' ' : '') + text;
  return pad(text, spec, Number.isFinite(value));
}

function formatE(value: number, precision: number): string {
  return Number.isFinite(value) ? toExponentialEven(value, precision) : formatFloat(value);
}

/** %.Ng: N significant digits, trailing zeros dropped, exponent when below -4 or at least N. */
function formatG(value: number, precision: number): string {
  if (!Number.isFinite(value)) return formatFloat(value);
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const digits = Math.max(precision, 1);
  const rounded = roundSignificant(value, digits);
  const sign = value < 0 ? '-' : '';
  let eprec = digits;
  if (eprec > rounded.digits.length && rounded.digits.length >= rounded.exponent + 1) eprec = rounded.digits.length;
  if (rounded.exponent < -4 || rounded.exponent >= eprec) {
    const mantissa = rounded.digits[0] + (rounded.digits.length > 1 ? `.${rounded.digits.slice(1)}` : '');
    return `${sign}${mantissa}e${rounded.exponent < 0 ? '-' : '+'}${String(Math.abs(rounded.exponent)).padStart(2, '0')}`;
  }
  return toFixedEven(value, Math.max(rounded.digits.length - rounded.exponent - 1, 0));
}

const QUOTE_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"' };

/** strconv.Quote: printable characters stay, the rest become Go escapes. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch in QUOTE_ESCAPES) out += QUOTE_ESCAPES[ch];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (/[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/u.test(ch) || (code > 0x7f && /\p{Zs}/u.test(ch) && code !== 0x3000 && code !== 0xa0)) {
      out += code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

function goQuoteRune(code: number): string {
  const ch = String.fromCodePoint(code);
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  return `'${goQuote(ch).slice(1, -1)}'`;
}
