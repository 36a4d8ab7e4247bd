/**
 * Reading a Lua block (`modifier/lua-endpoint`, `modifier/lua-proxy`, `modifier/lua-backend`): its
 * sources (paths relative to the working directory, as in KrakenD), `pre`/`post` code, and the checks
 * run at load time — sources readable, `md5` checksums matching, every script compiling and the sources
 * running in a VM without error.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConfigIssues } from '../../config/issues.js';
import type { KeyPath } from '../../config/source.js';
import { BOOLEAN_SCHEMA, STRINGS_SCHEMA, objectSchema, readBoolean, readString, readStrings } from '../block-reader.js';
import type { Block } from '../block-reader.js';
import { loadedLuaRuntime } from './runtime.js';
import { LuaVm } from './vm.js';
import type { LuaScripts } from './vm.js';

export interface LuaBlock extends LuaScripts {
  skipNext: boolean;
  live: boolean;
}

export const LUA_BLOCK_SCHEMA = objectSchema({
  sources: STRINGS_SCHEMA,
  pre: { type: 'string' },
  post: { type: 'string' },
  live: BOOLEAN_SCHEMA,
  allow_open_libs: BOOLEAN_SCHEMA,
  skip_next: BOOLEAN_SCHEMA,
  md5: { type: 'object', additionalProperties: { type: 'string' } },
});

/** Reads the block and its source files (a file that cannot be read becomes a failing chunk; `validate` warned). */
export function readLuaBlock(block: Block): LuaBlock {
  return {
    sources: readStrings(block, 'sources').map((path) => ({ path, text: readIfPossible(path) ?? unloadableSource(path) })),
    pre: readString(block, 'pre'),
    post: readString(block, 'post'),
    allowOpenLibs: readBoolean(block, 'allow_open_libs'),
    skipNext: readBoolean(block, 'skip_next'),
    live: readBoolean(block, 'live'),
  };
}

/** True when the scripts may call `:body()`, so the request body must be read before they run. */
export function mentionsBody(scripts: LuaScripts): boolean {
  return scripts.pre.includes('body') || scripts.post.includes('body') || scripts.sources.some((source) => source.text.includes('body'));
}

export function validateLuaBlock(block: Block, at: KeyPath, issues: ConfigIssues): void {
  const texts = new Map<string, string>();
  readStrings(block, 'sources').forEach((path, index) => {
    try {
      texts.set(path, readFileSync(path, 'utf8'));
    } catch (error) {
      issues.warning({
        code: 'PRT_WARN_CONFIG_LUA_SOURCE',
        at: [...at, 'sources', index],
        message: `the Lua source cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): every request through this Lua layer fails, as in KrakenD`,
        found: path,
        hint: 'paths are relative to the directory Portico starts in',
      });
    }
  });
  const checksums = block['md5'];
  if (checksums !== null && typeof checksums === 'object') {
    for (const [path, expected] of Object.entries(checksums as Record<string, unknown>)) {
      const text = texts.get(path) ?? readIfPossible(path);
      if (text === undefined) continue;
      const actual = createHash('md5').update(text).digest('hex');
      if (actual !== expected) issues.error({ code: 'PRT_ERR_CONFIG_LUA_CHECKSUM', at: [...at, 'md5', path], message: `the MD5 checksum of ${path} does not match`, expected: String(expected), found: actual });
    }
  }
  if (readBoolean(block, 'live')) {
    issues.warning({ code: 'PRT_WARN_CONFIG_UNSUPPORTED', at: [...at, 'live'], message: '"live" is not supported: the sources are read once, at start-up' });
  }
  if (texts.size !== readStrings(block, 'sources').length) return;
  const runtime = loadedLuaRuntime();
  if (!runtime) return;
  try {
    new LuaVm(runtime, { sources: [...texts].map(([path, text]) => ({ path, text })), pre: readString(block, 'pre'), post: readString(block, 'post'), allowOpenLibs: readBoolean(block, 'allow_open_libs') }).close();
  } catch (error) {
    // KrakenD fails each request of such an endpoint; so does Portico, but says so before it starts.
    issues.warning({ code: 'PRT_WARN_CONFIG_LUA_SCRIPT', at, message: `the Lua scripts do not load, so every request of this endpoint will fail: ${(error as Error).message}` });
  }
}

/**
 * krakend-lua logs a source it cannot open and starts (config.go `Parse`); each run of the layer then
 * fails with ErrUnknownSource (binder.go `WithConfig`). A chunk that raises that error does the same here.
 */
function unloadableSource(path: string): string {
  return `error(${JSON.stringify(`lua: unable to load required source ${path}`)})`;
}

function readIfPossible(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
