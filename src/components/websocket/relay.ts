/**
 * One WebSocket session in direct mode: the client's connection and the backend's, relayed message by
 * message both ways. Memory stays bounded: when `messageBufferSize` messages wait to be written to one
 * side, the other side is no longer read (TCP then slows its sender) until half of them are written; a
 * side that writes nothing for `writeWaitMs` while messages wait is dropped. Close codes pass through;
 * a backend that vanishes closes the client with 1014 (bad gateway), a client that vanishes closes the
 * backend with 1001 (going away).
 */
import type { RawData, WebSocket } from 'ws';

export interface RelayLimits {
  /** Messages waiting to be written to one side before the other side is paused (EE `message_buffer_size`). */
  messageBufferSize: number;
  /** A paused side's peer must accept data within this (EE `write_wait`), else it is dropped. */
  writeWaitMs: number;
  /** No message either way for this long ends the session with 1001 (EE `timeout`); 0: none. */
  idleMs: number;
  /** Ping period and the longest wait for a pong on each side (EE `ping_period`, `pong_wait`); 0: none. */
  pingPeriodMs: number;
  pongWaitMs: number;
}

export type Side = 'client' | 'backend';

export interface RelayEnd {
  /** The side whose closing ended the session (or `idle`). */
  by: Side | 'idle';
  code: number;
  /** Most messages that ever waited to be written to one side: what the session held in memory at worst. */
  peakWaiting: number;
}

const OPEN = 1;
/** Codes a close frame may carry (RFC 6455 §7.4, ws's list): others are replaced on the way through. */
function isSendableCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** Status to send to one side when the other closed with `code` (1005: none given; 1006/1015: no close frame). */
export function forwardedCloseCode(closedSide: Side, code: number): number | undefined {
  if (code === 1005) return undefined;
  if (isSendableCode(code)) return code;
  return closedSide === 'backend' ? 1014 : 1001;
}

/** Status code a leg sent itself on a protocol error (too big: 1009), kept in case the peer never answers. */
const SENT_CODE = Symbol('sent close code');
type Leg = WebSocket & { [SENT_CODE]?: number };

export function relaySession(client: WebSocket, backend: WebSocket, limits: RelayLimits, onEnd: (end: RelayEnd) => void): void {
  let ended = false;
  let peakWaiting = 0;
  const timers: NodeJS.Timeout[] = [];
  const idleTimer = limits.idleMs > 0 ? setTimeout(() => closeBoth(1001, 'idle timeout'), limits.idleMs) : undefined;
  if (idleTimer) timers.push(idleTimer);

  pipe(client, backend);
  pipe(backend, client);
  backend.resume();
  watchLiveness(client);
  watchLiveness(backend);
  for (const [leg, side] of [[client, 'client'], [backend, 'backend']] as const) {
    leg.on('error', (error: Error & { [key: symbol]: unknown }) => {
      // ws closes a leg itself on a protocol error (1002, 1007, 1009): remember what it sent.
      const status = Object.getOwnPropertySymbols(error).map((key) => error[key]).find((value) => typeof value === 'number');
      if (typeof status === 'number') (leg as Leg)[SENT_CODE] = status;
    });
    leg.once('close', (code: number, reason: Buffer) => finish(side, code === 1006 ? ((leg as Leg)[SENT_CODE] ?? code) : code, reason));
  }

  function pipe(from: WebSocket, to: WebSocket): void {
    let waiting = 0;
    let paused = false;
    let stall: NodeJS.Timeout | undefined;
    const limit = limits.messageBufferSize;
    const onWritten = (): void => {
      waiting--;
      if (!paused) return;
      stall?.refresh();
      if (waiting <= limit >> 1) {
        paused = false;
        clearTimeout(stall);
        from.resume();
      }
    };
    from.on('message', (data: RawData, isBinary: boolean) => {
      idleTimer?.refresh();
      if (to.readyState !== OPEN) return;
      if (++waiting > peakWaiting) peakWaiting = waiting;
      to.send(data as Buffer, { binary: isBinary }, onWritten);
      if (waiting >= limit && !paused) {
        paused = true;
        from.pause();
        // The slow side accepted nothing for write_wait: it is dropped, and the session ends.
        stall = setTimeout(() => to.terminate(), limits.writeWaitMs);
        timers.push(stall);
      }
    });
  }

  function watchLiveness(leg: WebSocket): void {
    if (limits.pingPeriodMs <= 0) return;
    let lastHeard = performance.now();
    const heard = (): void => {
      lastHeard = performance.now();
    };
    leg.on('pong', heard);
    leg.on('message', heard);
    const timer = setInterval(() => {
      if (performance.now() - lastHeard > limits.pongWaitMs) leg.terminate();
      else if (leg.readyState === OPEN) leg.ping();
    }, limits.pingPeriodMs);
    timers.push(timer);
  }

  function closeBoth(code: number, reason: string): void {
    if (ended) return;
    ended = true;
    for (const timer of timers) clearTimeout(timer);
    if (client.readyState === OPEN) client.close(code, reason);
    if (backend.readyState === OPEN) backend.close(code, reason);
    onEnd({ by: 'idle', code, peakWaiting });
  }

  function finish(side: Side, code: number, reason: Buffer): void {
    if (ended) return;
    ended = true;
    for (const timer of timers) clearTimeout(timer);
    const other = side === 'client' ? backend : client;
    other.resume();
    if (other.readyState === OPEN) {
      const status = forwardedCloseCode(side, code);
      if (status === undefined) other.close();
      else other.close(status, isSendableCode(code) ? reason : undefined);
    } else if (other.readyState !== 3 /* CLOSED */) other.terminate();
    onEnd({ by: side, code, peakWaiting });
  }
}
