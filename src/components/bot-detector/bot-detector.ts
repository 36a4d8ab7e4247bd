/**
 * `security/bot-detector`: rejects requests whose `User-Agent` looks like a bot with a bare 403, at
 * service level (before routing, every path) and/or per endpoint. Patterns compile at start-up.
 *
 * @example
 * ```json
 * "security/bot-detector": {
 *   "allow": ["MyMonitor/1.0"],
 *   "deny": ["curl/8.0.1"],
 *   "patterns": ["(Pingdom.com_bot_version_).*", "(facebookexternalhit)/.*"],
 *   "empty_user_agent_is_bot": true,
 *   "cache_size": 10000
 * }
 * ```
 */
import type { ComponentDefinition } from '../registry.js';
import type { HandlerMiddleware, ServiceMiddleware } from '../../pipeline/types.js';
import { BOOLEAN_SCHEMA, STRINGS_SCHEMA, objectSchema, readBoolean, readInteger, readStrings } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { rejectRequest } from '../deny.js';
import { compileGoPattern } from '../../util/go-regexp.js';
import { createBotDetector } from './detector.js';
import type { BotDetector } from './detector.js';

export const BOT_DETECTOR_NAMESPACE = 'security/bot-detector';

function detectorFrom(block: Block): BotDetector {
  return createBotDetector({
    allow: readStrings(block, 'allow'),
    deny: readStrings(block, 'deny'),
    patterns: readStrings(block, 'patterns').map((pattern) => compileGoPattern(pattern)),
    emptyUserAgentIsBot: readBoolean(block, 'empty_user_agent_is_bot'),
    cacheSize: readInteger(block, 'cache_size', 0),
  });
}

export function createBotDetectorService(block: Block): ServiceMiddleware {
  const isBot = detectorFrom(block);
  return (next) =>
    function rejectBotsEverywhere(request, response) {
      if (isBot(request.headers['user-agent'])) rejectRequest(response, 403);
      else next(request, response);
    };
}

export function createBotDetectorEndpoint(block: Block): HandlerMiddleware {
  const isBot = detectorFrom(block);
  return (next) =>
    function rejectBots(context) {
      if (isBot(context.request.headers['user-agent'])) rejectRequest(context.response, 403);
      else next(context);
    };
}

const schema = objectSchema({
  allow: STRINGS_SCHEMA,
  deny: STRINGS_SCHEMA,
  patterns: STRINGS_SCHEMA,
  empty_user_agent_is_bot: BOOLEAN_SCHEMA,
  cache_size: { type: 'integer', minimum: 0 },
});

export const botDetectorComponent: ComponentDefinition = {
  namespace: BOT_DETECTOR_NAMESPACE,
  schemas: { service: schema, endpoint: schema },
  validate(block, _scope, at, issues) {
    readStrings(block, 'patterns').forEach((pattern, index) => {
      try {
        compileGoPattern(pattern);
      } catch (error) {
        issues.error({
          code: 'PRT_ERR_CONFIG_REGEX',
          at: [...at, 'patterns', index],
          message: `the pattern does not compile: ${(error as Error).message}`,
          expected: 'a regular expression (RE2 syntax)',
          found: pattern,
        });
      }
    });
  },
  service: (block) => createBotDetectorService(block),
  endpoint: (block) => createBotDetectorEndpoint(block),
};
