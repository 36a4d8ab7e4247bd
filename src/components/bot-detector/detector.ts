/**
 * Decides whether a `User-Agent` belongs to a bot, as KrakenD's bot detector does: exact `allow`
 * entries win, then exact `deny` entries, then any of the `patterns` (regular expressions, matched
 * anywhere in the value). Decisions are remembered in an LRU of `cache_size` entries; User-Agents
 * longer than `MAX_CACHED_LENGTH` are decided every time, so the cache holds at most
 * `cache_size × 1 KiB` of client text whatever the header size limit.
 */
import { LRUCache } from 'lru-cache';
import type { GoPattern } from '../../util/go-regexp.js';

export interface BotDetectorSettings {
  allow: string[];
  deny: string[];
  patterns: GoPattern[];
  emptyUserAgentIsBot: boolean;
  cacheSize: number;
}

export type BotDetector = (userAgent: string | undefined) => boolean;

/** Real browsers and crawlers send a few hundred characters. */
const MAX_CACHED_LENGTH = 1024;

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
    if (userAgent.length > MAX_CACHED_LENGTH) return decide(userAgent);
    let verdict = cache.get(userAgent);
    if (verdict === undefined) {
      verdict = decide(userAgent);
      cache.set(userAgent, verdict);
    }
    return verdict;
  };
}

