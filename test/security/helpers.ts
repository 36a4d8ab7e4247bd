/**
 * Helpers for the security suites: a plain HTTP client that shows every header, a JWK server the test
 * controls (keys can be rotated mid-test), and key pairs made in the test.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { exportJWK, generateKeyPair, generateSecret, SignJWT } from 'jose';
import type { CryptoKey, JWK, JWTPayload, KeyObject } from 'jose';
import { startBackend } from '../helpers/servers.js';
import type { RunningServer } from '../helpers/servers.js';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.once('error', reject);
    });
    request.once('error', reject);
    request.end(options.body);
  });
}

export interface TestKey {
  alg: string;
  kid: string;
  /** What the JWK server publishes (public part, or the secret for HS*). */
  publicJwk: JWK;
  signingKey: CryptoKey | KeyObject | Uint8Array;
}

export async function makeKey(alg: string, kid: string): Promise<TestKey> {
  if (alg.startsWith('HS')) {
    const secret = (await generateSecret(alg, { extractable: true })) as Uint8Array | CryptoKey;
    const jwk = await exportJWK(secret);
    return { alg, kid, publicJwk: { ...jwk, kid, alg, kty: 'oct' }, signingKey: secret };
  }
  const options = alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true };
  const { publicKey, privateKey } = await generateKeyPair(alg, options);
  const jwk = await exportJWK(publicKey);
  return { alg, kid, publicJwk: { ...jwk, kid, alg, use: 'sig' }, signingKey: privateKey };
}

export async function privateJwkOf(key: TestKey): Promise<JWK> {
  if (key.alg.startsWith('HS')) return key.publicJwk;
  return { ...(await exportJWK(key.signingKey as CryptoKey)), kid: key.kid, alg: key.alg };
}

export function signToken(key: TestKey, claims: JWTPayload, options: { kid?: string | null; expiresIn?: string | number } = {}): Promise<string> {
  const header: { alg: string; kid?: string } = { alg: key.alg };
  const kid = options.kid === undefined ? key.kid : options.kid;
  if (kid !== null) header.kid = kid;
  let jwt = new SignJWT(claims).setProtectedHeader(header).setIssuedAt();
  if (options.expiresIn !== undefined) jwt = jwt.setExpirationTime(options.expiresIn);
  return jwt.sign(key.signingKey);
}

export interface JwkServer extends RunningServer {
  /** Replaces the published keys. */
  publish(keys: TestKey[]): void;
  /** How many times the key set was downloaded. */
  readonly hits: number;
}

export async function startJwkServer(keys: TestKey[]): Promise<JwkServer> {
  let published = keys;
  let hits = 0;
  const server = await startBackend((request, response) => {
    hits++;
    const body = JSON.stringify({ keys: published.map((key) => key.publicJwk) });
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    response.end(body);
  });
  return {
    ...server,
    publish(next: TestKey[]) {
      published = next;
    },
    get hits() {
      return hits;
    },
  };
}

/** A backend that answers with what it received, for checking what the gateway forwards. */
export function startEchoBackend(): Promise<RunningServer> {
  return startBackend((request, response) => {
    const body = JSON.stringify({ path: request.url, headers: request.headers });
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    response.end(body);
  });
}
