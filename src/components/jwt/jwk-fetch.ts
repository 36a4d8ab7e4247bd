/**
 * Downloads a JWK set. Plain node:http(s) rather than fetch so a custom CA (`jwk_local_ca`) applies and the
 * body is bounded: an identity provider answering a huge document cannot exhaust memory.
 */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { JsonWebKeySet } from './jwk-set.js';
import { parseJwkSet } from './jwk-set.js';

export interface JwkFetchOptions {
  timeoutMs: number;
  /** PEM of extra trusted CAs for an https URL. */
  ca?: string;
  maxBytes?: number;
}

export function fetchJwkSet(url: string, options: JwkFetchOptions): Promise<JsonWebKeySet> {
  const maxBytes = options.maxBytes ?? 1 << 20;
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage): void => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`the JWK URL answered ${response.statusCode ?? 0}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          response.destroy(new Error(`the JWK set is larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.once('error', reject);
      response.once('end', () => {
        try {
          resolve(parseJwkSet(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error as Error);
        }
      });
    };
    const headers = { Accept: 'application/json' };
    const request = url.startsWith('https:')
      ? httpsGet(url, { headers, timeout: options.timeoutMs, ...(options.ca ? { ca: options.ca } : {}) }, onResponse)
      : httpGet(url, { headers, timeout: options.timeoutMs }, onResponse);
    request.once('timeout', () => request.destroy(new Error(`no answer from the JWK URL within ${options.timeoutMs} ms`)));
    request.once('error', reject);
  });
}
