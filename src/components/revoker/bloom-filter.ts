/**
 * The rotating Bloom filter of KrakenD's `auth/revoker` (krakend/bloomfilter `rotate`): three filters,
 * previous, current and next. An element is added to current and next and found in previous or
 * current; every TTL the filters shift (previous ← current ← next ← empty). A revoked token is therefore
 * refused for between 2 and 3 TTLs after it was added, then forgotten (a token should not outlive that).
 * A Bloom filter never misses an added element and wrongly reports an absent one with probability `P`
 * once `N` elements are in.
 *
 * Sizes follow the Go package: m = ⌈-N·ln P / ln²2⌉ bits, k = ⌈ln 2 · m / N⌉ hashes. The bit positions
 * are Portico's own (double hashing over SHA-256): filters are never exchanged with KrakenD.
 */
import { createHash } from 'node:crypto';

export interface BloomSettings {
  n: number;
  p: number;
}

/** m (bits) and k (hashes) of a filter holding `n` elements with false-positive rate `p`. */
export function filterSize({ n, p }: BloomSettings): { bits: number; hashes: number } {
  const bits = Math.ceil((-n * Math.log(p)) / (Math.LN2 * Math.LN2));
  return { bits, hashes: Math.max(1, Math.ceil((Math.LN2 * bits) / n)) };
}

/** The k bit positions of an element, shared by the three filters of one rotation (same m and k). */
export function positions(element: string, bits: number, hashes: number): number[] {
  const digest = createHash('sha256').update(element, 'utf8').digest();
  const first = digest.readUIntBE(0, 6);
  const second = digest.readUIntBE(6, 6) | 1;
  const out: number[] = new Array<number>(hashes);
  for (let i = 0; i < hashes; i++) out[i] = (first + i * second) % bits;
  return out;
}

class BitSet {
  private readonly bytes: Uint8Array;

  constructor(bits: number) {
    // Zero-filled pages are not resident until written: a large, sparse filter costs what it holds.
    this.bytes = new Uint8Array(Math.ceil(bits / 8));
  }

  set(spots: readonly number[]): void {
    for (const spot of spots) this.bytes[spot >>> 3] = (this.bytes[spot >>> 3] as number) | (1 << (spot & 7));
  }

  hasAll(spots: readonly number[]): boolean {
    for (const spot of spots) if (((this.bytes[spot >>> 3] as number) & (1 << (spot & 7))) === 0) return false;
    return true;
  }
}

export class RotatingBloomFilter {
  private previous: BitSet;
  private current: BitSet;
  private next: BitSet;
  private readonly bits: number;
  private readonly hashes: number;

  constructor(settings: BloomSettings) {
    const size = filterSize(settings);
    this.bits = size.bits;
    this.hashes = size.hashes;
    this.previous = new BitSet(this.bits);
    this.current = new BitSet(this.bits);
    this.next = new BitSet(this.bits);
  }

  add(element: string): void {
    const spots = positions(element, this.bits, this.hashes);
    this.current.set(spots);
    this.next.set(spots);
  }

  check(element: string): boolean {
    const spots = positions(element, this.bits, this.hashes);
    return this.previous.hasAll(spots) || this.current.hasAll(spots);
  }

  /** One TTL has passed. */
  rotate(): void {
    this.previous = this.current;
    this.current = this.next;
    this.next = new BitSet(this.bits);
  }
}
