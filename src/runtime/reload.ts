/**
 * Config reload for `portico run` (a Portico extension: KrakenD CE has none). `loadRunConfig` is the one
 * function that turns the `-c` file into a checked config, at start, in every worker and on every
 * reload; flexible configuration plugs in there and reports every file it read, which `--watch` then
 * watches. `createReloader` runs one reload at a time (SIGHUP or a file change during a reload queues one
 * more) and keeps the running config when the new one is invalid, logging each problem as
 * file:line:column and key.
 */
import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { resolve } from 'node:path';
import { flexibleOptionsFrom } from '../config/flexible/options.js';
import type { ConfigExtensions } from '../config/extensions.js';
import { loadConfig } from '../config/load.js';
import { formatIssue } from '../config/issues.js';
import type { ConfigIssue } from '../config/issues.js';
import type { ServiceConfig } from '../config/types.js';
import type { Logger } from '../core/logger.js';

/** What a worker needs to build exactly the config its primary checked, whatever the files hold by then. */
export interface ConfigSnapshot {
  file: string;
  /** The file's text, or with flexible configuration what its templates rendered. */
  text: string;
  /** Flexible configuration: the parser of the rendered text and the name messages give it. */
  rendered?: { parseAs: string; displayName: string };
}

export interface RunConfig {
  /** Undefined when the config has errors (listed in `issues`). */
  config: ServiceConfig | undefined;
  issues: ConfigIssue[];
  /** Every file the config was read from: what `--watch` watches. */
  files: string[];
  /** Undefined when the file could not be read (or a template not rendered). */
  snapshot: ConfigSnapshot | undefined;
}

export interface RunConfigOptions {
  /** The registry the config is checked against. */
  components: ConfigExtensions;
  /** `--allow-missing-plugin` names. */
  allowMissingPlugins?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * The single entry point from a `-c` file to a config `run` can serve; with `snapshot`, from the text
 * read (or rendered) before: a worker, which must build exactly what its primary checked. With
 * FC_ENABLE the template is rendered once here and the snapshot carries the rendering.
 */
export async function loadRunConfig(file: string, snapshot: ConfigSnapshot | undefined, options: RunConfigOptions): Promise<RunConfig> {
  const base = { components: options.components, ...(options.allowMissingPlugins ? { allowMissingPlugins: options.allowMissingPlugins } : {}), ...(options.env ? { env: options.env } : {}) };
  if (snapshot?.rendered) {
    const result = await loadConfig(file, { ...base, rendered: { text: snapshot.text, ...snapshot.rendered } });
    return { ...result, files: [file], snapshot };
  }
  if (snapshot === undefined && flexibleOptionsFrom(options.env ?? process.env)) {
    const result = await loadConfig(file, base);
    const rendered = result.rendered;
    return {
      ...result,
      files: [file],
      snapshot: rendered ? { file, text: rendered.text, rendered: { parseAs: rendered.parseAs, displayName: rendered.displayName } } : undefined,
    };
  }
  let text = snapshot?.text;
  if (text === undefined) {
    try {
      text = await readFile(file, 'utf8');
    } catch {
      // loadConfig reports the unreadable file as PRT_ERR_CONFIG_READ.
      return { ...(await loadConfig(file, base)), files: [file], snapshot: undefined };
    }
  }
  const result = await loadConfig(file, { ...base, text });
  return { ...result, files: [file], snapshot: { file, text } };
}

/** Stable code of a refused reload (docs/errors.md). */
export const RELOAD_REFUSED = 'PRT_ERR_RELOAD_REFUSED';
/** The log line of a refused reload. */
export function refusedLine(why: string): string {
  return `[SERVICE: Portico][Reload] ${RELOAD_REFUSED} ${why}; the running configuration keeps serving`;
}

/** A worker asks its primary for the snapshot of its generation with this message; the answer has the same key. */
export const SNAPSHOT_TAG = 'porticoConfig';

export interface ReloaderOptions {
  file: string;
  logger: () => Logger;
  /** Loads the file (`loadRunConfig` with the program's registry). */
  load: (file: string) => Promise<RunConfig>;
  /** Puts a valid config into service; resolves true when it serves, false when it was refused. */
  apply(config: ServiceConfig, snapshot: ConfigSnapshot): Promise<boolean>;
  /** Called with the files of each config loaded, valid or not (so a fix to a broken file is seen). */
  onFiles?(files: string[]): void;
}

export interface Reloader {
  /** Loads and applies the config; resolves when this reload (or the one it joined) has finished. */
  reload(reason: string): Promise<void>;
}

export function createReloader(options: ReloaderOptions): Reloader {
  const load = options.load;
  let running: Promise<void> | undefined;
  let queued: { reason: string; done: Promise<void> } | undefined;

  async function once(reason: string): Promise<void> {
    const logger = options.logger();
    logger.info(`[SERVICE: Portico][Reload] ${reason}: loading ${options.file}`);
    let result: RunConfig;
    try {
      result = await load(options.file);
    } catch (error) {
      logger.error(refusedLine(`${options.file}: ${(error as Error).message}`));
      return;
    }
    options.onFiles?.(result.files);
    for (const issue of result.issues) {
      const line = `[SERVICE: Portico][Reload] ${formatIssue(issue)}`;
      if (issue.severity === 'error') logger.error(line);
      else logger.warn(line);
    }
    if (!result.config || !result.snapshot) {
      const errors = result.issues.filter((issue) => issue.severity === 'error').length;
      logger.error(refusedLine(`${options.file}: ${errors} error(s)`));
      return;
    }
    const applied = await options.apply(result.config, result.snapshot);
    if (applied) logger.info(`[SERVICE: Portico][Reload] serving the new configuration (${result.config.endpoints.length} endpoints)`);
  }

  function reload(reason: string): Promise<void> {
    if (running === undefined) {
      running = once(reason).finally(() => {
        running = undefined;
      });
      return running;
    }
    // One reload at a time; every request that arrives meanwhile is served by one more.
    queued ??= {
      reason,
      done: running.then(() => {
        const next = queued as { reason: string };
        queued = undefined;
        return reload(next.reason);
      }),
    };
    return queued.done;
  }

  return { reload };
}

export interface ConfigWatcher {
  /** Watches exactly these files from now on. */
  watch(files: string[]): void;
  close(): void;
}

/** Polls the stat of each file (robust to editors that replace a file by renaming); debounced. */
export function watchConfigFiles(onChange: (file: string) => void, options: { intervalMs?: number; debounceMs?: number } = {}): ConfigWatcher {
  const intervalMs = options.intervalMs ?? 250;
  const debounceMs = options.debounceMs ?? 300;
  const watched = new Map<string, (current: Stats, previous: Stats) => void>();
  let timer: NodeJS.Timeout | undefined;
  let changed = '';
  const fire = (): void => {
    timer = undefined;
    onChange(changed);
  };
  return {
    watch(files) {
      const wanted = new Set(files.map((file) => resolve(file)));
      for (const [file, listener] of watched) {
        if (wanted.has(file)) continue;
        unwatchFile(file, listener);
        watched.delete(file);
      }
      for (const file of wanted) {
        if (watched.has(file)) continue;
        const listener = (current: Stats, previous: Stats): void => {
          if (current.mtimeMs === previous.mtimeMs && current.size === previous.size && current.ino === previous.ino) return;
          changed = file;
          if (timer !== undefined) clearTimeout(timer);
          timer = setTimeout(fire, debounceMs);
        };
        watched.set(file, listener);
        watchFile(file, { interval: intervalMs, persistent: false }, listener);
      }
    },
    close() {
      for (const [file, listener] of watched) unwatchFile(file, listener);
      watched.clear();
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
