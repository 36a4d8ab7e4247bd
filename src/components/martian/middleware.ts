/**
 * The client-layer middleware: Martian's request modifier on the backend request just before it is sent,
 * its response modifier on the raw answer before KrakenD's status policy and decoding (krakend-martian
 * wraps the backend's HTTP request executor). A modifier's error fails the backend call, as it does in
 * KrakenD; a failed call (no answer) skips the response modifier.
 */
import { GatewayError } from '../../core/errors.js';
import type { BackendCallMiddleware } from '../../pipeline/types.js';
import type { Compiled } from './compile.js';
import { MartianRequest, MartianResponse, ModifierError } from './message.js';

export function createMartianMiddleware(compiled: Compiled): BackendCallMiddleware {
  const modifyRequest = compiled.request;
  const modifyResponse = compiled.response;
  return (next) =>
    async function martianCall(origin, outgoing, options, cancel) {
      const request = MartianRequest.from(origin, outgoing);
      if (modifyRequest) guarded(() => modifyRequest(request), 'request');
      const sent = modifyRequest ? guarded(() => request.toOutgoing(), 'request') : outgoing;
      const reply = await next(modifyRequest ? request.origin() : origin, sent, options, cancel);
      if (!modifyResponse) return reply;
      const response = MartianResponse.from(reply, request);
      try {
        guarded(() => modifyResponse(response), 'response');
      } catch (error) {
        reply.stream?.discard(error as Error);
        throw error;
      }
      return response.toReply(reply, options.stream);
    };
}

function guarded<T>(work: () => T, side: string): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ModifierError) throw new GatewayError('PRT_ERR_MARTIAN', `martian ${side} modifier: ${error.message}`, { cause: error });
    throw error;
  }
}
