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
  /** The backend's list while no layer asked for the map. */
  #pairs: string[] | undefined;
  /** The backend's part of `#pairs`: whoever takes the list may append its own headers. */
  readonly #backendLength: number;
  #taken = false;
  /** The map once built or assigned: whatever a layer assigned, as a plain metadata object would keep it. */
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
        // An object made with this one as prototype (Object.create, some deep-clone helpers) has no list.
        if (!(#pairs in this)) return {};
        const pairs = this.#pairs;
        if (pairs !== undefined) {
          const headers: HeaderMap = {};
          for (let i = 0; i < this.#backendLength; i += 2) (headers[pairs[i] as string] ??= []).push(pairs[i + 1] as string);
          this.#headers = headers;
          this.#pairs = undefined;
        }
        return this.#headers as HeaderMap;
      },
      set(this: PassthroughMetadata, headers: HeaderMap): void {
        if (!(#pairs in this)) return;
        this.#headers = headers;
        this.#pairs = undefined;
      },
      enumerable: true,
      configurable: true,
    };
  }

  /**
   * The backend's header list, once, when `metadata` is a PassthroughMetadata whose map no layer asked
   * for: the caller appends to it and sends it. Otherwise undefined, and the caller reads `headers`.
   * A copy that kept the prototype but not the private state (a deep-clone helper) answers undefined too.
   */
  static takePairs(metadata: ResponseMetadata): string[] | undefined {
    if (!(#pairs in metadata) || metadata.#taken) return undefined;
    metadata.#taken = true;
    return metadata.#pairs;
  }

  /** What `console.log` and `util.inspect` show: the plain metadata shape. */
  [Symbol.for('nodejs.util.inspect.custom')](): ResponseMetadata {
    return { statusCode: this.statusCode, headers: this.headers };
  }
}
