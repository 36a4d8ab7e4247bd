/**
 * `server/compression` (Portico): gzip and brotli answers by `Accept-Encoding`. The endpoint handler
 * reads the settings once (src/render/compression.ts); this definition only declares the namespace.
 *
 * ```json
 * "extra_config": { "server/compression": { "algorithms": ["br", "gzip"], "min_size": 1024, "no_op": false } }
 * ```
 */
import type { ComponentDefinition } from '../registry.js';

import { CODINGS, COMPRESSION_NAMESPACE } from '../../router/compression.js';

const settings = {
  type: 'object',
  properties: {
    algorithms: { type: 'array', items: { type: 'string', enum: [...CODINGS] }, description: 'Codings offered, in the server\'s order of preference (default ["br", "gzip"])' },
    min_size: { type: 'integer', minimum: 0, description: 'Bodies smaller than this many bytes are sent as they are (default 1024)' },
    content_types: { type: 'array', items: { type: 'string' }, description: 'Compressible types: "text/" prefixes, exact types, "+json" suffixes' },
    no_op: { type: 'boolean', description: 'Also compress no-op passthrough answers, streamed (default false)' },
    gzip_level: { type: 'integer', minimum: 1, maximum: 9 },
    brotli_quality: { type: 'integer', minimum: 0, maximum: 11 },
    disable: { type: 'boolean', description: 'Endpoint level: no compression for this endpoint' },
  },
  patternProperties: { '^[@$_#]': {} },
  additionalProperties: false,
};

export const compressionComponent: ComponentDefinition = {
  namespace: COMPRESSION_NAMESPACE,
  schemas: { service: settings, endpoint: settings },
};
