/**
 * Exact decimal rounding of a float64, half to even, as Go's strconv rounds: `%.0f` of 2.5 is "2" and
 * of 0.125 with `%.2f` is "0.12", where JavaScript's toFixed rounds such ties up.
 */

/** The exact decimal digits of |x| (finite, non-zero): value = 0.DIGITS × 10^point. */
function exactDigits(x: number): { digits: string; point: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  let exponent: number;
  if (exponentBits === 0) exponent = -1074;
  else {
    mantissa |= 1n << 52n;
    exponent = exponentBits - 1075;
  }
  // value = mantissa × 2^exponent = mantissa × 5^-exponent / 10^-exponent when exponent < 0.
  let integer: bigint;
  let scale: number;
  if (exponent >= 0) {
    integer = mantissa << BigInt(exponent);
    scale = 0;
  } else {
    integer = mantissa * 5n ** BigInt(-exponent);
    scale = -exponent;
  }
  const text = integer.toString();
  const trimmed = text.replace(/0+$/, '');
  return { digits: trimmed, point: text.length - scale };
}

/** Rounds DIGITS (value 0.DIGITS × 10^point) to `keep` digits, half to even; returns digits and point. */
function roundDigits(digits: string, point: number, keep: number): { digits: string; point: number } {
  if (keep < 0) return { digits: '', point };
  if (digits.length <= keep) return { digits, point };
  const next = digits.charCodeAt(keep) - 48;
  const rest = digits.slice(keep + 1);
  let kept = digits.slice(0, keep);
  const lastOdd = keep > 0 && (kept.charCodeAt(keep - 1) - 48) % 2 === 1;
  const up = next > 5 || (next === 5 && (/[1-9]/.test(rest) || lastOdd));
  if (!up) return { digits: kept, point };
  // Add one at the last kept digit.
  let carry = true;
  const chars = kept.split('');
  for (let i = chars.length - 1; i >= 0 && carry; i--) {
    if (chars[i] === '9') chars[i] = '0';
    else {
      chars[i] = String.fromCharCode((chars[i] as string).charCodeAt(0) + 1);
      carry = false;
    }
  }
  kept = chars.join('');
  if (carry) return { digits: `1${kept}`, point: point + 1 };
  return { digits: kept, point };
}

/** `%.Nf`. */
export function toFixedEven(x: number, precision: number): string {
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return sign + (precision > 0 ? `0.${'0'.repeat(precision)}` : '0');
  const exact = exactDigits(x);
  const rounded = roundDigits(exact.digits, exact.point, exact.point + precision);
  let digits = rounded.digits.padEnd(rounded.point + precision, '0');
  // Digits before the first significant one are zeros.
  if (rounded.point < 0) digits = '0'.repeat(-rounded.point) + digits;
  const point = Math.max(rounded.point, 0);
  const whole = digits.slice(0, point) || '0';
  const fraction = digits.slice(point, point + precision).padEnd(precision, '0');
  return sign + whole + (precision > 0 ? `.${fraction}` : '');
}

/** `%.Ne`: one digit, N decimals, a two-digit exponent. */
export function toExponentialEven(x: number, precision: number): string {
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return `${sign}0${precision > 0 ? `.${'0'.repeat(precision)}` : ''}e+00`;
  const exact = exactDigits(x);
  const rounded = roundDigits(exact.digits, exact.point, precision + 1);
  const digits = rounded.digits.padEnd(precision + 1, '0');
  const exponent = rounded.point - 1;
  const mantissa = digits[0] + (precision > 0 ? `.${digits.slice(1, precision + 1)}` : '');
  return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** Significant digits and exponent after rounding to `significant` digits (for %g). */
export function roundSignificant(x: number, significant: number): { digits: string; exponent: number } {
  const exact = exactDigits(x);
  const rounded = roundDigits(exact.digits, exact.point, significant);
  return { digits: rounded.digits.replace(/0+$/, '') || '0', exponent: rounded.point - 1 };
}
