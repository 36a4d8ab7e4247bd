/**
 * `validation/json-schema`: the endpoint's block is a JSON Schema the request body must match before
 * any backend is called (krakend-jsonschema). An empty body, a body that is not JSON, or one the schema
 * refuses is answered 400; with `router.return_error_msg` the body of that answer says why. The schema
 * is compiled once at start-up (drafts 06, 07, 2019-09 and 2020-12, 2020-12 by default); a schema that
 * does not compile is a config error.
 *
 * @example
 * ```json
 * "validation/json-schema": {
 *   "type": "object",
 *   "required": ["number", "street_name"],
 *   "properties": {
 *     "number": { "type": "number" },
 *     "street_name": { "type": "string" }
 *   }
 * }
 * ```
 */
import type { ValidateFunction } from 'ajv';
import { bufferRequestBody } from '../../proxy/buffer-body.js';
import { GatewayError } from '../../core/errors.js';
import type { Middleware } from '../../proxy/types.js';
import type { ComponentDefinition } from '../registry.js';
import { compileBodySchema, describeFailures, draftOf, refusedSchemaPatterns, SUPPORTED_DRAFTS } from './schema-compiler.js';

export const JSON_SCHEMA_NAMESPACE = 'validation/json-schema';

/** A refused body: answered 400, with the reason as the body under `router.return_error_msg`. */
export class BodyValidationError extends GatewayError {
  readonly statusCode = 400;
}

export function createJsonSchemaMiddleware(validate: ValidateFunction): Middleware {
  return (next) =>
    async function validateBody(request, cancel) {
      const body = await bufferRequestBody(request, cancel);
      if (body === null || body.length === 0) throw new BodyValidationError('PRT_ERR_JSON_SCHEMA_EMPTY_BODY', 'could not validate an empty body');
      let document: unknown;
      try {
        document = JSON.parse(body.toString('utf8'));
      } catch (error) {
        throw new BodyValidationError('PRT_ERR_JSON_SCHEMA_MALFORMED', `the body is not valid JSON: ${(error as Error).message}`);
      }
      if (!validate(document)) throw new BodyValidationError('PRT_ERR_JSON_SCHEMA_INVALID', describeFailures(validate.errors));
      return next(request, cancel);
    };
}

export const jsonSchemaComponent: ComponentDefinition = {
  namespace: JSON_SCHEMA_NAMESPACE,
  // The block is itself a JSON Schema; whether it is a valid one is checked by compiling it (below).
  schemas: { endpoint: { type: 'object' } },
  validate(block, _scope, at, issues) {
    if (draftOf(block) === undefined) {
      issues.error({ code: 'PRT_ERR_CONFIG_JSON_SCHEMA', at: [...at, '$schema'], message: 'unsupported JSON Schema draft', expected: SUPPORTED_DRAFTS, found: block['$schema'] });
      return;
    }
    const refused = refusedSchemaPatterns(block, at);
    for (const { at: where, pattern, reason } of refused) {
      issues.error({ code: 'PRT_ERR_CONFIG_REGEX', at: where, message: `the pattern is not RE2 syntax (no backreferences or lookaround): ${reason}`, found: pattern, hint: 'see README, Differences from KrakenD' });
    }
    if (refused.length > 0) return;
    try {
      compileBodySchema(block);
    } catch (error) {
      // KrakenD logs this and lets every body through; an invalid schema stops the gateway here instead.
      issues.error({ code: 'PRT_ERR_CONFIG_JSON_SCHEMA', at, message: `the schema does not compile: ${(error as Error).message}`, hint: 'see docs/components/validation-json-schema.md' });
    }
  },
  proxy: (block) => createJsonSchemaMiddleware(compileBodySchema(block)),
};
