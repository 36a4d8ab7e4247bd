/**
 * Sequential merge (lura `sequentialMerge`): backends run one after the other; values of earlier
 * answers fill the `{respN_field}` placeholders of later `url_pattern`s (`{resp1_a.b}` for nested
 * fields). The whole chain shares a deadline of 85 % of the endpoint timeout.
 *
 * - A failing first backend fails the endpoint with its error (so `return_error_code` still works).
 * - A later failure, or an incomplete answer, stops the chain: the answer is what arrived so far,
 *   marked incomplete.
 * - Values become text as Go's `%v` prints them: strings as they are, numbers with their literal
 *   text, lists joined with commas, `null` as `<nil>`.
 * - `sequential_propagated_params` (`["resp0_id", "resp1"]`) sets those params for every later
 *   backend, whether its `url_pattern` uses them or not (for components that read params); a bare
 *   `respN` is the body of a no-op backend as it came (lura reads the response's `Io`), and the JSON of
 *   a data backend's answer (lura sets nothing there).
 *
 * ```json
 * "extra_config": { "proxy": { "sequential": true } },
 * "backend": [
 *   { "url_pattern": "/hotels/{id}" },
 *   { "url_pattern": "/destinations/{resp0_destination_id}" }
 * ]
 * ```
 */
import { RawNumber } from '../encoding/json-lossless.js';
import { renderJson } from '../render/json.js';
import type { Cancellation } from '../core/cancellation.js';
import { MergeError, timeoutError } from '../core/errors.js';
import { combine, mergeDeadlineMs } from './merge.js';
import { isSkipped, skippedResponse } from './skipped.js';
import type { Proxy, ProxyRequest, ProxyResponse } from './types.js';
import { compileUrlPattern } from './url-template.js';

/** One value to copy from an earlier answer into the params of a later backend. */
interface Replacement {
  backendIndex: number;
  /** Param name, as written in the config (`resp0_user.id`). */
  param: string;
  /** Field path in the earlier answer; empty for the whole answer. */
  source: string[];
}

const URL_REFERENCE = /^resp(\d+)_([\w\-.]+)$/;
const PROPAGATED_REFERENCE = /^[Rr]esp(\d+)(?:_([\w\-.]+))?$/;

export interface SequentialSettings {
  /** `url_pattern` of each backend, in order. */
  urlPatterns: string[];
  /** `sequential_propagated_params`. */
  propagatedParams: string[];
  endpointTimeoutMs: number;
  /** Bound on a no-op body read whole for a `respN` param. */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Which params each backend needs from the answers before it. */
export function planReplacements(settings: Pick<SequentialSettings, 'urlPatterns' | 'propagatedParams'>): Replacement[][] {
  const total = settings.urlPatterns.length;
  return settings.urlPatterns.map((pattern, index) => {
    const replacements: Replacement[] = [];
    const seen = new Set<string>();
    const add = (backendIndex: number, field: string | undefined, param: string): void => {
      if (backendIndex >= index || backendIndex >= total || seen.has(param)) return;
      seen.add(param);
      replacements.push({ backendIndex, param, source: field === undefined || field === '' ? [] : field.split('.') });
    };
    const template = compileUrlPattern(pattern);
    for (const name of [...template.pathParams, ...template.queryParams]) {
      const match = URL_REFERENCE.exec(name);
      if (match) add(Number(match[1]), match[2], name);
    }
    if (index > 0) {
      for (const name of settings.propagatedParams) {
        const match = PROPAGATED_REFERENCE.exec(name);
        if (match) add(Number(match[1]), match[2], `resp${match[1]}${match[2] === undefined ? '' : `_${match[2]}`}`);
      }
    }
    return replacements;
  });
}

export function createSequentialMerge(backends: Proxy[], settings: SequentialSettings): Proxy {
  const deadlineMs = mergeDeadlineMs(settings.endpointTimeoutMs);
  const plan = planReplacements(settings);
  const total = backends.length;
  const maxBodyBytes = settings.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return async function mergeInSequence(request: ProxyRequest, cancel: Cancellation): Promise<ProxyResponse> {
    const local = cancel.child().abortAfter(deadlineMs, () => timeoutError('the sequential backends', deadlineMs));
    const parts: ProxyResponse[] = [];
    // Params found so far; like lura, a value found once stays for every later backend.
    let found: Record<string, string> | undefined;
    let merged: ProxyResponse | undefined;
    try {
      for (let index = 0; index < total; index++) {
        for (const replacement of plan[index] as Replacement[]) {
          const part = parts[replacement.backendIndex];
          if (part === undefined) continue;
          const value = replacement.source.length === 0 && part.body !== null ? await readWhole(part, maxBodyBytes) : extract(part, replacement.source);
          if (value !== undefined) (found ??= {})[replacement.param] = value;
        }
        const stepRequest = found === undefined ? request : { ...request, params: { ...request.params, ...found } };
        let response: ProxyResponse;
        try {
          response = await (backends[index] as Proxy)(stepRequest, local);
        } catch (error) {
          if (merged === undefined) throw error;
          merged.isComplete = false;
          merged.error = new MergeError([error as Error]);
          return merged;
        }
        parts[index] = response;
        if (isSkipped(response)) continue;
        if (merged === undefined) {
          // A fresh object, so `resp0_*` keeps reading backend 0's own answer after later merges.
          merged = { data: { ...response.data }, isComplete: response.isComplete, metadata: response.metadata, body: response.body };
        } else combine(merged, response);
        if (!response.isComplete) {
          merged.isComplete = false;
          return merged;
        }
      }
      return merged ?? skippedResponse();
    } finally {
      local.dispose();
    }
  };
}

/** A no-op answer's body as text, read once; the stream is gone afterwards, so the text replaces it. */
async function readWhole(part: ProxyResponse, maxBytes: number): Promise<string> {
  const cached = wholeBodies.get(part);
  if (cached !== undefined) return cached;
  const text = (await (part.body as NonNullable<ProxyResponse['body']>).readAll(maxBytes)).toString('utf8');
  wholeBodies.set(part, text);
  return text;
}

const wholeBodies = new WeakMap<ProxyResponse, string>();

/** The value at `source` in an answer, as text; undefined when the field is missing. */
function extract(response: ProxyResponse, source: string[]): string | undefined {
  if (source.length === 0) return renderJson(response.data);
  let current: unknown = response.data;
  for (const key of source) {
    if (!isObject(current) || !Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = current[key];
  }
  if (Array.isArray(current)) return current.map(formatGoValue).join(',');
  return formatGoValue(current);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RawNumber);
}

/** Go's `fmt.Sprint` of a decoded JSON value (numbers keep their literal text, as `json.Number` does). */
export function formatGoValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(formatGoValue).join(' ')}]`;
  if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `map[${Object.keys(object)
      .sort()
      .map((key) => `${key}:${formatGoValue(object[key])}`)
      .join(' ')}]`;
  }
  return String(value);
}
