/**
 * A `req-resp-modifier` plugin: the request modifier gives every backend call an `X-Request-Id` (kept
 * when the client sent one and the endpoint forwards it); the response modifier removes the configured
 * fields (`password`, internal ids) from the data before the client sees them. Works at the endpoint
 * (on the merged answer) and at a backend. Block: `extra_config["plugin/req-resp-modifier"]["field-mask"]`.
 */
import { randomUUID } from 'node:crypto';
import { definePlugin } from 'portico';

export default definePlugin({
  name: 'field-mask',
  reqRespModifier(config) {
    const fields = Array.isArray(config['fields']) ? config['fields'].filter((field): field is string => typeof field === 'string') : [];
    if (fields.length === 0) throw new Error('"fields" must list at least one field to remove');

    return {
      request(request) {
        request.headers['X-Request-Id'] ??= [randomUUID()];
      },
      response(response) {
        for (const field of fields) delete response.data[field];
      },
    };
  },
});
