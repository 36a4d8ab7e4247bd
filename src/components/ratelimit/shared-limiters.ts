/**
 * Rate limits of a worker of `portico run -w N`: the buckets live in the primary process (one per
 * instance, as in KrakenD, whose limits hold per process), and each limited request asks it once. When
 * the primary cannot answer in time (`PRT_ERR_STATE_UNAVAILABLE`) the limit refuses: the endpoint answers
 * 503, the backend call fails. A limit that is not configured costs nothing.
 */
import type { SharedStateClient } from '../../shared-state/client.js';
import { OP } from '../../shared-state/protocol.js';
import type { Declaration } from '../../shared-state/protocol.js';
import { CLIENT_LIMITED, ENDPOINT_LIMITED } from './router-limiter.js';
import type { RouterLimiter, Verdict } from './router-limiter.js';
import type { BucketSettings } from './token-bucket.js';

export function createSharedRouterLimiter(state: SharedStateClient, name: string, declaration: Extract<Declaration, { kind: 'router' }>): RouterLimiter {
  const id = state.declare(name, declaration);
  const asVerdict = (verdict: unknown): Verdict => verdict as Verdict;
  const refuse = (): Verdict => ENDPOINT_LIMITED;
  if (declaration.client === undefined) {
    return function checkInPrimary() {
      return state.ask(OP.routerCheck, id).then(asVerdict, refuse);
    };
  }
  return function checkClientInPrimary(clientKey) {
    if (clientKey === '') return CLIENT_LIMITED; // KrakenD: no key, no entry; nothing to ask
    return state.ask(OP.routerCheck, id, clientKey).then(asVerdict, refuse);
  };
}

/** Resolves true when the primary's bucket gave a token; rejects with PRT_ERR_STATE_UNAVAILABLE. */
export function createSharedBucket(state: SharedStateClient, name: string, bucket: BucketSettings): () => Promise<boolean> {
  const id = state.declare(name, { kind: 'bucket', bucket });
  return () => state.ask(OP.bucketTake, id) as Promise<boolean>;
}
