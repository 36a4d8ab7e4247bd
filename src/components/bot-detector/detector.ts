/**
 * Decides whether a `User-Agent` belongs to a bot, as KrakenD's bot detector does: exact `allow`
 * entries win, then exact `deny` entries, then any of the `patterns` (regular expressions, matched
 * anywhere in the value). Decisions are remembered in an LRU of `cache_size` entries.
 */
import { LRUCache } from 'lru-cache';

export interface BotDetectorSettings {
  allow: string[];
  deny: string[];
  patterns: RegExp[];
  emptyUserAgentIsBot: boolean;
  cacheSize: number;
}

export type BotDetector = (userAgent: string | undefined) => boolean;

export function createBotDetector(settings: BotDetectorSettings): BotDetector {
  const allowed = new Set(settings.allow);
  const denied = new Set(settings.deny);
  const patterns = settings.patterns;
  const emptyIsBot = settings.emptyUserAgentIsBot;
  const decide = (userAgent: string): boolean => {
    if (allowed.has(userAgent)) return false;
    if (denied.has(userAgent)) return true;
    for (const pattern of patterns) if (pattern.test(userAgent)) return true;
    return false;
  };
  if (settings.cacheSize <= 0) {
    return function isBot(userAgent) {
      return userAgent ? decide(userAgent) : emptyIsBot;
    };
  }
  const cache = new LRUCache<string, boolean>({ max: settings.cacheSize });
  return function isBotCached(userAgent) {
    if (!userAgent) return emptyIsBot;
    let verdict = cache.get(userAgent);
    if (verdict === undefined) {
      verdict = decide(userAgent);
      cache.set(userAgent, verdict);
    }
    return verdict;
  };
}

/**
 * Compiles a Go (RE2) pattern into a JavaScript one. RE2's leading inline flags (`(?i)`, `(?s)`,
 * `(?m)`) become RegExp flags; the rest of RE2's syntax is a subset JavaScript reads the same way.
 * Throws a SyntaxError for a pattern JavaScript cannot compile.
 */
export function compileGoPattern(pattern: string): RegExp {
  const inline = /^\(\?([ims]+)\)/.exec(pattern);
  if (!inline) return new RegExp(pattern);
  return new RegExp(pattern.slice(inline[0].length), [...new Set(inline[1])].join(''));
}
