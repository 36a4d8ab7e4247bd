/**
 * `modifier/martian` (KrakenD CE, krakend-martian): Google Martian's request and response modifiers on
 * one backend's HTTP exchange, compiled once at start-up (see `compile.ts`, `docs/components/modifier-martian.md`).
 *
 * ```json
 * "extra_config": {
 *   "modifier/martian": {
 *     "fifo.Group": {
 *       "scope": ["request", "response"],
 *       "modifiers": [
 *         { "header.Modifier": { "scope": ["request"], "name": "X-Source", "value": "gateway" } },
 *         { "header.Blacklist": { "scope": ["response"], "names": ["Server"] } }
 *       ]
 *     }
 *   }
 * }
 * ```
 * A block Martian's parser refuses is a start-up warning and the backend runs without modifiers, as in
 * KrakenD (which logs the error and does the same).
 */
import type { ComponentDefinition } from '../registry.js';
import { MartianConfigError, MARTIAN_TYPES, compileModifier } from './compile.js';
import type { Compiled } from './compile.js';
import { createMartianMiddleware } from './middleware.js';

export const MARTIAN_NAMESPACE = 'modifier/martian';
/** The v2-era name KrakenD CE 2.13 still reads (krakend-ce `cmd/krakend-ce/main.go` aliases). */

const typeSchemas = Object.fromEntries(MARTIAN_TYPES.map((type) => [type, { description: `Martian ${type} (see docs/components/modifier-martian.md)` }]));

export const martianComponent: ComponentDefinition = {
  namespace: MARTIAN_NAMESPACE,
  schemas: {
    backend: {
      type: 'object',
      description: 'One Martian modifier, filter or group (exactly one key: its type).',
      properties: typeSchemas,
      // Unknown types are reported by `validate` with Martian's own message.
      additionalProperties: true,
    },
    // krakend-martian reads backend blocks only; one on an endpoint is accepted and ignored, as KrakenD does.
    endpoint: { type: 'object', description: 'Ignored: KrakenD applies Martian on backends only.' },
  },
  validate(block, scope, at, issues) {
    if (scope !== 'backend') {
      issues.warning({ code: 'PRT_WARN_CONFIG_MARTIAN', at, message: `KrakenD applies ${MARTIAN_NAMESPACE} on backends only: this ${scope}-level block is ignored, as in KrakenD; move it into the backend` });
      return;
    }
    try {
      compileModifier(block, at);
    } catch (error) {
      if (!(error instanceof MartianConfigError)) throw error;
      issues.warning({
        code: error.unsupported ? 'PRT_WARN_CONFIG_UNSUPPORTED' : 'PRT_WARN_CONFIG_MARTIAN',
        at: error.at,
        message: `${error.message}; the backend runs without its Martian modifiers, as in KrakenD`,
      });
    }
  },
  client(block, backend, _endpoint, context) {
    let compiled: Compiled;
    try {
      compiled = compileModifier(block, backend.at.concat(['extra_config', MARTIAN_NAMESPACE]));
    } catch (error) {
      if (!(error instanceof MartianConfigError)) throw error;
      context.logger.error(`[BACKEND: ${backend.urlPattern}][Martian] ${error.message}: running without modifiers`);
      return undefined;
    }
    if (compiled.request === undefined && compiled.response === undefined) return undefined;
    return createMartianMiddleware(compiled);
  },
};

