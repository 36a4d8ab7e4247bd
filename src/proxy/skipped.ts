/** A backend a condition left out (`backend/conditional`): the merges leave its answer out. */
import type { ProxyResponse } from './types.js';
import { emptyMetadata } from './types.js';

const SKIPPED = Symbol('skipped backend');

/** What a skipped backend answers: nothing, complete; the merges leave it out. */
export function skippedResponse(): ProxyResponse {
  const response: ProxyResponse & { [SKIPPED]?: true } = { data: {}, isComplete: true, metadata: emptyMetadata(), body: null };
  response[SKIPPED] = true;
  return response;
}

export function isSkipped(response: ProxyResponse): boolean {
  return (response as { [SKIPPED]?: true })[SKIPPED] === true;
}
