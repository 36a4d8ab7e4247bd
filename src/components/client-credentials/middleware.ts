/**
 * The client-layer middleware of `auth/client-credentials`: every call to the backend carries the
 * current token in `Authorization` (replacing any forwarded one), as x/oauth2's Transport sets it. A
 * failed token fetch fails the call with `PRT_ERR_CLIENT_CREDENTIALS`; a call whose request is cancelled
 * while it waits for the shared fetch stops waiting at once.
 */
import type { Cancellation } from '../../core/cancellation.js';
import { GatewayError } from '../../core/errors.js';
import type { BackendCallMiddleware } from '../../pipeline/types.js';
import { TokenError } from './token-source.js';
import type { Token, TokenSource } from './token-source.js';

const AUTHORIZATION_LINE = /^Authorization:.*\r\n/gim;

export function createClientCredentialsMiddleware(source: TokenSource): BackendCallMiddleware {
  return (next) =>
    async function authorizedCall(origin, request, options, cancel) {
      const current = source.current();
      const token = current instanceof Promise ? await waitForToken(current, cancel) : current;
      const headerLines = `${request.headerLines.replace(AUTHORIZATION_LINE, '')}Authorization: ${token.authorization}\r\n`;
      return next(origin, { ...request, headerLines }, options, cancel);
    };
}

function waitForToken(pending: Promise<Token>, cancel: Cancellation): Promise<Token> {
  return new Promise<Token>((resolve, reject) => {
    const ticket = cancel.on(reject);
    pending.then(
      (token) => {
        cancel.off(ticket);
        resolve(token);
      },
      (error: unknown) => {
        cancel.off(ticket);
        reject(error instanceof TokenError ? new GatewayError('PRT_ERR_CLIENT_CREDENTIALS', error.message, { cause: error }) : error);
      },
    );
  });
}
