import type { HeaderMap, ResponseMetadata } from './types.js';

/** One accessor pair for every instance's own `headers` (set in the class's static block). */
let HEADERS: PropertyDescriptor;

/**
 * A no-op answer's metadata. The backend's headers stay the flat `[name, value, …]` list the endpoint
 * handler hands to `writeHead`, until a layer reads `headers` (Lua, CEL, a traced header report, a
 * plugin); from then on the map is the truth and the list is dropped. Most no-op answers are never
 * looked at: building the map and flattening it again was 1.3 KB of garbage a 1 KB passthrough.
 */
export class PassthroughMetadata implements ResponseMetadata {
  statusCode: number;
  /** An own, enumerable accessor (see HEADERS): a plugin's `{ ...metadata }` copy carries the headers. */
  declare headers: HeaderMap;
  #pairs: string[] | undefined;
  /** The backend's part of `#pairs`: whoever takes the list may append its own headers. */
  readonly #backendLength: number;
  #headers: HeaderMap | undefined;

  /** `pairs`: canonical names, hop-by-hop headers already removed; owned by this object from now on. */
  constructor(statusCode: number, pairs: string[]) {
    this.statusCode = statusCode;
    this.#pairs = pairs;
    this.#backendLength = pairs.length;
    Object.defineProperty(this, 'headers', HEADERS);
  }

  static {
    HEADERS = {
      get(this: PassthroughMetadata): HeaderMap {
        if (this.#headers === undefined) {
          const headers: HeaderMap = {};
          const pairs = this.#pairs as string[];
          for (let i = 0; i < this.#backendLength; i += 2) (headers[pairs[i] as string] ??= []).push(pairs[i + 1] as string);
          this.#headers = headers;
          this.#pairs = undefined;
        }
        return this.#headers;
      },
      set(this: PassthroughMetadata, headers: HeaderMap): void {
        this.#headers = headers;
        this.#pairs = undefined;
      },
      enumerable: true,
      configurable: true,
    };
  }

  /**
   * The backend's header list when no layer asked for the map, for the caller to append to and send;
   * `headers` still answers the backend's headers alone afterwards.
   */
  takePairs(): string[] | undefined {
    return this.#headers === undefined ? this.#pairs : undefined;
  }
}

