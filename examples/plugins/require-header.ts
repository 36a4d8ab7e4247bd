/**
 * An `http-server` plugin: requests under the configured path prefixes must carry a header (a tenant,
 * say); those without it get a 400 JSON answer before routing, the others go on with the header's value
 * echoed in the response. Block: `extra_config["plugin/http-server"]["require-header"]`.
 */
import { definePlugin } from 'portico';

export default definePlugin({
  name: 'require-header',
  httpServer(config, context) {
    // Checked once, at start-up: a wrong block stops the gateway with this message.
    const header = config['header'];
    if (typeof header !== 'string' || header === '') throw new Error('"header" must name the required header');
    const prefixes = Array.isArray(config['paths']) ? config['paths'].filter((path): path is string => typeof path === 'string') : ['/'];
    const lower = header.toLowerCase();
    const refusal = JSON.stringify({ error: `missing ${header} header` });
    context.logger.info(`[PLUGIN: require-header] ${header} required under ${prefixes.join(', ')}`);

    return (next) => (request, response) => {
      const url = request.url ?? '/';
      const value = request.headers[lower];
      if (value === undefined && prefixes.some((prefix) => url.startsWith(prefix))) {
        response.writeHead(400, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(refusal) });
        response.end(refusal);
        return;
      }
      if (typeof value === 'string') response.setHeader(`${header}-Seen`, value);
      next(request, response);
    };
  },
});
