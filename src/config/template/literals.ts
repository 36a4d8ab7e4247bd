/** Go's quoted-string and character-constant syntax (strconv.Unquote). */

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** Reads one escape at `text[i]` (just after the backslash); returns the characters and the next index. */
function readEscape(text: string, i: number, quote: string): [string, number] | undefined {
  const ch = text[i];
  if (ch === undefined) return undefined;
  if (ch in SIMPLE_ESCAPES) return [SIMPLE_ESCAPES[ch] as string, i + 1];
  if (ch === quote) return [ch, i + 1];
  const hexLength = ch === 'x' ? 2 : ch === 'u' ? 4 : ch === 'U' ? 8 : 0;
  if (hexLength > 0) {
    const hex = text.slice(i + 1, i + 1 + hexLength);
    if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) return undefined;
    const code = parseInt(hex, 16);
    // \x is a byte; as text it is the Latin-1 character, which is what a UTF-8 byte below 0x80 is.
    if (code > 0x10ffff) return undefined;
    return [String.fromCodePoint(code), i + 1 + hexLength];
  }
  if (/[0-7]/.test(ch)) {
    const octal = text.slice(i, i + 3);
    if (!/^[0-7]{3}$/.test(octal)) return undefined;
    return [String.fromCharCode(parseInt(octal, 8)), i + 3];
  }
  return undefined;
}

/** `"a\tb"` → `a<TAB>b`; undefined when the syntax is wrong. */
export function unquoteString(quoted: string): string | undefined {
  let out = '';
  for (let i = 1; i < quoted.length - 1; ) {
    const ch = quoted[i] as string;
    if (ch === '\\') {
      const escape = readEscape(quoted, i + 1, '"');
      if (!escape) return undefined;
      out += escape[0];
      i = escape[1];
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** `'a'` → 97. */
export function unquoteChar(quoted: string): number | undefined {
  const body = quoted.slice(1, -1);
  if (body.startsWith('\\')) {
    const escape = readEscape(body, 1, "'");
    if (!escape || escape[1] !== body.length) return undefined;
    return escape[0].codePointAt(0);
  }
  const chars = [...body];
  return chars.length === 1 ? chars[0]?.codePointAt(0) : undefined;
}
