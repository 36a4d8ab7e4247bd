/**
 * Martian's `body.Modifier` on a response whose request carried `Range`: the replacement body cut to the
 * requested byte ranges (206), several as `multipart/byteranges`, 416 for a range it cannot read. Where
 * Martian would index past the body (and panic), Portico answers 416.
 */
import { ModifierError } from './message.js';

export interface RangedBody {
  statusCode: number;
  body?: Buffer;
  contentRange?: string;
  contentType?: string;
}

const UNSATISFIABLE: RangedBody = { statusCode: 416 };

export function rangedBody(body: Buffer, rangeHeader: string, contentType: string, boundary: string): RangedBody {
  // Go's strings.TrimLeft(rh, "bytes="): strips any of those characters, not the prefix.
  const specs = rangeHeader.toLowerCase().replace(/^[bytes=]+/, '').split(',');
  const ranges: [number, number][] = [];
  for (let spec of specs) {
    if (spec.endsWith('-')) spec = `${spec}${body.length - 1}`;
    const bounds = spec.split('-');
    if (bounds.length !== 2) return UNSATISFIABLE;
    const start = parseDecimal((bounds[0] as string).trim());
    const end = parseDecimal((bounds[1] as string).trim());
    if (start < 0 || start > end || end >= body.length) return UNSATISFIABLE;
    ranges.push([start, end]);
  }
  if (ranges.length === 1) {
    const [start, end] = ranges[0] as [number, number];
    return { statusCode: 206, body: body.subarray(start, end + 1), contentRange: `bytes ${start}-${end}/${body.length}` };
  }
  const parts: Buffer[] = [];
  ranges.forEach(([start, end], index) => {
    const head = `${index === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Range: bytes ${start}-${end}/${body.length}\r\nContent-Type: ${contentType}\r\n\r\n`;
    parts.push(Buffer.from(head, 'latin1'), body.subarray(start, end + 1));
  });
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'));
  return { statusCode: 206, body: Buffer.concat(parts), contentType: `multipart/byteranges; boundary=${boundary}` };
}

/** Go strconv.Atoi; a failure is the modifier's error, as in Martian. */
function parseDecimal(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new ModifierError(`strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number(text);
}
