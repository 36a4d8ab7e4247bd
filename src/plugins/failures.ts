/**
 * How a plugin's failures surface. At build time (a factory throws or returns nothing usable) the gateway
 * does not start, and the error names the plugin, its file and the config key. On a request, a throw
 * becomes a GatewayError (`PRT_ERR_PLUGIN`), answered like any failing component: 500 at the endpoint,
 * a failed backend below it; an error with a `statusCode` (HttpError) answers with that status.
 */
import { GatewayError } from '../core/errors.js';
import type { LoadedPlugin } from './loaded.js';

export class PluginBuildError extends Error {
  readonly code = 'PRT_ERR_PLUGIN_BUILD';
  constructor(plugin: LoadedPlugin, kind: string, at: string, cause: unknown) {
    super(`PRT_ERR_PLUGIN_BUILD: plugin "${plugin.name}" (${plugin.file}) failed to build its ${kind} at ${at}: ${describe(cause)}`, { cause });
    this.name = 'PluginBuildError';
    // What the operator needs first; the plugin's own stack (where it threw) after it, not the gateway's.
    this.stack = cause instanceof Error && cause.stack ? `${this.message}\n  thrown by: ${cause.stack}` : this.message;
  }
}

/** Builds one plugin piece, turning a throw into a PluginBuildError; `check` says what a usable result is. */
export function buildPiece<T>(plugin: LoadedPlugin, kind: string, at: string, build: () => unknown, check: (value: unknown) => value is T, expected: string): T {
  let value: unknown;
  try {
    value = build();
  } catch (error) {
    throw new PluginBuildError(plugin, kind, at, error);
  }
  if (!check(value)) throw new PluginBuildError(plugin, kind, at, `the factory returned ${describeValue(value)}, not ${expected}`);
  return value;
}

/** A plugin's request-time failure; a status it chose (HttpError or any `statusCode`) is kept. */
export function requestFailure(plugin: string, what: string, error: unknown): GatewayError {
  const chosen = statusCodeOf(error);
  // A chosen status is the plugin's answer: its own message is what `return_error_msg` shows.
  const failure = new GatewayError('PRT_ERR_PLUGIN', chosen ? describe(error) : `plugin "${plugin}" ${what} failed: ${describe(error)}`, { cause: error });
  if (chosen) {
    const contentType = (error as { contentType?: unknown }).contentType;
    Object.assign(failure, { statusCode: chosen, ...(typeof contentType === 'string' ? { contentType } : {}) });
  }
  return failure;
}

function statusCodeOf(error: unknown): number | undefined {
  const status = error !== null && typeof error === 'object' ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599 ? status : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') return 'a promise (factories run synchronously at start-up)';
  return `a ${typeof value}`;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}
