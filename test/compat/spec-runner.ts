/**
 * Runs request/response specs in KrakenD's integration-test format
 * (`{"in":{method,url,header,body},"out":{status_code,body,header}}`) against a Portico process started
 * from the CLI, with the mock backend of mock-backend.ts. Ports in the config and the specs are rewritten
 * to free ones, and the `Host` header keeps the spec's, so a suite written for 8080/8081 runs anywhere.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Ajv } from 'ajv';
import { canonicalHeaderName } from '../../src/config/headers.js';
import { createMockBackend } from './mock-backend.js';

export interface Spec {
  name: string;
  in: { method?: string; url: string; header?: Record<string, string>; body?: unknown };
  out: { status_code: number; body?: unknown; header?: Record<string, string | string[]>; schema?: Record<string, unknown> };
  error?: string;
}

export interface SpecResult {
  name: string;
  passed: boolean;
  problems: string[];
}

export interface SuiteOptions {
  /** KrakenD config the suite was written for (uses gateway port 8080 and backend port 8081). */
  configFile: string;
  specsDir: string;
  cliPath: string;
  /** Spec names (without .json) to run; all when empty. */
  only?: string[];
  delayMs?: number;
  log?: (line: string) => void;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  server.close();
  return port;
}

export async function loadSpecs(dir: string, only: string[] = []): Promise<Spec[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.json')).sort();
  const specs: Spec[] = [];
  for (const file of files) {
    const name = basename(file, '.json');
    if (only.length > 0 && !only.includes(name)) continue;
    const parsed = JSON.parse(await readFile(join(dir, file), 'utf8')) as Omit<Spec, 'name'>;
    specs.push({ name, ...parsed });
  }
  return specs;
}

/** The suite's fixed ports become free ones; everything else in the config stays as written. */
function rewritePorts(text: string, gatewayPort: number, backendPort: number): string {
  return text.replace(/(127\.0\.0\.1|localhost):8081\b/g, `$1:${backendPort}`).replace(/(127\.0\.0\.1|localhost):8080\b/g, `$1:${gatewayPort}`);
}

export async function runSuite(options: SuiteOptions): Promise<SpecResult[]> {
  const log = options.log ?? (() => undefined);
  const gatewayPort = await freePort();
  const backendPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'portico-compat-'));
  const configFile = join(dir, basename(options.configFile));
  await writeFile(configFile, rewritePorts(await readFile(options.configFile, 'utf8'), gatewayPort, backendPort));

  const backend = createMockBackend(options.delayMs === undefined ? {} : { delayMs: options.delayMs });
  backend.listen(backendPort, '127.0.0.1');
  await once(backend, 'listening');

  const gateway = spawn(process.execPath, [options.cliPath, 'run', '-d', '-c', configFile, '-p', String(gatewayPort)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, USAGE_DISABLE: '1' },
  });
  const output: string[] = [];
  gateway.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  gateway.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  try {
    await waitForPort(gatewayPort, gateway, output);
    // Expected bodies may name the backend's address (a Referer, say): follow the port rewrite there too.
    const specs = (await loadSpecs(options.specsDir, options.only)).map((spec) => JSON.parse(JSON.stringify(spec).replace(/(127\.0\.0\.1|localhost):8081\b/g, `$1:${backendPort}`)) as Spec);
    const results: SpecResult[] = [];
    for (const spec of specs) {
      const result = await runSpec(spec, gatewayPort);
      results.push(result);
      log(`${result.passed ? 'ok  ' : 'FAIL'} ${spec.name}${result.passed ? '' : `\n      ${result.problems.join('\n      ')}`}`);
    }
    return results;
  } finally {
    gateway.kill('SIGTERM');
    await Promise.race([once(gateway, 'exit'), new Promise((resolve) => setTimeout(resolve, 3000))]);
    if (gateway.exitCode === null) gateway.kill('SIGKILL');
    backend.closeAllConnections();
    backend.close();
  }
}

async function waitForPort(port: number, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode}):\n${output.join('')}`);
    const up = await new Promise<boolean>((resolve) => {
      const probe = httpRequest({ host: '127.0.0.1', port, path: '/__health', agent: false }, (response) => {
        response.resume();
        resolve(true);
      });
      probe.on('error', () => resolve(false));
      probe.end();
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the gateway did not start within 30 s:\n${output.join('')}`);
}

interface Answer {
  status: number;
  headers: Record<string, string[]>;
  body: string;
}

/** Sends the spec's request, following redirects as Go's default client does (10 hops). */
async function send(spec: Spec, gatewayPort: number): Promise<Answer> {
  let url = specUrl(spec.in.url);
  let method = spec.in.method ?? 'GET';
  let body = spec.in.body === undefined ? undefined : typeof spec.in.body === 'string' ? spec.in.body : JSON.stringify(spec.in.body);
  for (let hop = 0; hop < 10; hop++) {
    const answer = await sendOnce(url, method, spec.in.header ?? {}, body, gatewayPort);
    const location = answer.headers['Location']?.[0];
    if (![301, 302, 303, 307, 308].includes(answer.status) || location === undefined) return answer;
    url = new URL(location, url);
    if (answer.status === 301 || answer.status === 302 || answer.status === 303) {
      if (method !== 'GET' && method !== 'HEAD') {
        method = 'GET';
        body = undefined;
      }
    }
  }
  throw new Error('too many redirects');
}

function sendOnce(url: URL, method: string, header: Record<string, string>, body: string | undefined, gatewayPort: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...header, Host: url.host, 'User-Agent': header['User-Agent'] ?? 'Go-http-client/1.1', 'Accept-Encoding': header['Accept-Encoding'] ?? 'gzip' };
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    else if (method === 'POST' || method === 'PUT' || method === 'PATCH') headers['Content-Length'] = '0';
    const req = httpRequest({ host: '127.0.0.1', port: gatewayPort, method, path: rawTarget(url), headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const out: Record<string, string[]> = {};
        for (let i = 0; i < response.rawHeaders.length; i += 2) {
          (out[canonicalHeaderName(response.rawHeaders[i] as string)] ??= []).push(response.rawHeaders[i + 1] as string);
        }
        resolve({ status: response.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The request target as written in the spec: WHATWG URL parsing would resolve `%2e%2e` before sending. */
const rawTargets = new WeakMap<URL, string>();
function rawTarget(url: URL): string {
  return rawTargets.get(url) ?? url.pathname + url.search;
}
function specUrl(text: string): URL {
  const url = new URL(text);
  const match = /^[a-z]+:\/\/[^/?#]*([^#]*)/i.exec(text);
  if (match?.[1]) rawTargets.set(url, match[1]);
  return url;
}

/** Versions differ between KrakenD releases and Portico: compare `<product> Version <x>` without the number. */
function normalizeVersions(text: string): string {
  return text.replace(/(KrakenD|Portico) Version [^"\s\]\\]+/g, 'KrakenD Version <version>').replace(/^Version [^\s"]+$/, 'Version <version>');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function runSpec(spec: Spec, gatewayPort: number): Promise<SpecResult> {
  const problems: string[] = [];
  let answer: Answer;
  try {
    answer = await send(spec, gatewayPort);
  } catch (error) {
    if (spec.error !== undefined && (error as Error).message === spec.error) return { name: spec.name, passed: true, problems };
    return { name: spec.name, passed: false, problems: [`request failed: ${(error as Error).message}`] };
  }
  if (answer.status !== spec.out.status_code) problems.push(`status: have ${answer.status}, want ${spec.out.status_code}`);

  for (const [rawName, rawExpected] of Object.entries(spec.out.header ?? {})) {
    const name = canonicalHeaderName(rawName);
    const expected = (Array.isArray(rawExpected) ? rawExpected : [rawExpected]).map(normalizeVersions);
    const actual = answer.headers[name]?.map(normalizeVersions);
    if (actual === undefined) {
      if (expected.length > 0 && expected[0] !== '') problems.push(`header ${name}: missing, want ${JSON.stringify(expected)}`);
    } else if (!isDeepStrictEqual(actual, expected)) {
      problems.push(`header ${name}: have ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
    }
  }

  const expectedBody = spec.out.body;
  if (spec.out.schema !== undefined) {
    // KrakenD's harness: a schema, when given, is checked instead of the body.
    const { $schema: _draft, ...schema } = spec.out.schema;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const body = parseJson(answer.body);
    if (body === undefined) problems.push(`body is not JSON: ${answer.body.slice(0, 80)}`);
    else if (!validate(body)) problems.push(`body does not match the schema: ${JSON.stringify(validate.errors)}`);
  } else if (expectedBody !== undefined && expectedBody !== null) {
    // As KrakenD 2.13.8's harness: an absent body is unchecked, "" means an empty body.
    const actualText = normalizeVersions(answer.body);
    if (typeof expectedBody === 'string') {
      const wanted = normalizeVersions(expectedBody);
      if (actualText !== wanted) {
        const a = parseJson(actualText);
        const b = parseJson(wanted);
        if (a === undefined || b === undefined || !isDeepStrictEqual(a, b)) problems.push(`body:\n        have ${answer.body}\n        want ${expectedBody}`);
      }
    } else {
      const wanted = JSON.parse(normalizeVersions(JSON.stringify(expectedBody))) as unknown;
      if (!isDeepStrictEqual(parseJson(actualText), wanted)) problems.push(`body (as JSON):\n        have ${answer.body}\n        want ${JSON.stringify(expectedBody)}`);
    }
  }
  return { name: spec.name, passed: problems.length === 0, problems };
}
