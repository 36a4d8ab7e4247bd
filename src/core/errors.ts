/** Errors on the request path. Each has a stable `code` documented in docs/errors.md. */
export class GatewayError extends Error {
  /** The backend call that failed in transport, for KrakenD's `Get "url": …` text (router/error-text.ts). */
  backendRequest?: { method: string; url: string };

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
  }
}

/** A backend answered with a status other than 200/201 (lura `ErrInvalidStatus`). */
export class InvalidStatusError extends GatewayError {
  constructor(
    /** Not `statusCode`: this status must not reach the client (KrakenD answers 500). */
    readonly backendStatus: number,
    readonly target: string,
    /** lura's `[METHOD url_pattern]:` prefix, with the pattern's `{x}` written `{{.X}}` as lura stores it. */
    readonly prefix = '',
  ) {
    super('PRT_ERR_BACKEND_STATUS', `invalid status code ${backendStatus}`);
  }

  /** lura `ErrInvalidStatus.Error()`: what `router.return_error_msg` shows (the backend URL included). */
  get krakendText(): string {
    return `invalid status code ${this.backendStatus} ${this.prefix} ${this.target}`;
  }
}

/**
 * `backend/http.return_error_code`: the backend's status (and, with `return_error_msg`, its body) reach the
 * client.
 */
export class BackendResponseError extends GatewayError {
  constructor(
    readonly statusCode: number,
    readonly body: string,
    readonly contentType: string,
  ) {
    super('PRT_ERR_BACKEND_RESPONSE', body);
  }
}

/** Several backends failed; the endpoint may still answer with what the others returned. */
export class MergeError extends GatewayError {
  constructor(readonly errors: Error[]) {
    super('PRT_ERR_MERGE', errors.map((error) => error.message).join('\n'));
  }
}

export function timeoutError(what: string, ms: number): GatewayError {
  return new GatewayError('PRT_ERR_TIMEOUT', `${what} timed out after ${ms} ms`);
}
