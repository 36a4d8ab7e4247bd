/** Small helpers over the two header forms the client layer sees: request header lines and raw reply pairs. */

/** Request header lines (`Name: value\r\n`), read case-insensitively; lowered once, on first use. */
export class RequestHeaderLines {
  private lower: string | undefined;

  constructor(readonly lines: string) {}

  /** The first value of a header. */
  get(lowerName: string): string | undefined {
    const lines = this.lines;
    const lower = (this.lower ??= lines.toLowerCase());
    const needle = `${lowerName}:`;
    let from = 0;
    for (;;) {
      const at = lower.indexOf(needle, from);
      if (at === -1) return undefined;
      if (at === 0 || lower.charCodeAt(at - 1) === 10 /* \n */) {
        const end = lines.indexOf('\r\n', at);
        return lines.slice(at + needle.length, end === -1 ? undefined : end).trim();
      }
      from = at + needle.length;
    }
  }
}

/** Every value of a reply header, joined with ", " as one field value (RFC 9110 §5.3). */
export function replyHeader(raw: readonly string[], lowerName: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) {
      const next = (raw[i + 1] as string).trim();
      value = value === undefined ? next : `${value}, ${next}`;
    }
  }
  return value;
}

/** `raw` without the headers named in `lowerNames`, plus `extra` pairs. */
export function replaceHeaders(raw: readonly string[], lowerNames: ReadonlySet<string>, extra: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!lowerNames.has((raw[i] as string).toLowerCase())) out.push(raw[i] as string, raw[i + 1] as string);
  }
  out.push(...extra);
  return out;
}
