/**
 * Pushes the metrics to InfluxDB 1.x's HTTP write API (`POST /write?db=…&precision=s`, line protocol)
 * every `ttl`, as krakend-influx does. It runs on a timer beside the gateway and never on a request: one
 * write at a time, bounded by a timeout; a batch that fails (or finds the previous write still hanging)
 * is kept in a buffer of `buffer_size` batches (the newest win) and sent with the next good write.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hostname } from 'node:os';
import type { Logger } from '../../core/logger.js';
import type { MetricsSnapshot } from '../metrics/registry.js';
import { CounterMemory, pointsOf } from './points.js';
import type { InfluxSettings } from './settings.js';

const LOG_PREFIX = '[SERVICE: InfluxDB]';
/** krakend-influx's client timeout; with a short ttl, 90% of it, so a write ends before the next tick. */
const MAX_WRITE_MS = 10_000;

export interface InfluxPusher {
  /** Collects and writes once now (the timer calls it every ttl). */
  push(): Promise<void>;
  stop(): void;
}

export function startInfluxPusher(settings: InfluxSettings, collect: () => Promise<MetricsSnapshot>, logger: Logger): InfluxPusher {
  const host = hostname();
  const memory = new CounterMemory();
  const pending: string[][] = [];
  let writing = false;
  const writeUrl = new URL('write', settings.address.href.endsWith('/') ? settings.address : new URL(`${settings.address.href}/`));
  writeUrl.searchParams.set('db', settings.db);
  writeUrl.searchParams.set('precision', 's');
  const timeoutMs = Math.min(MAX_WRITE_MS, Math.floor(settings.ttlMs * 0.9));
  const keep = (...batches: string[][]): void => {
    pending.push(...batches);
    if (pending.length > settings.bufferSize) pending.splice(0, pending.length - settings.bufferSize);
  };

  const push = async (): Promise<void> => {
    let batch: string[];
    try {
      batch = pointsOf(await collect(), host, Math.floor(Date.now() / 1000), memory);
    } catch (error) {
      logger.error(`${LOG_PREFIX} cannot collect the metrics: ${(error as Error).message}`);
      return;
    }
    if (writing) {
      logger.warn(`${LOG_PREFIX} the previous write has not finished: batch buffered`);
      keep(batch);
      return;
    }
    writing = true;
    try {
      await write(writeUrl, settings, batch.join('\n'), timeoutMs);
      logger.debug(`${LOG_PREFIX} ${batch.length} datapoints sent`);
      const retry = pending.splice(0);
      if (retry.length > 0) {
        await write(writeUrl, settings, retry.flat().join('\n'), timeoutMs).catch((error: Error) => {
          logger.error(`${LOG_PREFIX} Couldn't write to server: ${error.message}`);
          keep(...retry);
        });
      }
    } catch (error) {
      logger.error(`${LOG_PREFIX} Couldn't write to server: ${(error as Error).message}`);
      keep(batch);
    } finally {
      writing = false;
    }
  };

  const timer = setInterval(() => void push(), settings.ttlMs);
  timer.unref();
  ping(settings, logger);
  return { push, stop: () => clearInterval(timer) };
}

/** One write: resolves on 2xx, rejects on another status, a network error or the timeout. */
function write(url: URL, settings: InfluxSettings, body: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) };
    if (settings.username !== '') headers['Authorization'] = `Basic ${Buffer.from(`${settings.username}:${settings.password}`).toString('base64')}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method: 'POST', headers, timeout: timeoutMs, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < 1024) text += chunk;
      });
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`HTTP ${status} ${text.trim()}`));
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** krakend-influx pings the server once at start and warns when it does not answer. */
function ping(settings: InfluxSettings, logger: Logger): void {
  const url = new URL('ping', settings.address.href.endsWith('/') ? settings.address : new URL(`${settings.address.href}/`));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const request = send(url, { method: 'GET', timeout: 1_000, agent: false }, (response) => {
    response.resume();
    logger.debug(`${LOG_PREFIX} Ping results: status = ${response.statusCode ?? 0}`);
  });
  request.on('timeout', () => request.destroy(new Error('no answer within 1 s')));
  request.on('error', (error) => logger.warn(`${LOG_PREFIX} Unable to ping the InfluxDB server: ${error.message}`));
  request.end();
}
