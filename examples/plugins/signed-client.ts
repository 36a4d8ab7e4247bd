/**
 * An `http-client` plugin: sends the backend call itself, adding an HMAC-SHA256 signature of the method,
 * path and body (`X-Signature: t=<unix seconds>,v1=<hex>`), as some partner APIs require. It replaces
 * Portico's HTTP client for the backends that name it, as a KrakenD client plugin does.
 * Block: `extra_config["plugin/http-client"]["signed-client"]`.
 */
import { createHmac } from 'node:crypto';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { definePlugin } from 'portico';

async function bodyBytes(body: Buffer | Readable | null): Promise<Buffer> {
  if (body === null) return Buffer.alloc(0);
  return Buffer.isBuffer(body) ? body : buffer(body);
}

export default definePlugin({
  name: 'signed-client',
  httpClient(config) {
    const secret = config['secret'];
    if (typeof secret !== 'string' || secret.length < 16) throw new Error('"secret" must be a string of 16 characters or more');
    const header = typeof config['header'] === 'string' ? config['header'] : 'X-Signature';

    return async (request) => {
      const body = await bodyBytes(request.body);
      const url = new URL(request.url);
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = createHmac('sha256', secret).update(`${timestamp}.${request.method}.${url.pathname}${url.search}.`).update(body).digest('hex');
      const headers = new Headers();
      for (const [name, values] of Object.entries(request.headers)) for (const value of values) headers.append(name, value);
      headers.set(header, `t=${timestamp},v1=${signature}`);
      const answer = await fetch(url, {
        method: request.method,
        headers,
        signal: request.signal,
        redirect: 'manual',
        ...(body.length > 0 ? { body } : {}),
      });
      const responseHeaders: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        // fetch has already decoded the body: its framing and encoding headers no longer apply.
        if (name !== 'content-encoding' && name !== 'content-length' && name !== 'transfer-encoding') responseHeaders[name] = value;
      });
      return { status: answer.status, headers: responseHeaders, body: new Uint8Array(await answer.arrayBuffer()) };
    };
  },
});
