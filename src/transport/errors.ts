import { GatewayError } from '../core/errors.js';

/** Error raised by the backend transport; `code` is stable and documented in docs/errors.md. */
export class HttpClientError extends GatewayError {
  override readonly name = 'HttpClientError';
}
