/** Error raised by the backend transport; `code` is stable and documented in docs/errors.md. */
export class HttpClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpClientError';
  }
}
